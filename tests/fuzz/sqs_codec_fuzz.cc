// libFuzzer target: each input is an SQS response body for the JSON codec's decoders
// (sqs/json_codec.h: DecodeReceiveMessage, DecodeBatchResult, DecodeGetQueueAttributes,
// DecodeQueueUrl, DecodeError) and for what the client does with an error next (StatusFromError,
// TruncateUtf8 in sqs/sqs_errors.h). Invariants (a violation aborts, so libFuzzer reports it and
// saves the input):
//  1. No decoder crashes, throws, leaks or trips ASan/UBSan, whatever the bytes.
//  2. A Decode* that fails returns kInternal "malformed response: ..." (at most 200 bytes).
//  3. A blank body counts as {}: empty results, and DecodeQueueUrl fails (no QueueUrl). Any other
//     body that simdjson's DOM parser refuses, or whose top level is not an object, fails all
//     four Decode*.
//  4. Successes have the documented shape: one message per element of Messages (none when it is
//     absent or null) with a receive count >= 0, one failure per element of Failed, at most one
//     attribute per member of Attributes, a non-empty QueueUrl.
//  5. DecodeError never fails. Given the body alone, one that does not start with '{' or '<'
//     (after whitespace) yields an empty ErrorInfo. Given the input's first line as the
//     x-amzn-query-error header ("Code;Sender") and the rest as the body, query_code is the line
//     up to ';' and sender_fault is true exactly when ";Sender" ends it.
//  6. StatusFromError is never OK, begins "<operation>: " and holds at most 200 characters of the
//     server's message; TruncateUtf8 returns a prefix cut before a character's first byte.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/http_transport.h"
#include "base/status.h"
#include "sqs/json_codec.h"
#include "sqs/sqs_errors.h"

