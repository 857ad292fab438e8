#include "line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cohort {
namespace {

struct Collector {
  std::vector<std::string> lines;
  std::vector<size_t> oversized;
  LineSplitter Make(size_t max) {
    return LineSplitter(
        max, [this](std::string_view l) { lines.emplace_back(l); },
        [this](size_t n) { oversized.push_back(n); });
  }
};

TEST(LineSplitter, SplitsLinesAcrossArbitraryChunks) {
  Collector c;
  auto s = c.Make(100);
  s.Feed("ab");
  s.Feed("c\nde\n\nf");
  s.Feed("g\n");
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abc", "de", "", "fg"}));
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(LineSplitter, KeepsUnterminatedTailUntilTaken) {
  Collector c;
  auto s = c.Make(100);
  s.Feed("one\ntwo");
  EXPECT_EQ(c.lines, (std::vector<std::string>{"one"}));
  EXPECT_EQ(s.TakePartial(), "two");
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(LineSplitter, ReportsOversizedLineOnceAndResumesAfterItsNewline) {
  Collector c;
  auto s = c.Make(4);
  s.Feed("123");
  s.Feed("456");  // now 6 > 4: reported, then skipped
  s.Feed("789");
  s.Feed("0\nok\n");
  EXPECT_EQ(c.oversized, (std::vector<size_t>{6}));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"ok"}));
  EXPECT_LE(s.buffered(), 4u);
}

TEST(LineSplitter, OversizedLineEndingInSameChunkDoesNotSwallowNextLine) {
  Collector c;
  auto s = c.Make(3);
  s.Feed("toolong\nyes\n");
  EXPECT_EQ(c.oversized, (std::vector<size_t>{7}));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"yes"}));
}

TEST(LineSplitter, LineOfExactlyMaxLengthIsAccepted) {
  Collector c;
  auto s = c.Make(3);
  s.Feed("ab");
  s.Feed("c\n");
  EXPECT_TRUE(c.oversized.empty());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abc"}));
}

}  // namespace
}  // namespace cohort
