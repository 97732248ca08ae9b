#include "pipeline/bounded_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace sqs2pg::pipeline {
namespace {

using std::chrono::milliseconds;

TEST(BoundedQueueTest, FifoAndTimeout) {
  BoundedQueue<int> q(4);
  EXPECT_TRUE(q.Push(1));
  EXPECT_TRUE(q.Push(2));
  EXPECT_EQ(*q.Pop(milliseconds(0)), 1);
  EXPECT_EQ(*q.Pop(milliseconds(0)), 2);
  EXPECT_FALSE(q.Pop(milliseconds(1)).has_value());
}

TEST(BoundedQueueTest, CloseHandsOutRemainingThenStops) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.Push(7));
  q.Close();
  EXPECT_FALSE(q.Push(8));
  EXPECT_FALSE(q.ClosedAndEmpty());
  EXPECT_EQ(*q.Pop(milliseconds(0)), 7);
  EXPECT_FALSE(q.Pop(milliseconds(1000)).has_value());
  EXPECT_TRUE(q.ClosedAndEmpty());
}

TEST(BoundedQueueTest, ProducersBlockAtCapacityAndEverythingArrives) {
  BoundedQueue<int> q(2);
  constexpr int kPerProducer = 5000;
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(q.Push(p * kPerProducer + i));
    });
  }
  std::vector<int> seen(3 * kPerProducer, 0);
  size_t max_size = 0;
  for (int n = 0; n < 3 * kPerProducer; ++n) {
    max_size = std::max(max_size, q.size());
    auto v = q.Pop(milliseconds(10000));
    ASSERT_TRUE(v.has_value());
    ++seen[*v];
  }
  for (auto& t : producers) t.join();
  EXPECT_LE(max_size, 2u);
  for (int count : seen) EXPECT_EQ(count, 1);
}

TEST(BoundedQueueTest, PushAllAndPopUpToMoveSeveralItemsInOrder) {
  BoundedQueue<int> q(8);
  std::vector<int> in = {1, 2, 3, 4, 5};
  ASSERT_TRUE(q.PushAll(in));
  std::vector<int> out;
  EXPECT_EQ(q.PopUpTo(3, milliseconds(0), &out), 3u);
  EXPECT_EQ(q.PopUpTo(10, milliseconds(0), &out), 2u);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(q.PopUpTo(10, milliseconds(1), &out), 0u);  // timeout
  q.Close();
  EXPECT_EQ(q.PopUpTo(10, milliseconds(1000), &out), 0u);  // closed and empty: at once
  std::vector<int> late = {6, 7};
  EXPECT_FALSE(q.PushAll(late));
  EXPECT_EQ(late, (std::vector<int>{6, 7}));  // nothing accepted, nothing lost
}

// More items than the capacity: PushAll blocks until consumers make room, and every item arrives
// once, in order per producer, with the queue never above capacity.
TEST(BoundedQueueTest, PushAllBlocksAtCapacityAndEverythingArrivesInOrder) {
  BoundedQueue<int> q(3);
  constexpr int kPerProducer = 4000;
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; i += 10) {
        std::vector<int> chunk;
        for (int j = i; j < i + 10; ++j) chunk.push_back(p * kPerProducer + j);
        ASSERT_TRUE(q.PushAll(chunk));
      }
    });
  }
  std::vector<int> last(2, -1);
  int received = 0;
  size_t max_size = 0;
  while (received < 2 * kPerProducer) {
    max_size = std::max(max_size, q.size());
    std::vector<int> got;
    ASSERT_GT(q.PopUpTo(7, milliseconds(10000), &got), 0u);
    EXPECT_LE(got.size(), 7u);
    for (int v : got) {
      const int p = v / kPerProducer;
      EXPECT_GT(v, last[p]) << "out of order";
      last[p] = v;
      ++received;
    }
  }
  for (auto& t : producers) t.join();
  EXPECT_LE(max_size, 3u);
  EXPECT_EQ(last[0], kPerProducer - 1);
  EXPECT_EQ(last[1], 2 * kPerProducer - 1);
}

// Closing while a PushAll is blocked on a full queue: it returns false and keeps what was not
// accepted.
TEST(BoundedQueueTest, CloseReleasesABlockedPushAllWithTheRestOfItsItems) {
  BoundedQueue<int> q(2);
  std::vector<int> items = {1, 2, 3, 4};
  bool pushed = true;
  std::thread producer([&] { pushed = q.PushAll(items); });
  while (q.size() < 2) std::this_thread::yield();
  q.Close();
  producer.join();
  EXPECT_FALSE(pushed);
  EXPECT_EQ(items, (std::vector<int>{3, 4}));
  std::vector<int> out;
  EXPECT_EQ(q.PopUpTo(10, milliseconds(0), &out), 2u);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace sqs2pg::pipeline
