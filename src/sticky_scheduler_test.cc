#include "sticky_scheduler.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "round_robin_scheduler.h"

namespace cohort {
namespace {

class StickySchedulerTest : public ::testing::Test {
 protected:
  StickyTable table;
  TimePoint now{};
  StickyScheduler sched{std::make_unique<RoundRobinScheduler>(), &table, [this] { return now; }};
  std::vector<Candidate> two = {{10, 0, 0}, {11, 1, 0}};

  WorkerId PickFor(std::string_view key, const std::vector<Candidate>& c) {
    return c[sched.Pick(c, ConnectionInfo{-1, key})].id;
  }
};

TEST_F(StickySchedulerTest, TheSameKeyAlwaysReachesTheSameWorker) {
  std::set<WorkerId> used;
  for (int user = 0; user < 40; ++user) {
    std::string key = "user" + std::to_string(user);
    WorkerId first = PickFor(key, two);
    used.insert(first);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(PickFor(key, two), first) << key;
  }
  EXPECT_EQ(used.size(), 2u);
}

TEST_F(StickySchedulerTest, NoKeyFallsBackToRoundRobin) {
  EXPECT_EQ(PickFor("", two), 10u);
  EXPECT_EQ(PickFor("", two), 11u);
  EXPECT_EQ(PickFor("", two), 10u);
}

TEST_F(StickySchedulerTest, ADeclaredKeyBeatsTheHash) {
  // Find a key that hashes to worker 10, then declare it for worker 11.
  std::string key;
  for (int i = 0; PickFor(key = "k" + std::to_string(i), two) != 10; ++i) {
  }
  table.Declare(key, 11, now);
  EXPECT_EQ(PickFor(key, two), 11u);
  table.ForgetWorker(11);
  EXPECT_EQ(PickFor(key, two), 10u);
}

TEST_F(StickySchedulerTest, AnOwnerWithoutRoomFallsBackToTheHash) {
  table.Declare("s", 99, now);  // not among the candidates (full or draining)
  WorkerId w = PickFor("s", two);
  EXPECT_TRUE(w == 10u || w == 11u);
  EXPECT_EQ(table.size(), 1u) << "the declaration stays for when the worker has room again";
}

TEST_F(StickySchedulerTest, AReplacementWorkerInTheSameSlotGetsTheSameUsers) {
  std::vector<Candidate> reloaded = {{12, 0, 0}, {13, 1, 0}};  // new ids, same slots
  for (int user = 0; user < 40; ++user) {
    std::string key = "u" + std::to_string(user);
    EXPECT_EQ(PickFor(key, two) - 10, PickFor(key, reloaded) - 12) << key;
  }
}

}  // namespace
}  // namespace cohort
