#include "rotating_log_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace cohort {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

std::string ReadPlainOrGzip(const fs::path& p) {
  gzFile in = ::gzopen(p.c_str(), "rb");  // reads plain files as they are, too
  std::string out;
  char buf[65536];
  int n;
  while ((n = ::gzread(in, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::gzclose(in);
  return out;
}

class RotatingLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    uv_loop_init(&loop_);
  }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  std::unique_ptr<RotatingLogFile> Open(LogRotation r, std::string name = "web-out.log") {
    auto f = RotatingLogFile::Open(
        &loop_, dir_ + "/" + name, r, [this](const std::string& e) { errors_.push_back(e); }, [this] { return now_; });
    EXPECT_TRUE(f.ok()) << f.status().message();
    return f.ok() ? std::move(*f) : nullptr;
  }
  void WaitForTidies() { uv_run(&loop_, UV_RUN_DEFAULT); }  // the threadpool jobs are the only work
  // Rotated files, oldest first, then the live one.
  std::vector<fs::path> Files(const std::string& base = "web-out.log") {
    std::vector<std::pair<RotatedLog, fs::path>> rotated;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (auto r = ParseRotatedLogName(base, e.path().filename().string())) rotated.emplace_back(*r, e.path());
    }
    std::sort(rotated.begin(), rotated.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<fs::path> out;
    for (auto& [r, p] : rotated) out.push_back(p);
    out.push_back(dir_ + "/" + base);
    return out;
  }

  uv_loop_t loop_;
  TempDir tmp_{"cohort-rotate"};
  const std::string dir_ = tmp_.path();
  std::vector<std::string> errors_;
  system_clock::time_point now_ = system_clock::from_time_t(1795552265);  // 2026-11-24T20:31:05Z
};

TEST_F(RotatingLogFileTest, RotatesAtTheSizeWithoutLosingOrSplittingALine) {
  auto log = Open({.max_size = 1000, .max_files = 100, .compress = false});
  std::string expected;
  for (int i = 0; i < 400; ++i) {
    std::string line = fmt::format("[web:{}] line number {}", i % 3, i);
    log->Write(line);
    expected += line + "\n";
    if (i == 200) now_ += std::chrono::seconds(1);
  }
  WaitForTidies();
  EXPECT_TRUE(errors_.empty());
  std::vector<fs::path> files = Files();
  EXPECT_EQ(static_cast<int>(files.size()), log->rotations() + 1);
  EXPECT_GE(log->rotations(), 8);
  EXPECT_EQ(files[0].filename(), "web-out__2026-11-24_20-31-05.log");
  EXPECT_EQ(files[1].filename(), "web-out__2026-11-24_20-31-05.1.log");
  EXPECT_EQ(files[files.size() - 2].filename().string().substr(0, 28), "web-out__2026-11-24_20-31-06");
  std::string all;
  for (size_t i = 0; i < files.size(); ++i) {
    std::string text = ReadPlainOrGzip(files[i]);
    if (i + 1 < files.size()) {
      EXPECT_GE(text.size(), 1000u) << files[i];
      EXPECT_LT(text.size(), 1000u + 40) << files[i];  // at most one line past the limit
    }
    EXPECT_EQ(text.back(), '\n') << files[i];
    all += text;
  }
  EXPECT_EQ(all, expected);
}

TEST_F(RotatingLogFileTest, KeepsMaxFilesGzippedOffTheLoop) {
  auto log = Open({.max_size = 4096, .max_files = 2, .compress = true});
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    std::string line = fmt::format("[web:0] {} {}", i, std::string(20, 'x'));
    log->Write(line);
    expected += line + "\n";
    if (i % 500 == 0) now_ += std::chrono::seconds(1);
  }
  WaitForTidies();
  EXPECT_TRUE(errors_.empty()) << errors_[0];
  std::vector<fs::path> files = Files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].extension(), ".gz");
  EXPECT_EQ(files[1].extension(), ".gz");
  std::string kept = ReadPlainOrGzip(files[0]) + ReadPlainOrGzip(files[1]) + ReadPlainOrGzip(files[2]);
  EXPECT_TRUE(expected.ends_with(kept)) << "the newest lines are kept, in order, with none missing";
  EXPECT_GT(kept.size(), 2 * 4096u);
  for (const auto& e : fs::directory_iterator(dir_)) EXPECT_NE(e.path().extension(), ".tmp");
}

