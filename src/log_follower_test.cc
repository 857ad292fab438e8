#include "log_follower.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "gzip_file.h"
#include "temp_dir.h"

namespace cohort {
namespace {

namespace fs = std::filesystem;

class LogFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }
  void Append(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name, std::ios::app) << text;
  }
  std::vector<std::string> Poll(LogFollower& f) {
    std::vector<std::string> got;
    f.Poll([&](size_t file, std::string_view line) { got.push_back(std::to_string(file) + ":" + std::string(line)); });
    return got;
  }
  TempDir tmp_{"cohort-follow"};
  const std::string dir_ = tmp_.path();
};

using Lines = std::vector<std::string>;

TEST_F(LogFollowerTest, TailsTheLastLinesThenFollowsOnlyWhatIsNew) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "line " + std::to_string(i) + "\n";
  Append("a.log", many);
  LogFollower f({dir_ + "/a.log"});
  EXPECT_EQ(f.Tail(0, 3), (Lines{"line 19997", "line 19998", "line 19999"}));
  EXPECT_EQ(f.Tail(0, 0), Lines{});
  EXPECT_TRUE(Poll(f).empty());
  Append("a.log", "new one\nand a half");
  EXPECT_EQ(Poll(f), (Lines{"0:new one"}));
  Append("a.log", " line\n");
  EXPECT_EQ(Poll(f), (Lines{"0:and a half line"}));
}

TEST_F(LogFollowerTest, ShortFilesTailWhole) {
  Append("a.log", "one\ntwo\n");
  LogFollower f({dir_ + "/a.log"});
  EXPECT_EQ(f.Tail(0, 15), (Lines{"one", "two"}));
}

TEST_F(LogFollowerTest, ReadsARotatedFileToItsEndThenTheNewOneFromItsStart) {
  Append("a.log", "before\n");
  LogFollower f({dir_ + "/a.log", dir_ + "/b.log"});
  Append("a.log", "last line of the old file\n");
  fs::rename(dir_ + "/a.log", dir_ + "/a__2026-11-24_20-31-05.log");
  Append("a.log", "first line of the new file\n");
  Append("b.log", "b appeared later\n");
  EXPECT_EQ(Poll(f), (Lines{"0:last line of the old file", "0:first line of the new file", "1:b appeared later"}));
  Append("a.log", "and on\n");
  EXPECT_EQ(Poll(f), (Lines{"0:and on"}));
}

TEST_F(LogFollowerTest, FilesRotatedBetweenTwoLooksAreReadTooGzippedOrNot) {
  Append("web-out.log", "seen\n");
  LogFollower f({dir_ + "/web-out.log"});
  Append("web-out.log", "1 end of the file being read\n");
  fs::rename(dir_ + "/web-out.log", dir_ + "/web-out__2026-11-24_20-31-05.log");
  Append("web-out.log", "2 a whole file rotated in between\n");
  fs::rename(dir_ + "/web-out.log", dir_ + "/web-out__2026-11-24_20-31-05.1.log");
  Append("web-out.log", "3 another, gzipped since\n");
  fs::rename(dir_ + "/web-out.log", dir_ + "/web-out__2026-11-24_20-31-06.log");
  ASSERT_TRUE(GzipFile(dir_ + "/web-out__2026-11-24_20-31-06.log").ok());
  Append("web-out.log", "4 the live one\n");
  EXPECT_EQ(Poll(f), (Lines{"0:1 end of the file being read", "0:2 a whole file rotated in between",
                            "0:3 another, gzipped since", "0:4 the live one"}));
  Append("web-out.log", "5\n");
  fs::rename(dir_ + "/web-out.log", dir_ + "/web-out__2026-11-24_20-31-07.log");
  Append("web-out.log", "6\n");
  EXPECT_EQ(Poll(f), (Lines{"0:5", "0:6"})) << "files seen before are not read again";
}

TEST_F(LogFollowerTest, ALookBetweenTheRenameAndTheNewFileLosesNothingRotatedAfter) {
  Append("web-out.log", "seen\n");
  LogFollower f({dir_ + "/web-out.log"});
  Append("web-out.log", "1 end of the old file\n");
  fs::rename(dir_ + "/web-out.log", dir_ + "/web-out__2026-11-24_20-31-05.log");
  EXPECT_EQ(Poll(f), (Lines{"0:1 end of the old file"})) << "the new file is not there yet";
  Append("web-out.log", "2 the next file, rotated before the next look\n");
  fs::rename(dir_ + "/web-out.log", dir_ + "/web-out__2026-11-24_20-31-05.1.log");
  Append("web-out.log", "3 live\n");
  EXPECT_EQ(Poll(f), (Lines{"0:2 the next file, rotated before the next look", "0:3 live"}));
}

TEST_F(LogFollowerTest, AnEmptiedFileIsReadAgainFromTheTop) {
  Append("a.log", "old old old old\n");
  LogFollower f({dir_ + "/a.log"});
  fs::resize_file(dir_ + "/a.log", 0);
  Append("a.log", "after flush\n");
  EXPECT_EQ(Poll(f), (Lines{"0:after flush"}));
}

TEST_F(LogFollowerTest, ARemovedFileIsPickedUpWhenItComesBack) {
  Append("a.log", "x\n");
  LogFollower f({dir_ + "/a.log"});
  fs::remove(dir_ + "/a.log");
  EXPECT_TRUE(Poll(f).empty());
  Append("a.log", "back\n");
  EXPECT_EQ(Poll(f), (Lines{"0:back"}));
}

TEST_F(LogFollowerTest, WaitWakesUpOnAWriteBeforeTheTimeout) {
  Append("a.log", "x\n");
  LogFollower f({dir_ + "/a.log"});
  Append("a.log", "y\n");  // already pending when Wait starts
  auto t0 = std::chrono::steady_clock::now();
  f.Wait(10000);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(Poll(f), (Lines{"0:y"}));
}

}  // namespace
}  // namespace cohort