namespace {

namespace codec = sqs2pg::sqs::json_codec;
namespace dom = simdjson::dom;
using sqs2pg::Status;
using sqs2pg::StatusCode;
using sqs2pg::aws::HttpResponse;
using sqs2pg::sqs::ErrorInfo;

[[noreturn]] void Violated(const char* condition, int line, const std::string& detail) {
  std::fprintf(stderr, "sqs_codec_fuzz.cc:%d: invariant violated: %s%s%s\n", line, condition,
               detail.empty() ? "" : "\n  ", detail.c_str());
  std::abort();
}

#define FUZZ_CHECK(condition, detail)                           \
  do {                                                          \
    if (!(condition)) Violated(#condition, __LINE__, (detail)); \
  } while (false)

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void CheckMalformed(const Status& status, const char* decoder) {
  FUZZ_CHECK(status.code() == StatusCode::kInternal,
             std::string(decoder) + ": " + status.message());
  FUZZ_CHECK(status.message().starts_with("malformed response: ") && status.message().size() <= 200,
             std::string(decoder) + ": " + status.message());
}

// Invariants 2-4. `parsed` is simdjson's verdict on the body, `root` its top level.
void CheckDecoders(std::string_view body, bool parsed, dom::element root) {
  const bool blank = IsBlank(body);
  const bool object = blank || (parsed && root.is_object());

  auto messages = codec::DecodeReceiveMessage(body);
  auto failures = codec::DecodeBatchResult(body);
  auto attributes = codec::DecodeGetQueueAttributes(body);
  auto queue_url = codec::DecodeQueueUrl(body);
  if (!messages.ok()) CheckMalformed(messages.status(), "DecodeReceiveMessage");
  if (!failures.ok()) CheckMalformed(failures.status(), "DecodeBatchResult");
  if (!attributes.ok()) CheckMalformed(attributes.status(), "DecodeGetQueueAttributes");
  if (!queue_url.ok()) CheckMalformed(queue_url.status(), "DecodeQueueUrl");

  if (!object) {
    FUZZ_CHECK(!messages.ok() && !failures.ok() && !attributes.ok() && !queue_url.ok(),
               "a body that is not a JSON object was decoded");
    return;
  }
  if (blank) {
    FUZZ_CHECK(messages.ok() && messages->empty(), "blank ReceiveMessage");
    FUZZ_CHECK(failures.ok() && failures->empty(), "blank BatchResult");
    FUZZ_CHECK(attributes.ok() && attributes->empty(), "blank GetQueueAttributes");
    FUZZ_CHECK(!queue_url.ok(), "blank QueueUrl");
    return;
  }

  // How many elements a member holds: 0 when absent or null, -1 when it is not an array/object.
  auto count = [&](const char* key) -> int64_t {
    dom::element e;
    if (root[key].get(e) != simdjson::SUCCESS || e.is_null()) return 0;
    if (e.is_array()) return static_cast<int64_t>(dom::array(e).size());
    if (e.is_object()) return static_cast<int64_t>(dom::object(e).size());
    return -1;
  };
  if (messages.ok()) {
    FUZZ_CHECK(static_cast<int64_t>(messages->size()) == count("Messages"), "message count");
    for (const auto& m : *messages) FUZZ_CHECK(m.message.receive_count >= 0, "receive count");
  }
  if (failures.ok()) {
    FUZZ_CHECK(static_cast<int64_t>(failures->size()) == count("Failed"), "failure count");
  }
  if (attributes.ok()) {
    FUZZ_CHECK(static_cast<int64_t>(attributes->size()) <= count("Attributes"), "attributes");
  }
  if (queue_url.ok()) FUZZ_CHECK(!queue_url->empty(), "empty QueueUrl");
}

void CheckStatusFromError(const ErrorInfo& info, long http_status) {
  static constexpr std::string_view kOperation = "ReceiveMessage";
  Status status = sqs2pg::sqs::StatusFromError(kOperation, http_status, info);
  FUZZ_CHECK(!status.ok(), "an OK status from an error response");
  const std::string& m = status.message();
  FUZZ_CHECK(m.starts_with(std::string(kOperation) + ": "), m);
  // "<operation>: <code or query code or HTTP n>: <message>"
  size_t code = !info.code.empty()         ? info.code.size()
                : !info.query_code.empty() ? info.query_code.size()
                                           : 25;
  FUZZ_CHECK(m.size() <= kOperation.size() + 2 + code + 2 + 4 * 200, "message too long");
}

void CheckTruncate(std::string_view s) {
  for (size_t max_chars : {size_t{0}, size_t{1}, size_t{7}, size_t{200}}) {
    std::string cut = sqs2pg::sqs::TruncateUtf8(s, max_chars);
    FUZZ_CHECK(s.starts_with(cut), "not a prefix");
    FUZZ_CHECK(CodePoints(cut) == std::min(max_chars, CodePoints(s)), "wrong length");
    FUZZ_CHECK(cut.size() == s.size() || (static_cast<unsigned char>(s[cut.size()]) & 0xC0) != 0x80,
               "cut inside a character");
  }
}

// Invariants 5 and 6.
void CheckErrors(std::string_view input) {
  static constexpr long kHttpStatuses[] = {400, 401, 403, 404, 408, 413, 429,
                                           500, 502, 503, 504, 200, 0,   999};
  const long http_status =
      kHttpStatuses[input.empty() ? 0
                                  : static_cast<unsigned char>(input[0]) %
                                        (sizeof(kHttpStatuses) / sizeof(kHttpStatuses[0]))];

  HttpResponse plain;
  plain.status = http_status;
  plain.body = std::string(input);
  ErrorInfo info = codec::DecodeError(plain);
  std::string_view trimmed =
      input.substr(std::min(input.size(), input.find_first_not_of(" \t\r\n")));
  if (!trimmed.starts_with("{") && !trimmed.starts_with("<")) {
    FUZZ_CHECK(
        info.code.empty() && info.query_code.empty() && info.message.empty() && !info.sender_fault,
        "an error found in a body that is neither JSON nor XML");
  }
  FUZZ_CHECK(info.query_code.empty() && !info.sender_fault, "query code without the header");
  CheckStatusFromError(info, http_status);

  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return;
  const std::string_view line = input.substr(0, newline);
  HttpResponse with_headers;
  with_headers.status = http_status;
  with_headers.headers = {{"x-amzn-query-error", std::string(line)},
                          {"x-amzn-errortype", std::string(line)}};
  with_headers.body = std::string(input.substr(newline + 1));
  info = codec::DecodeError(with_headers);
  const size_t semi = line.find(';');
  FUZZ_CHECK(info.query_code == line.substr(0, semi), info.query_code);
  FUZZ_CHECK(
      info.sender_fault == (semi != std::string_view::npos && line.substr(semi) == ";Sender"),
      "sender_fault");
  CheckStatusFromError(info, http_status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static dom::parser* parser = new dom::parser();  // never destroyed: reused across inputs
  std::string_view input(reinterpret_cast<const char*>(data), size);

  dom::element root;
  bool parsed = parser->parse(input.data(), input.size()).get(root) == simdjson::SUCCESS;
  CheckDecoders(input, parsed, root);
  CheckErrors(input);
  CheckTruncate(input);
  return 0;
}
