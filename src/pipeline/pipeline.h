// Pipeline: receive from SQS, transform, commit to PostgreSQL, then delete from SQS.
//
// Data flow (threads):
//   receivers (N) --ReceiveMessage--> inbox (bounded) --> writers (M, each with its own Sink):
//   transform, batch, Sink::WriteBatch (one transaction: rows + ledger + reject records) -->
//   rejects to the DLQ (if any) --> delete queue (bounded) --> deleters (DeleteMessageBatch)
// Writers commit their batches concurrently; the ledger's primary key arbitrates between them as
// between replicas. One writer keeps a FIFO group's messages in commit order (see README).
//
// Guarantees:
//  - A message is deleted from the source queue only after the transaction that recorded it (as a
//    row, as a duplicate already in the ledger, or as a reject sent to the DLQ) has committed.
//  - A rejected message is deleted only if it was sent to the DLQ; without a DLQ it is left in the
//    source queue for the queue's own redrive policy. Each rejected message is counted once per
//    run, however often it is redelivered. A DLQ that refuses a reject leaves it in the source
//    queue: a refusal that cannot pass (the DLQ missing, access denied) fails the run at once; a
//    passing one (5xx, throttling) is retried when the reject comes back, and fails a drain once
//    every attempt for sqs_retry_timeout has failed. A reject the DLQ refuses for itself (a
//    sender fault on that entry alone, e.g. too large with the reason attributes) is left in the
//    source queue like a reject without a DLQ, and the run goes on.
//  - A failed delete is not an error: the message comes back and the ledger makes it a no-op.
//  - A row the database refuses (constraint, trigger) is rejected with reason "db_refused" and
//    its SQLSTATE; the rest of its batch is committed without it. When the server does not say
//    which row it was (e.g. a deferred constraint trigger failing at COMMIT), the batch is split
//    in halves, recursively, until each refused row stands alone.
//  - Heartbeat: a message held (in the inbox, being committed, or waiting for its delete) for
//    more than half of visibility_timeout_seconds is extended with ChangeMessageVisibilityBatch,
//    so a slow database does not make SQS hand it to another consumer. Extensions run several
//    calls at once.
//  - Backpressure: receivers poll only while fewer than max_held_messages (and max_held_bytes of
//    bodies) are held and no held receipt is within a quarter of the visibility timeout of lapsing,
//    so a slow SQS (slow deletes and extensions) or a slow database slows receiving instead of
//    causing redeliveries.
//
// Receivers that scale themselves (receivers_auto): polls start at 2 and follow a hill climb on
// the receive rate (pipeline/receiver_scaler.h): while receives come back full and nothing holds
// receiving back (the writers keep up: the inbox is less than half full and the backpressure
// below is off), the count goes to 4 at once, then doubles as long as each doubling raises the
// rate (by at least a quarter of what the added polls would bring), and a doubling that did not
// is undone; where the climb stops, the count is held for 5 s, then half as many polls are tried
// and kept if they do as well (so a count raised by a wrong measurement comes back down); one
// poll is taken away when a receive comes back empty (and one per 250 ms while they come back
// partly filled); always between receivers_min and receivers_max. Deleter threads follow: at
// least `deleters`, and as many as the most receivers so far.
// An idle queue is watched by receivers_min long polls.
//
// Modes: drain (options.drain) returns once the queue holds nothing, visible or in flight, except
// the rejects this run left there: once nothing is in hand, two looks at the queue's counts 50 ms
// apart, with no message received between them, say so. A drain short-polls by default
// (WaitTimeSeconds 0, paced by 100 ms when a receive brings less than a full batch), so that no
// long poll is left on the server when it exits: an abandoned long poll could still take a
// message sent just after the exit and hide it for a visibility timeout. Polls still in progress
// (a --wait-time given) are abandoned once the queue is empty. Either mode stops when
// `stop` becomes true: no new poll starts, what is in hand is committed and deleted for up to
// shutdown_timeout (then a hung poll is abandoned and a database statement still running is
// cancelled), and every message received but not committed, including what the last polls brought,
// is made visible again at once (visibility 0) instead of after its timeout. Long polls wait at
// most shutdown_timeout (at least 1 s), so the polls in progress at a stop end within it. Past the
// deadline no delete starts (committed messages come back and the ledger skips them) and the
// hand-back gets 5 s more; what it does not reach in that time becomes visible when its timeout
// lapses.
//
//  - A message the SQS client withheld (an MD5OfBody mismatch and, on a FIFO queue, the later
//    messages of its group) is handed back at once (visibility 0).
//
// CPU: the receiver, writer and deleter threads charge their CPU time to RunStats::cpu_ns by stage
// (ops/thread_cpu.h; a writer's transform of each batch apart from the rest of its work), so the
// summary can break the run's CPU down.
//
// Errors: Run() returns the first non-retryable failure (e.g. a missing queue), or
// DeadlineExceeded when, in drain mode, the database stayed unreachable past db_retry_timeout or
// no ReceiveMessage succeeded for sqs_retry_timeout.
// Thread-safety: Run() is called once, from one thread; it owns the threads it starts.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "ops/metrics.h"
#include "ops/run_stats.h"
#include "pg/sink.h"
#include "sqs/sqs_client.h"
#include "transform/row_transformer.h"

