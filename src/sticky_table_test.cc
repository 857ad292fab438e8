#include "sticky_table.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TimePoint T(int ms) { return TimePoint() + Millis(ms); }

TEST(StickyTable, FindsDeclaredKeysAndTheLatestOwnerWins) {
  StickyTable t;
  t.Declare("s1", 7, T(0));
  t.Declare("s2", 8, T(0));
  EXPECT_EQ(t.Find("s1", T(1)), 7u);
  EXPECT_EQ(t.Find("s2", T(1)), 8u);
  EXPECT_EQ(t.Find("s3", T(1)), std::nullopt);
  t.Declare("s1", 9, T(2));
  EXPECT_EQ(t.Find("s1", T(3)), 9u);
  EXPECT_EQ(t.size(), 2u);
}

TEST(StickyTable, AWorkerThatGoesTakesItsKeys) {
  StickyTable t;
  t.Declare("a", 1, T(0));
  t.Declare("b", 2, T(0));
  t.Declare("c", 1, T(0));
  t.ForgetWorker(1);
  EXPECT_EQ(t.Find("a", T(0)), std::nullopt);
  EXPECT_EQ(t.Find("c", T(0)), std::nullopt);
  EXPECT_EQ(t.Find("b", T(0)), 2u);
}

TEST(StickyTable, TtlCountsFromTheLastDeclaration) {
  StickyTable t({.max_keys = 100, .ttl = Millis(1000)});
  t.Declare("a", 1, T(0));
  t.Declare("b", 1, T(0));
  t.Declare("a", 1, T(900));  // refreshed
  EXPECT_EQ(t.Find("b", T(999)), 1u);
  EXPECT_EQ(t.Find("b", T(1000)), std::nullopt);
  EXPECT_EQ(t.Find("a", T(1899)), 1u);
  EXPECT_EQ(t.Find("a", T(1900)), std::nullopt);
}

TEST(StickyTable, ExpiredKeysLeaveWithoutBeingLookedUp) {
  StickyTable t({.max_keys = 100, .ttl = Millis(10)});
  for (int i = 0; i < 50; ++i) t.Declare("k" + std::to_string(i), 1, T(0));
  t.Declare("late", 1, T(20));
  EXPECT_EQ(t.size(), 1u);
}

TEST(StickyTable, PastTheLimitTheOldestDeclarationsGo) {
  StickyTable t({.max_keys = 3, .ttl = Millis(0)});
  t.Declare("a", 1, T(0));
  t.Declare("b", 1, T(1));
  t.Declare("c", 1, T(2));
  t.Declare("a", 1, T(3));  // a is now the newest
  t.Declare("d", 1, T(4));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.Find("b", T(5)), std::nullopt);
  EXPECT_EQ(t.Find("a", T(5)), 1u);
  EXPECT_EQ(t.Find("c", T(5)), 1u);
  EXPECT_EQ(t.Find("d", T(5)), 1u);
}

TEST(StickyTable, RedeclaringOneKeyForeverStaysBounded) {
  StickyTable t({.max_keys = 10, .ttl = Millis(0)});
  for (int i = 0; i < 100000; ++i) t.Declare("same", 1, T(i));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Find("same", T(0)), 1u);
}

}  // namespace
}  // namespace cohort
