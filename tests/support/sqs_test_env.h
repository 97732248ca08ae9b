// Test support for integration tests that need the SQS emulator started by `make test`.
//
// Contract:
//  - SqsTestEndpoint() reads SQS2PG_TEST_SQS_ENDPOINT; when it is unset the calling test fails
//    (never skips) with a hint to run through `make test`, which starts the emulator.
//  - MakeTestSqsClient() builds a real SqsClient over libcurl against that endpoint, optionally
//    through a caller-supplied transport (for fault injection).
//  - CreateTestQueue() creates a queue with a unique name, so tests never see each other's data.
//  - Thread-safety: the helpers hold no state; the client is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aws/http_transport.h"
#include "sqs/sqs_client.h"

namespace sqs2pg::testing {

std::string SqsTestEndpoint();

std::unique_ptr<sqs::SqsClient> MakeTestSqsClient(
    std::shared_ptr<aws::HttpTransport> transport = nullptr);

// Returns the queue URL. `prefix` is suffixed with a unique token (and ".fifo" when `attributes`
// hold FifoQueue=true).
std::string CreateTestQueue(sqs::SqsClient& client, const std::string& prefix,
                            const std::map<std::string, std::string>& attributes = {});

// On a FIFO queue, message i goes to group "group-<i % 4>" with deduplication id "dedup-<i>".
void SendBodies(sqs::SqsClient& client, const std::string& queue_url,
                const std::vector<std::string>& bodies);

// ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible.
int64_t MessagesInQueue(sqs::SqsClient& client, const std::string& queue_url);

// Receives (and deletes) everything currently visible; stops after `empty_polls_to_stop` empty
// one-second polls in a row.
std::vector<sqs::Message> ReceiveAll(sqs::SqsClient& client, const std::string& queue_url,
                                     int empty_polls_to_stop = 2);

}  // namespace sqs2pg::testing
