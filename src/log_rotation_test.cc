#include "log_rotation.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

struct tm At(int hour, int min, int sec) {
  struct tm t {};
  t.tm_year = 126;
  t.tm_mon = 10;
  t.tm_mday = 24;
  t.tm_hour = hour;
  t.tm_min = min;
  t.tm_sec = sec;
  return t;
}

TEST(LogRotation, RotatesOnceTheSizeIsReachedAndNeverWithoutALimit) {
  LogRotation r{.max_size = 1000, .max_files = 3, .compress = false};
  EXPECT_FALSE(NeedsRotation(999, r));
  EXPECT_TRUE(NeedsRotation(1000, r));
  EXPECT_TRUE(NeedsRotation(5000, r));
  r.max_size = 0;
  EXPECT_FALSE(NeedsRotation(UINT64_MAX, r));
}

TEST(LogRotation, RotatedNamesCarryTheUtcTimeAndASequenceWithinOneSecond) {
  EXPECT_EQ(RotatedLogName("web-out.log", At(20, 31, 5), 0), "web-out__2026-11-24_20-31-05.log");
  EXPECT_EQ(RotatedLogName("web-out.log", At(20, 31, 5), 2), "web-out__2026-11-24_20-31-05.2.log");
  EXPECT_EQ(RotatedLogName("output", At(1, 2, 3), 0), "output__2026-11-24_01-02-03");
  EXPECT_EQ(RotatedLogName("app.err.log", At(1, 2, 3), 1), "app.err__2026-11-24_01-02-03.1.log");
}

TEST(LogRotation, ParsesItsOwnNamesOnly) {
  auto r = ParseRotatedLogName("web-out.log", "web-out__2026-11-24_20-31-05.12.log.gz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->timestamp, "2026-11-24_20-31-05");
  EXPECT_EQ(r->seq, 12);
  EXPECT_TRUE(r->compressed);
  for (const std::string& name :
       {RotatedLogName("web-out.log", At(0, 0, 0), 0), RotatedLogName("web-out.log", At(9, 9, 9), 3)}) {
    EXPECT_TRUE(ParseRotatedLogName("web-out.log", name)) << name;
  }
  for (const char* other : {"web-out.log", "web-err__2026-11-24_20-31-05.log", "web-out__2026-11-24_20-31-05.txt",
                            "web-out__2026-11-24-20-31-05.log", "web-out__2026-11-24_20-31-05.0.log",
                            "web-out__2026-11-24_20-31-05.x.log", "web-out__2026-11-24_20-31-05.log.gz.tmp",
                            "web-out-x__2026-11-24_20-31-05.log", "web__2026-11-24_20-31-05.log"}) {
    EXPECT_FALSE(ParseRotatedLogName("web-out.log", other)) << other;
  }
  EXPECT_TRUE(ParseRotatedLogName("output", "output__2026-11-24_20-31-05.3"));
}

TEST(LogRotation, TidyKeepsTheNewestAndCompressesThemWhenAsked) {
  std::vector<std::string> dir = {"web-out.log",                          // the live file: never touched
                                  "web-out__2026-11-24_20-31-05.1.log",   // 3rd oldest
                                  "web-out__2026-11-24_20-31-05.log.gz",  // 2nd oldest
                                  "web-out__2026-11-24_20-30-59.log.gz",  // oldest
                                  "web-out__2026-11-24_20-31-06.log",     // newest
                                  "web-out__2026-11-24_20-31-05.2.log",   // 4th
                                  "web-err__2026-11-24_20-00-00.log",     // another log's
                                  "notes.txt"};
  TidyPlan plan = PlanTidy("web-out.log", dir, 3, true);
  EXPECT_EQ(plan.remove,
            (std::vector<std::string>{"web-out__2026-11-24_20-30-59.log.gz", "web-out__2026-11-24_20-31-05.log.gz"}));
  EXPECT_EQ(plan.compress,
            (std::vector<std::string>{"web-out__2026-11-24_20-31-05.1.log", "web-out__2026-11-24_20-31-05.2.log",
                                      "web-out__2026-11-24_20-31-06.log"}));
  plan = PlanTidy("web-out.log", dir, 10, false);
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.compress.empty());
}

TEST(LogRotation, TidyToZeroRemovesEveryRotatedFile) {
  TidyPlan plan = PlanTidy("a.log", {"a.log", "a__2026-11-24_20-31-05.log", "a__2026-11-24_20-31-06.log.gz"}, 0, true);
  EXPECT_EQ(plan.remove.size(), 2u);
  EXPECT_TRUE(plan.compress.empty());
}

TEST(LogRotation, TidyCleansUpAfterAnInterruptedGzip) {
  // Killed while compressing: a partial .gz.tmp beside its source.
  TidyPlan plan = PlanTidy("a.log", {"a__2026-11-24_20-31-05.log", "a__2026-11-24_20-31-05.log.gz.tmp"}, 5, true);
  EXPECT_EQ(plan.remove, (std::vector<std::string>{"a__2026-11-24_20-31-05.log.gz.tmp"}));
  EXPECT_EQ(plan.compress, (std::vector<std::string>{"a__2026-11-24_20-31-05.log"}));
  // Killed after the .gz was complete but before the source was removed.
  plan = PlanTidy("a.log", {"a__2026-11-24_20-31-05.log", "a__2026-11-24_20-31-05.log.gz"}, 5, true);
  EXPECT_EQ(plan.remove, (std::vector<std::string>{"a__2026-11-24_20-31-05.log"}));
  EXPECT_TRUE(plan.compress.empty());
}

}  // namespace
}  // namespace cohort
