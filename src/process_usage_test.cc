#include "process_usage.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace cohort {
namespace {

using std::chrono::milliseconds;

// Captured from a node worker (utime 812, stime 95, rss 11520 pages).
const char* kNodeStat =
    "4242 (node) S 4200 4242 4200 0 -1 4194560 10452 0 12 0 812 95 0 0 20 0 11 0 145716 "
    "1183252480 11520 18446744073709551615 94055740358656 94055740378537 140730983722032 0 0 0 0 "
    "4096 134234626 0 0 0 17 1 0 0 0 0 0 94055740394544 94055740396160 94056627499008 "
    "140730983729804 140730983729824 140730983729824 140730983731179 0\n";

TEST(ParseProcStat, ReadsCpuTicksAndResidentPages) {
  auto s = ParseProcStat(kNodeStat);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->cpu_ticks, 812u + 95u);
  EXPECT_EQ(s->rss_pages, 11520u);
}

TEST(ParseProcStat, CountsFieldsFromTheLastParenthesisOfTheCommandName) {
  // A process may name itself anything (prctl PR_SET_NAME), spaces and ')' included.
  auto s = ParseProcStat(
      "77 (my ) (weird) 1 2) R 1 77 77 0 -1 4194304 100 0 0 0 30 7 0 0 20 0 1 0 145716 3133440 407 "
      "18446744073709551615 0 0 0\n");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->cpu_ticks, 37u);
  EXPECT_EQ(s->rss_pages, 407u);
}

TEST(ParseProcStat, RejectsTruncatedOrGarbledText) {
  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("12 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("12 (x) S 1 2 3 4 5 6 7 8 9 10 abc 0 0 0 0 0 0 0 0 0 7 0").ok());
}

TEST(ReadProcStat, ReadsThisProcess) {
  auto s = ReadProcStat(::getpid());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_GT(s->rss_pages, 0u);
  EXPECT_FALSE(ReadProcStat(0x7ffffff0).ok());
}

TEST(UsageMeter, FirstReadingAveragesSinceStartThenEachIntervalStandsAlone) {
  UsageMeter::TimePoint t0{};
  UsageMeter m(t0, 100, 4096);
  EXPECT_FALSE(m.last());
  // 50 ticks (0.5 s of CPU) in the first 2 s: 25 %.
  const ProcessUsage& a = m.Update({.cpu_ticks = 50, .rss_pages = 1000}, t0 + milliseconds(2000));
  EXPECT_DOUBLE_EQ(a.cpu_percent, 25.0);
  EXPECT_DOUBLE_EQ(a.cpu_seconds, 0.5);
  EXPECT_EQ(a.rss_bytes, 1000u * 4096);
  // 150 more ticks in the next second: a core and a half.
  const ProcessUsage& b = m.Update({.cpu_ticks = 200, .rss_pages = 2000}, t0 + milliseconds(3000));
  EXPECT_DOUBLE_EQ(b.cpu_percent, 150.0);
  EXPECT_DOUBLE_EQ(b.cpu_seconds, 2.0);
  // Idle for a second.
  EXPECT_DOUBLE_EQ(m.Update({.cpu_ticks = 200, .rss_pages = 2000}, t0 + milliseconds(4000)).cpu_percent, 0.0);
}

TEST(UsageMeter, TwoReadingsAtTheSameInstantKeepTheLastPercentage) {
  UsageMeter::TimePoint t0{};
  UsageMeter m(t0, 100, 4096);
  m.Update({.cpu_ticks = 100, .rss_pages = 1}, t0 + milliseconds(1000));
  EXPECT_DOUBLE_EQ(m.Update({.cpu_ticks = 100, .rss_pages = 1}, t0 + milliseconds(1000)).cpu_percent, 100.0);
}

}  // namespace
}  // namespace cohort
