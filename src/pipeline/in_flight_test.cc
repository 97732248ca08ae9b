#include "pipeline/in_flight.h"

#include <gtest/gtest.h>

#include <algorithm>

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

}  // namespace
}  // namespace sqs2pg::pipeline
