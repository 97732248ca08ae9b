// MotoKeyServices: moto (an independent implementation of Secrets Manager, SSM, KMS and IAM) on a
// free loopback port, seeded and with IAM enforced, run from tests/support/moto_key_services.py
// for the lifetime of this object. See the script's header for what it seeds.
//
// Contract: endpoint() is "http://127.0.0.1:<port>", or empty if the script did not start within
// `ready_timeout` or printed no facts (tests assert on that). Key() gives a seeded key's hex by
// its name in the script ("secret_current", "ssm", "kms", ...), Fact() a top-level string
// ("kms_blob", "secret_eu_arn"), and Reader()/Denied() the access keys of the IAM users allowed
// and refused. Destroying the object kills the server. Thread-compatible.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "support/process.h"

namespace sqs2pg::testing {

struct AccessKey {
  std::string id;
  std::string secret;
};

class MotoKeyServices {
 public:
  explicit MotoKeyServices(std::chrono::seconds ready_timeout = std::chrono::seconds(60));

  const std::string& endpoint() const { return endpoint_; }
  std::string Key(const std::string& name) const;
  std::string Fact(const std::string& name) const;
  const AccessKey& Reader() const { return reader_; }
  const AccessKey& Denied() const { return denied_; }
  // Every seeded key's hex.
  std::vector<std::string> AllKeys() const;

 private:
  std::unique_ptr<BackgroundProcess> process_;
  std::string endpoint_;
  std::map<std::string, std::string> keys_;
  std::map<std::string, std::string> facts_;
  AccessKey reader_;
  AccessKey denied_;
};

}  // namespace sqs2pg::testing
