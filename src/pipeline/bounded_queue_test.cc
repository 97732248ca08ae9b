#include "pipeline/bounded_queue.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sqs2pg::pipeline
