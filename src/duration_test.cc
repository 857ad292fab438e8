#include "duration.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(ParseDuration, AcceptsUnitsAndPlainMilliseconds) {
  EXPECT_EQ(*ParseDuration("250"), Millis(250));
  EXPECT_EQ(*ParseDuration("250ms"), Millis(250));
  EXPECT_EQ(*ParseDuration("10s"), Millis(10000));
  EXPECT_EQ(*ParseDuration("1.5s"), Millis(1500));
  EXPECT_EQ(*ParseDuration("2m"), Millis(120000));
  EXPECT_EQ(*ParseDuration("1h"), Millis(3600000));
}

TEST(ParseDuration, RejectsGarbageWithTheTextInTheMessage) {
  for (const char* bad : {"", "s", "-1s", "10x", "ten"}) {
    auto r = ParseDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
  }
}

TEST(FormatDuration, PicksTheTwoLargestUnits) {
  EXPECT_EQ(FormatDuration(Millis(850)), "850ms");
  EXPECT_EQ(FormatDuration(Millis(12000)), "12s");
  EXPECT_EQ(FormatDuration(Millis(185000)), "3m05s");
  EXPECT_EQ(FormatDuration(Millis(3720000)), "1h02m");
  EXPECT_EQ(FormatDuration(Millis(90000000)), "1d01h");
}

}  // namespace
}  // namespace cohort
