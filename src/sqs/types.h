// Plain data types of SQS requests and results, shared by the client and its wire codecs.
//
// Contract: plain values, no invariants beyond the field comments; safe to copy and move between
// threads. A Message's body and receipt handle are confidential: never log them.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sqs2pg::sqs {

struct Message {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  int64_t sent_timestamp_ms = 0;  // SentTimestamp; 0 if absent
  int receive_count = 0;          // ApproximateReceiveCount; 0 if absent
  std::string message_group_id;   // MessageGroupId of a FIFO queue's message; empty otherwise
  std::string sender_id;          // SenderId, when asked for (ReceiveRequest::sender_id)
  // String-typed message attributes (name -> StringValue); binary ones are not kept.
  std::map<std::string, std::string> message_attributes;
};

// A received message plus its MD5OfBody (lower- or upper-case hex as sent; empty if absent), which
// the client verifies. What every codec's DecodeReceiveMessage returns.
struct ReceivedMessage {
  Message message;
  std::string md5_of_body;
};

// A queue's ApproximateNumberOfMessages (visible) and ApproximateNumberOfMessagesNotVisible (in
// flight), approximate as SQS says; an attribute the server leaves out counts as 0.
struct QueueCounts {
  int64_t visible = 0;
  int64_t in_flight = 0;
};

struct ReceiveRequest {
  int max_messages = 10;       // 1-10
  int wait_time_seconds = 20;  // 0-20 (long polling)
  std::optional<int> visibility_timeout;
  // Also ask for every message attribute (MessageAttributeNames: All). Off by default: sqs2pg
  // needs none, they may hold personal data, and they cost bytes and server work per message.
  bool message_attributes = false;
  // Also ask for the SenderId system attribute (a mapping may store it).
  bool sender_id = false;
  // When set and it turns true, a long poll in progress is abandoned: ReceiveMessage returns
  // kCancelled and makes no further attempt. Must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

struct ReceiveResult {
  std::vector<Message> messages;
  int md5_mismatches = 0;  // messages whose MD5OfBody did not match: withheld, not returned
  // Receipts of the messages withheld (MD5 mismatches, and on a FIFO queue the later messages of
  // their groups): the caller should make them visible again (visibility 0).
  std::vector<std::string> withheld_receipts;
};

struct BatchFailure {
  std::string id;
  std::string code;
  std::string message;
  bool sender_fault = false;
};

struct DeleteEntry {
  std::string id;
  std::string receipt_handle;
};

struct SendEntry {
  std::string id;
  std::string body;
  std::vector<std::pair<std::string, std::string>> string_attributes;  // name -> String value
  // FIFO queues only (both required unless the queue deduplicates by content); empty: not sent.
  std::string message_group_id = {};
  std::string deduplication_id = {};
};

// FIFO queue names end in ".fifo".
inline bool IsFifoQueueUrl(std::string_view queue_url) { return queue_url.ends_with(".fifo"); }

struct VisibilityEntry {
  std::string id;
  std::string receipt_handle;
  int visibility_timeout = 0;
};

}  // namespace sqs2pg::sqs
