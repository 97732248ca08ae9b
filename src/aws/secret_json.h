// SecretJson: a JSON document that carries a secret (a key service's answer, a secret's own JSON),
// parsed into buffers this object owns and wipes when it goes.
//
// Contract:
//  - The constructor copies `text` into a padded buffer; Root() parses it (once) and gives its root
//    object, or false when the text is not a JSON object. Views obtained from the root point into
//    this object's buffers and are valid while it lives.
//  - Destruction wipes the padded copy and the document's string buffer (where simdjson unescapes
//    string values); the parser keeps only positions. The caller still owns and wipes `text`.
//  - Not thread-safe; not copyable.
#pragma once

#include <simdjson.h>

#include <string_view>

namespace sqs2pg::aws {

class SecretJson {
 public:
  explicit SecretJson(std::string_view text) : input_(text) {}
  ~SecretJson();
  SecretJson(const SecretJson&) = delete;
  SecretJson& operator=(const SecretJson&) = delete;

  bool Root(simdjson::dom::object* root);

 private:
  simdjson::padded_string input_;
  simdjson::dom::parser parser_;
  simdjson::dom::document doc_;
};

}  // namespace sqs2pg::aws
