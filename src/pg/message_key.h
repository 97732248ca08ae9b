// MessageKey: the 16-byte ledger key (a PostgreSQL uuid) of an SQS message id.
//
// Contract:
//  - A canonical UUID (8-4-4-4-12 hex digits, any case) maps to its own 16 bytes, so the ledger
//    shows the SQS MessageId as is. Amazon SQS message ids are such UUIDs.
//  - Any other id (other SQS-compatible servers are free to use other formats) maps to the first
//    16 bytes of MD5("sqs2pg:" + id) with the RFC 4122 version-3 and variant bits set. MD5 here is
//    a compact, stable name-to-key function, not a security measure; a collision between distinct
//    ids within the ledger's retention is negligible (122 random bits).
//  - A uuid key rather than the text id keeps the ledger's primary-key index compact, which is
//    what exactly-once costs (see /work/shared/reference/measurements.md).
//  - Thread-safety: pure function.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sqs2pg::pg {

using MessageKeyBytes = std::array<uint8_t, 16>;

MessageKeyBytes MessageKey(std::string_view message_id);

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case (PostgreSQL's uuid output).
std::string MessageKeyToString(const MessageKeyBytes& key);

}  // namespace sqs2pg::pg
