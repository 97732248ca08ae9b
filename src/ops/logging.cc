#include "ops/logging.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>

namespace sqs2pg::ops {

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  using spdlog::level::level_enum;
  if (name == "trace") return level_enum::trace;
  if (name == "debug") return level_enum::debug;
  if (name == "info") return level_enum::info;
  if (name == "warn" || name == "warning") return level_enum::warn;
  if (name == "error") return level_enum::err;
  if (name == "off") return level_enum::off;
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

namespace {

void AppendJsonString(std::string_view s, spdlog::memory_buf_t& out) {
  // A line must stay valid JSON even if a message carries invalid UTF-8 (e.g. a server's error
  // text): then every non-ASCII byte is written as the code point of the same value.
  const bool valid_utf8 = simdjson::validate_utf8(s.data(), s.size());
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 && !valid_utf8) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
    } else if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append(std::string_view("\\n"));
    } else if (c == '\t') {
      out.append(std::string_view("\\t"));
    } else if (u < 0x20 || u == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    const std::time_t t = static_cast<std::time_t>(seconds.count());
    std::tm utc{};
    gmtime_r(&t, &utc);
    fmt::format_to(std::back_inserter(dest),
                   "{{\"time\":\"{:%Y-%m-%dT%H:%M:%S}.{:03}Z\",\"level\":", utc, millis);
    const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    AppendJsonString(std::string_view(level.data(), level.size()), dest);
    dest.append(std::string_view(",\"message\":"));
    AppendJsonString(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>();
  }
};

// Formats under base_sink's mutex, then writes under the status line's: the progress thread only
// ever takes the latter, so the two are always taken in this order.
class StatusLineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StatusLineSink(StatusLine& line) : line_(line) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    line_.WriteAbove(std::string_view(formatted.data(), formatted.size()));
  }
  void flush_() override { line_.Flush(); }

 private:
  StatusLine& line_;
};

constexpr std::string_view kClearToEndOfRow = "\x1b[K";

}  // namespace

void StatusLine::Show(std::string_view text) {
  // "\r" and clear-to-end-of-row reach back one row only: a line that wrapped would leave its
  // first rows behind on every redraw, so it is clipped to the terminal's width (ASCII text).
  winsize size{};
  if (ioctl(fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 1 &&
      text.size() >= size.ws_col) {
    text = text.substr(0, size.ws_col - 1u);
  }
  std::lock_guard lock(mu_);
  text_.assign(text);
  shown_ = true;
  std::string out;
  out.reserve(text_.size() + kClearToEndOfRow.size() + 1);
  out += '\r';
  out += text_;
  out += kClearToEndOfRow;
  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
}

void StatusLine::Finish() {
  std::lock_guard lock(mu_);
  if (!shown_) return;
  shown_ = false;
  text_.clear();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void StatusLine::WriteAbove(std::string_view lines) {
  std::lock_guard lock(mu_);
  if (!shown_) {
    std::fwrite(lines.data(), 1, lines.size(), out_);
    std::fflush(out_);
    return;
  }
  // One buffered write per record, so the terminal never shows the row erased but not redrawn.
  std::string out;
  out.reserve(lines.size() + text_.size() + 2 * kClearToEndOfRow.size() + 3);
  out += '\r';
  out += kClearToEndOfRow;
  out += lines;
  if (lines.empty() || lines.back() != '\n') out += '\n';
  out += '\r';
  out += text_;
  out += kClearToEndOfRow;
  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
}

void StatusLine::Flush() {
  std::lock_guard lock(mu_);
  std::fflush(out_);
}

StatusLine& StderrStatusLine() {
  static StatusLine* const line = new StatusLine(stderr);  // never destroyed: logs at exit use it
  return *line;
}

std::shared_ptr<spdlog::sinks::sink> MakeStatusLineSink(StatusLine& line) {
  return std::make_shared<StatusLineSink>(line);
}

std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter() {
  return std::make_unique<JsonLogFormatter>();
}

void InitLogging(spdlog::level::level_enum level, LogFormat format) {
  spdlog::drop("sqs2pg");
  std::shared_ptr<spdlog::logger> logger;
  if (format == LogFormat::kText && isatty(fileno(stderr)) == 1) {
    // Only a terminal can show a status line (progress): there, records pass above it.
    logger = std::make_shared<spdlog::logger>("sqs2pg", MakeStatusLineSink(StderrStatusLine()));
    spdlog::register_logger(logger);
  } else {
    logger = spdlog::stderr_logger_mt("sqs2pg");
  }
  if (format == LogFormat::kJson) {
    logger->set_formatter(MakeJsonLogFormatter());
  } else {
    // ISO-8601 UTC timestamps so lines from several replicas sort together.
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

}  // namespace sqs2pg::ops
