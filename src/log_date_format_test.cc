#include "log_date_format.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

// Tuesday 2026-03-03 14:05:09.042 at UTC+01:00.
LogTime Sample() {
  LogTime t;
  t.local.tm_year = 126;
  t.local.tm_mon = 2;
  t.local.tm_mday = 3;
  t.local.tm_wday = 2;
  t.local.tm_hour = 14;
  t.local.tm_min = 5;
  t.local.tm_sec = 9;
  t.millis = 42;
  t.utc_offset_s = 3600;
  t.epoch_ms = 1772543109042;
  return t;
}

TEST(LogDateFormat, Pm2TimeFlagFormat) {
  EXPECT_EQ(LogDateFormat(LogDateFormat::kPm2Time).Format(Sample()), "2026-03-03T14:05:09");
}

TEST(LogDateFormat, MomentTokensFromPm2Docs) {
  EXPECT_EQ(LogDateFormat("YYYY-MM-DD HH:mm Z").Format(Sample()), "2026-03-03 14:05 +01:00");
  EXPECT_EQ(LogDateFormat("YYYY-MM-DD HH:mm:ss.SSS ZZ").Format(Sample()), "2026-03-03 14:05:09.042 +0100");
  EXPECT_EQ(LogDateFormat("D/M/YY h:m:s a").Format(Sample()), "3/3/26 2:5:9 pm");
  EXPECT_EQ(LogDateFormat("ddd, DD MMM YYYY hh A").Format(Sample()), "Tue, 03 Mar 2026 02 PM");
  EXPECT_EQ(LogDateFormat("dddd MMMM").Format(Sample()), "Tuesday March");
  EXPECT_EQ(LogDateFormat("X x").Format(Sample()), "1772543109 1772543109042");
}

TEST(LogDateFormat, BracketsAndOtherCharactersAreLiteral) {
  EXPECT_EQ(LogDateFormat("[at] HH[h]mm | YYYY").Format(Sample()), "at 14h05 | 2026");
  EXPECT_EQ(LogDateFormat("[unclosed").Format(Sample()), "[unclo9ed");  // no "]": "s" is a token
}

TEST(LogDateFormat, NegativeOffsetsAndMidnight) {
  LogTime t = Sample();
  t.utc_offset_s = -(5 * 3600 + 30 * 60);
  t.local.tm_hour = 0;
  EXPECT_EQ(LogDateFormat("hh:mm A Z").Format(t), "12:05 AM -05:30");
}

TEST(LocalLogTime, BreaksDownTheGivenInstant) {
  auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1772543109042));
  LogTime t = LocalLogTime(when);
  EXPECT_EQ(t.millis, 42);
  EXPECT_EQ(t.epoch_ms, 1772543109042);
  EXPECT_EQ(LogDateFormat("X").Format(t), "1772543109");
}

}  // namespace
}  // namespace cohort
