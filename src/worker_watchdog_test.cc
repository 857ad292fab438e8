#include "worker_watchdog.h"

#include <gtest/gtest.h>

#include <vector>

#include "fake_worker_host.h"

namespace cohort {
namespace {

class WorkerWatchdogTest : public ::testing::Test {
 protected:
  struct Expired {
    WorkerId id;
    Millis silent;
  };
  FakeWorkerHost host;
  std::vector<Expired> expired;
  WorkerWatchdog dog{&host, Millis(1000), [this](WorkerId id, Millis silent) { expired.push_back({id, silent}); }};
};

TEST_F(WorkerWatchdogTest, AWorkerThatPingsWithinEveryPeriodIsNeverReported) {
  dog.Watch(1);
  for (int i = 0; i < 20; ++i) {
    host.Advance(Millis(600));
    dog.Ping(1);
  }
  EXPECT_TRUE(expired.empty());
  EXPECT_TRUE(dog.watching(1));
}

TEST_F(WorkerWatchdogTest, AWorkerThatStopsPingingIsReportedOnceAWholePeriodAfterItsLastPing) {
  dog.Watch(1);
  host.Advance(Millis(700));
  dog.Ping(1);  // at 700: silent from here on
  host.Advance(Millis(999));
  EXPECT_TRUE(expired.empty()) << "1699 ms: 999 ms since the last ping";
  host.Advance(Millis(1));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 1u);
  EXPECT_EQ(expired[0].silent, Millis(1000));
  host.Advance(Millis(10000));
  EXPECT_EQ(expired.size(), 1u) << "reported once";
  EXPECT_FALSE(dog.watching(1));
}

TEST_F(WorkerWatchdogTest, AWorkerThatNeverPingsIsReportedAPeriodAfterItStarted) {
  dog.Watch(3);
  host.Advance(Millis(999));
  EXPECT_TRUE(expired.empty());
  host.Advance(Millis(1));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 3u);
}

TEST_F(WorkerWatchdogTest, EachWorkerHasItsOwnPeriod) {
  dog.Watch(1);
  host.Advance(Millis(500));
  dog.Watch(2);
  for (int i = 0; i < 4; ++i) {
    host.Advance(Millis(400));
    dog.Ping(2);
  }
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 1u);
  EXPECT_TRUE(dog.watching(2));
}

TEST_F(WorkerWatchdogTest, ForgottenWorkersAreNotReportedAndTheirTimersAreGone) {
  dog.Watch(1);
  dog.Forget(1);
  dog.Ping(1);  // harmless
  host.Advance(Millis(5000));
  EXPECT_TRUE(expired.empty());
  EXPECT_EQ(host.pending_timers(), 0u);
}

TEST_F(WorkerWatchdogTest, TriggerReportsAtOnce) {
  dog.Watch(4);
  host.Advance(Millis(200));
  dog.Trigger(4);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].silent, Millis(200));
  EXPECT_EQ(host.pending_timers(), 0u);
  dog.Trigger(4);  // no longer watched
  EXPECT_EQ(expired.size(), 1u);
}

TEST_F(WorkerWatchdogTest, PingsDoNotStartTimers) {
  dog.Watch(1);
  for (int i = 0; i < 100; ++i) dog.Ping(1);
  EXPECT_EQ(host.pending_timers(), 1u);
}

}  // namespace
}  // namespace cohort