namespace sqs2pg::pipeline {

struct PipelineOptions {
  std::string queue_url;
  std::string dlq_url;  // empty: rejects stay in the source queue
  bool drain = false;
  // Concurrent ReceiveMessage polls: fixed at `receivers`, or with receivers_auto scaled between
  // receivers_min and receivers_max (see the header comment), starting at 2.
  int receivers = 4;
  bool receivers_auto = false;
  int receivers_min = 1;
  int receivers_max = 64;
  // Deleter threads (DeleteMessageBatch calls in flight at once): at least this many, and at
  // least as many as receivers (with receivers_auto, the most receivers so far).
  int deleters = 4;
  int wait_time_seconds = 20;
  int visibility_timeout_seconds = 60;
  size_t max_batch_messages = 2000;
  // Receivers stop polling while this many messages are held (received, not yet deleted or
  // handed back), and while the heartbeat is behind; 0: twice max_batch_messages. Holding more
  // than can be committed, deleted or kept in time only makes visibility lapse in our hands.
  size_t max_held_messages = 0;
  // Receivers also stop polling while the bodies held add up to this many bytes (0: no byte
  // bound). The count alone does not bound memory: SQS bodies are up to 256 KiB. Polls already in
  // progress may bring up to receivers x 10 more messages.
  size_t max_held_bytes = size_t{64} << 20;
  std::chrono::milliseconds max_batch_delay{20};
  // A batch is also committed once no message has arrived for this long.
  std::chrono::milliseconds batch_idle_gap{25};
  // Drain gives up after the database has been unreachable this long; run retries until stopped.
  std::chrono::seconds db_retry_timeout{60};
  // Drain gives up once every ReceiveMessage sent in this long has failed (retryably:
  // unreachable, 5xx, throttled), counted from the first failing call's send and not counting
  // time spent holding off (backpressure); 0: at the first failed call. Run retries until stopped.
  std::chrono::seconds sqs_retry_timeout{60};
  std::chrono::milliseconds idle_check_interval{500};
  // Ask SQS for the message attributes, and for SenderId (a mapping reads them).
  bool receive_message_attributes = false;
  bool receive_sender_id = false;
  // After `stop`: how long to keep committing and deleting what is in hand.
  std::chrono::milliseconds shutdown_timeout{20000};
  // Optional (may be null; must outlive Run()): receives liveness beats from the receive and
  // write loops, batch sizes and commit times, each committed message's send-to-commit lag, the
  // count of messages held, and the shutdown.
  ops::Metrics* metrics = nullptr;
};

// What one writer thread owns: its database connection and its transformer (whose HMAC contexts
// and JSON parser are not shared between threads).
struct WriterParts {
  pg::Sink* sink;  // not owned; must outlive Run()
  transform::RowTransformer transformer;
};

class Pipeline {
 public:
  // All references must outlive Run(). `stop` is typically set by a signal handler. One writer
  // thread per element of `writers` (at least one).
  Pipeline(PipelineOptions options, sqs::SqsClient& sqs, std::vector<WriterParts> writers,
           ops::RunStats& stats, const std::atomic<bool>& stop);
  // One writer.
  Pipeline(PipelineOptions options, sqs::SqsClient& sqs, pg::Sink& sink,
           transform::RowTransformer transformer, ops::RunStats& stats,
           const std::atomic<bool>& stop);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  Status Run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sqs2pg::pipeline
