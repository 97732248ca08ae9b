// AesSivKeyRing: aes-siv maskers for several master keys, for reading masks made before a key
// rotation. The first key is the current one; the others are older keys. Each aes-siv mask names
// the key that made it ("s1.<key id>.<data>"), so the right key is picked per mask.
//
// Contract:
//  - The constructor keys one AesSivMasker per master key, all with the same `domains` (see
//    aes_siv_masker.h for domain indexes). At least one key; keys must have distinct ids (a
//    programming error otherwise: the caller, keys::KeyRing, refuses duplicates). Aborts if not.
//  - Unmask(): the original of a mask made by any key of the ring, chosen by the mask's key id.
//    A mask whose key id is none of the ring's is kFailedPrecondition naming that id and the
//    ring's ids; with one key the message is AesSivMasker's own. Everything else (hmac-sha256
//    masks, malformed masks, authentication failures) as AesSivMasker::Unmask.
//  - Remask(): the mask of the same value under the current key (so a mask already made with it
//    comes back unchanged); errors as Unmask. The value exists only inside the call and is wiped.
//  - KeyIdOf(): the key id a mask names, or "" if it does not start "s1.<8 lowercase hex>.".
//  - Thread-safety: NOT thread-safe (the maskers reuse scratch state); one per thread.
//  - Ownership/secrets: the master keys are read by the constructor and not retained.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "transform/aes_siv_masker.h"

namespace sqs2pg::transform {

class AesSivKeyRing {
 public:
  AesSivKeyRing(const std::vector<std::string_view>& master_keys,
                const std::vector<std::string>& domains);

  const std::string& current_key_id() const { return maskers_.front().key_id(); }
  // The key ids, the current key's first.
  std::vector<std::string> key_ids() const;

  Result<std::string> Unmask(size_t domain, std::string_view masked);
  Result<std::string> Remask(size_t domain, std::string_view masked);

  static std::string_view KeyIdOf(std::string_view masked);

 private:
  std::vector<AesSivMasker> maskers_;
};

}  // namespace sqs2pg::transform
