#include "support/run_output.h"

#include <cstdlib>

namespace sqs2pg::testing {

int64_t SummaryValue(const std::string& output, const std::string& label) {
  size_t at = output.rfind("summary:");
  if (at == std::string::npos) return -1;
  at = output.find("\n  " + label + " ", at);
  if (at == std::string::npos) return -1;
  at += 3 + label.size();
  while (at < output.size() && output[at] == ' ') ++at;
  return std::atoll(output.c_str() + at);
}

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string Tail(const std::string& output, size_t chars) {
  return output.size() <= chars ? output : "..." + output.substr(output.size() - chars);
}

}  // namespace sqs2pg::testing