TEST_F(RotatingLogFileTest, NamesKeepIncreasingWithinASecondWhileOldOnesArePruned) {
  auto log = Open({.max_size = 100, .max_files = 2, .compress = false});
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    std::string line = fmt::format("line {:04}", i);
    log->Write(line);
    expected += line + "\n";
    if (i % 10 == 0) WaitForTidies();  // let pruning free the lowest names while the second lasts
  }
  WaitForTidies();
  std::vector<fs::path> files = Files();
  ASSERT_EQ(files.size(), 3u);
  std::string kept = ReadPlainOrGzip(files[0]) + ReadPlainOrGzip(files[1]) + ReadPlainOrGzip(files[2]);
  EXPECT_TRUE(expected.ends_with(kept)) << kept;
  EXPECT_EQ(kept.size(), 200u) << "two full files, and the live one empty";
}

TEST_F(RotatingLogFileTest, FlushEmptiesTheFileAndRemovesItsRotatedFilesOnly) {
  auto log = Open({.max_size = 100, .max_files = 5, .compress = false});
  auto other = Open({.max_size = 100, .max_files = 5, .compress = false}, "web-err.log");
  for (int i = 0; i < 20; ++i) {
    log->Write("some line of output");
    other->Write("some line of errors");
  }
  WaitForTidies();
  ASSERT_GT(Files().size(), 1u);
  size_t files_when_done = 0;
  log->Flush([&] { files_when_done = Files().size(); });
  EXPECT_EQ(files_when_done, 0u) << "the removal is not done on the loop";
  WaitForTidies();
  EXPECT_EQ(files_when_done, 1u) << "done runs once the rotated files are gone";
  EXPECT_EQ(fs::file_size(dir_ + "/web-out.log"), 0u);
  EXPECT_GT(Files("web-err.log").size(), 1u);
  log->Write("after the flush");
  EXPECT_EQ(ReadPlainOrGzip(dir_ + "/web-out.log"), "after the flush\n");
}

TEST_F(RotatingLogFileTest, TidiesAtOpenWhatAnEarlierRunLeft) {
  for (int i = 0; i < 4; ++i)
    std::ofstream(dir_ + "/web-out__2026-11-24_20-00-0" + std::to_string(i) + ".log") << "old\n";
  std::ofstream(dir_ + "/web-out__2026-11-24_20-00-03.log.gz.tmp") << "partial";
  auto log = Open({.max_size = 100, .max_files = 2, .compress = false});
  WaitForTidies();
  std::vector<fs::path> files = Files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].filename(), "web-out__2026-11-24_20-00-02.log");
  EXPECT_FALSE(fs::exists(dir_ + "/web-out__2026-11-24_20-00-03.log.gz.tmp"));
}

TEST_F(RotatingLogFileTest, NeverOverwritesARotatedFileFromTheSameSecond) {
  std::ofstream(dir_ + "/web-out__2026-11-24_20-31-05.log.gz") << "earlier run";
  std::ofstream(dir_ + "/web-out__2026-11-24_20-31-05.1.log") << "earlier run\n";
  auto log = Open({.max_size = 10, .max_files = 10, .compress = false});
  log->Write("0123456789");
  WaitForTidies();
  EXPECT_EQ(ReadPlainOrGzip(dir_ + "/web-out__2026-11-24_20-31-05.2.log"), "0123456789\n");
  EXPECT_EQ(ReadPlainOrGzip(dir_ + "/web-out__2026-11-24_20-31-05.1.log"), "earlier run\n");
}

TEST_F(RotatingLogFileTest, WritesToNonRegularFilesWithoutRotating) {
  auto f = RotatingLogFile::Open(&loop_, "/dev/null", {.max_size = 5, .max_files = 1, .compress = true},
                                 [this](const std::string& e) { errors_.push_back(e); });
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < 10; ++i) (*f)->Write("discarded");
  EXPECT_EQ((*f)->rotations(), 0);
  EXPECT_TRUE(errors_.empty());
}

TEST_F(RotatingLogFileTest, AFileReopenedDuringATidySharesItsQueue) {
  auto log = Open({.max_size = 10, .max_files = 1, .compress = true});
  log->Write("0123456789");
  ASSERT_TRUE(log->tidying());
  log.reset();
  auto again = Open({.max_size = 10, .max_files = 1, .compress = true});
  EXPECT_TRUE(again->tidying()) << "the new file waits for the old tidy instead of racing it";
  EXPECT_EQ(RotatingLogFile::TidiesRunning(), 1);
  WaitForTidies();
  EXPECT_EQ(RotatingLogFile::TidiesRunning(), 0);
  EXPECT_FALSE(again->tidying());
  EXPECT_EQ(Files().size(), 2u);
}

TEST_F(RotatingLogFileTest, AnUnwritableDirectoryIsAnErrorNamingThePath) {
  auto f = RotatingLogFile::Open(&loop_, dir_ + "/missing/dir/a.log", {}, [](const std::string&) {});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("missing/dir/a.log"), std::string::npos);
}

}  // namespace
}  // namespace cohort
