// A minimal JSON writer for request bodies.
//
// Contract:
//  - Produces compact JSON. Strings are escaped: '"', '\\' and control characters below 0x20
//    (as \b \f \n \r \t or \u00XX); valid UTF-8 is copied as is.
//  - Invalid UTF-8 in a string is written as U+FFFD and remembered: utf8_ok() turns false, so the
//    caller can refuse to send a silently altered value.
//  - The caller is responsible for well-formedness (keys inside objects, balanced Begin/End); the
//    writer only places commas and colons.
//  - Not thread-safe; one writer per body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqs2pg::aws {

// Appends `s` as a quoted JSON string; returns false if `s` was not valid UTF-8.
bool AppendJsonString(std::string& out, std::string_view s);

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);

  bool utf8_ok() const { return utf8_ok_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  bool utf8_ok_ = true;
};

}  // namespace sqs2pg::aws
