#include "aws/secret_json.h"

#include <openssl/crypto.h>

namespace sqs2pg::aws {

SecretJson::~SecretJson() {
  OPENSSL_cleanse(input_.data(), input_.size());
  // simdjson sizes the string buffer at no less than 5/3 of the document's capacity
  // (document::allocate) and never writes beyond that.
  if (doc_.string_buf) OPENSSL_cleanse(doc_.string_buf.get(), 5 * doc_.capacity() / 3);
}

bool SecretJson::Root(simdjson::dom::object* root) {
  return parser_.parse_into_document(doc_, input_).get_object().get(*root) == simdjson::SUCCESS;
}

}  // namespace sqs2pg::aws
