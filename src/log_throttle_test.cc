#include "log_throttle.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using std::chrono::milliseconds;
using Clock = LogThrottle::Clock;

TEST(LogThrottle, ABurstThenOneLinePerIntervalAndTheRestCounted) {
  LogThrottle t(3, milliseconds(1000));
  Clock::time_point now{};
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += t.Allow(now);
  EXPECT_EQ(allowed, 3);
  EXPECT_EQ(t.TakeSuppressed(), 97u);
  EXPECT_EQ(t.TakeSuppressed(), 0u);
  EXPECT_FALSE(t.Allow(now + milliseconds(999)));
  EXPECT_TRUE(t.Allow(now + milliseconds(1000)));
  EXPECT_FALSE(t.Allow(now + milliseconds(1001)));
  EXPECT_EQ(t.TakeSuppressed(), 2u);
}

TEST(LogThrottle, AQuietSourceGetsItsWholeBurstBackButNoMore) {
  LogThrottle t(3, milliseconds(1000));
  Clock::time_point now{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(t.Allow(now));
  EXPECT_FALSE(t.Allow(now));
  // An hour of silence is worth one burst, not 3,600 lines.
  now += std::chrono::hours(1);
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += t.Allow(now);
  EXPECT_EQ(allowed, 3);
}

TEST(LogThrottle, ASteadyTrickleWithinTheRateIsNeverHeldBack) {
  LogThrottle t(2, milliseconds(100));
  Clock::time_point now{};
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(t.Allow(now)) << i;
    now += milliseconds(100);
  }
  EXPECT_EQ(t.TakeSuppressed(), 0u);
}

}  // namespace
}  // namespace cohort
