#include "logs_command.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(PaintLogLine, ColorsTheAppPrefixAndNothingElseOnStdout) {
  EXPECT_EQ(PaintLogLine("[web:0] hello", "web", 0, false), "\x1b[36m[web:0]\x1b[0m hello");
  EXPECT_EQ(PaintLogLine("[web:12] hello", "web", 1, false), "\x1b[32m[web:12]\x1b[0m hello");
  EXPECT_EQ(PaintLogLine("2026-11-24T20:31:05.123Z [web] slot 0: started", "web", 0, false),
            "2026-11-24T20:31:05.123Z \x1b[36m[web]\x1b[0m slot 0: started");
  EXPECT_EQ(PaintLogLine("2026-11-24T20:31:05 [web:3] x", "web", 0, false),
            "2026-11-24T20:31:05 \x1b[36m[web:3]\x1b[0m x");
}

TEST(PaintLogLine, StderrIsRedAfterThePrefix) {
  EXPECT_EQ(PaintLogLine("[web:0] boom", "web", 0, true), "\x1b[36m[web:0]\x1b[0m\x1b[31m boom\x1b[0m");
  EXPECT_EQ(PaintLogLine("no prefix", "web", 0, true), "\x1b[31mno prefix\x1b[0m");
}

TEST(PaintLogLine, OnlyTheAppsOwnPrefixCounts) {
  EXPECT_EQ(PaintLogLine("[webby:0] x", "web", 0, false), "[webby:0] x");
  EXPECT_EQ(PaintLogLine("[web:x] [web:1] y", "web", 0, false), "[web:x] \x1b[36m[web:1]\x1b[0m y");
  EXPECT_EQ(PaintLogLine("[web:] z", "web", 0, false), "[web:] z");
}

TEST(PaintLogLine, AppsGetDifferentColors) {
  EXPECT_NE(PaintLogLine("[a:0] x", "a", 0, false), PaintLogLine("[a:0] x", "a", 1, false));
}

}  // namespace
}  // namespace cohort
