#include "pipeline/in_flight.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace sqs2pg::pipeline {
namespace {

using std::chrono::seconds;

TEST(InFlightTest, DueListsOnlyReceiptsLapsingBeforeTheHorizon) {
  InFlight held;
  const InFlight::TimePoint t0{};
  held.Add("a", t0 + seconds(10));
  held.Add("b", t0 + seconds(30));
  EXPECT_EQ(held.Due(t0 + seconds(20)), std::vector<std::string>{"a"});
  EXPECT_TRUE(held.Due(t0 + seconds(10)).empty());  // strictly before
  EXPECT_TRUE(held.AnyDue(t0 + seconds(20)));
  EXPECT_FALSE(held.AnyDue(t0 + seconds(10)));
  EXPECT_FALSE(InFlight().AnyDue(t0 + seconds(100)));
}

TEST(InFlightTest, ExtendMovesTheDeadlineButNeverResurrects) {
  InFlight held;
  const InFlight::TimePoint t0{};
  held.Add("a", t0 + seconds(10));
  held.Extend("a", t0 + seconds(60));
  EXPECT_TRUE(held.Due(t0 + seconds(30)).empty());
  held.Remove("a");
  held.Extend("a", t0 + seconds(90));  // e.g. a heartbeat racing with the delete
  EXPECT_EQ(held.size(), 0u);
}

TEST(InFlightTest, BytesFollowAddsRemovesAndReAdds) {
  InFlight held;
  const InFlight::TimePoint t0{};
  held.Add("a", t0 + seconds(10), 256 * 1024);
  held.Add("b", t0 + seconds(10), 100);
  EXPECT_EQ(held.bytes(), 256u * 1024 + 100);
  held.Add("a", t0 + seconds(20), 50);  // the same receipt again: replaced, not added
  EXPECT_EQ(held.bytes(), 150u);
  held.Extend("b", t0 + seconds(60));  // keeps its size
  EXPECT_EQ(held.bytes(), 150u);
  held.Remove("b");
  held.Remove("b");
  EXPECT_EQ(held.bytes(), 50u);
  (void)held.TakeAll();
  EXPECT_EQ(held.bytes(), 0u);
}

TEST(InFlightTest, TakeAllEmptiesTheSet) {
  InFlight held;
  const InFlight::TimePoint t0{};
  held.Add("a", t0);
  held.Add("b", t0);
  held.Add("a", t0 + seconds(5));  // the same receipt twice is held once
  std::vector<std::string> all = held.TakeAll();
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(held.size(), 0u);
  EXPECT_TRUE(held.TakeAll().empty());
}

// The time index agrees with a plain map after any mix of adds (new and repeated), extends and
// removes.
TEST(InFlightTest, DueAndAnyDueMatchAPlainMapUnderRandomUpdates) {
  InFlight held;
  std::map<std::string, int> model;  // receipt -> seconds
  const InFlight::TimePoint t0{};
  std::mt19937 rng(7);
  for (int step = 0; step < 5000; ++step) {
    std::string handle = "r";  // built with += (gcc 12 warns falsely on "r" + to_string)
    handle += std::to_string(rng() % 300);
    const int at = static_cast<int>(rng() % 100);
    switch (rng() % 4) {
      case 0:
      case 1:
        held.Add(handle, t0 + seconds(at));
        model[handle] = at;
        break;
      case 2:
        held.Extend(handle, t0 + seconds(at));
        if (model.count(handle)) model[handle] = at;
        break;
      default:
        held.Remove(handle);
        model.erase(handle);
    }
    if (step % 50 == 0) {
      const int horizon = static_cast<int>(rng() % 110);
      std::vector<std::string> expected;
      for (const auto& [h, t] : model) {
        if (t < horizon) expected.push_back(h);
      }
      std::vector<std::string> due = held.Due(t0 + seconds(horizon));
      std::sort(due.begin(), due.end());
      ASSERT_EQ(due, expected) << "step " << step;
      ASSERT_EQ(held.AnyDue(t0 + seconds(horizon)), !expected.empty()) << "step " << step;
      ASSERT_EQ(held.size(), model.size());
    }
  }
}

}  // namespace
}  // namespace sqs2pg::pipeline
