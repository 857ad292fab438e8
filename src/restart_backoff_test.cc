#include "restart_backoff.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(RestartBackoff, FirstCrashRestartsAtOnce) {
  RestartBackoff b;
  EXPECT_EQ(b.OnCrash(Millis(10)), Millis(0));
  EXPECT_EQ(b.fast_crashes(), 1);
}

TEST(RestartBackoff, ConsecutiveFastCrashesDoubleUpToTheCap) {
  RestartBackoff b({.min_uptime = Millis(1000), .base = Millis(100), .cap = Millis(500)});
  EXPECT_EQ(b.OnCrash(Millis(1)), Millis(0));
  EXPECT_EQ(b.OnCrash(Millis(1)), Millis(100));
  EXPECT_EQ(b.OnCrash(Millis(1)), Millis(200));
  EXPECT_EQ(b.OnCrash(Millis(1)), Millis(400));
  EXPECT_EQ(b.OnCrash(Millis(1)), Millis(500));
  EXPECT_EQ(b.OnCrash(Millis(1)), Millis(500));
}

TEST(RestartBackoff, AStableRunResetsTheTally) {
  RestartBackoff b;
  b.OnCrash(Millis(1));
  b.OnCrash(Millis(1));
  EXPECT_EQ(b.fast_crashes(), 2);
  EXPECT_EQ(b.OnCrash(Millis(60000)), Millis(0));
  EXPECT_EQ(b.fast_crashes(), 0);
  EXPECT_EQ(b.OnCrash(Millis(1)), Millis(0));
}

TEST(RestartBackoff, ManyCrashesDoNotOverflow) {
  RestartBackoff b({.min_uptime = Millis(1000), .base = Millis(100), .cap = Millis(10000)});
  Millis last{};
  for (int i = 0; i < 10000; ++i) last = b.OnCrash(Millis(0));
  EXPECT_EQ(last, Millis(10000));
}

}  // namespace
}  // namespace cohort
