#include "app_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace cohort {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class AppLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(home_.empty());
    uv_loop_init(&loop_);
    config_.name = "web";
  }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  std::unique_ptr<AppLog> Open() {
    auto log = AppLog::Open(&loop_, config_, home_, [](const std::string& e) { ADD_FAILURE() << e; });
    EXPECT_TRUE(log.ok()) << log.status().message();
    return log.ok() ? std::move(*log) : nullptr;
  }
  uv_loop_t loop_;
  TempDir tmp_{"cohort-applog"};
  const std::string home_ = tmp_.path();
  AppConfig config_;
};

TEST_F(AppLogTest, DefaultsToOneFilePerStreamUnderTheHomeAndEventsGoWithStdout) {
  auto log = Open();
  Logger logger({}, log.get());
  logger.WorkerLine("web", 0, 42, false, "hello");
  logger.WorkerLine("web", 1, 43, true, "oops");
  logger.Event(LogLevel::kInfo, "web", "slot 0: worker started");
  EXPECT_EQ(log->paths().out, home_ + "/logs/web-out.log");
  std::string out = Slurp(home_ + "/logs/web-out.log");
  EXPECT_NE(out.find("[web:0] hello\n"), std::string::npos);
  EXPECT_NE(out.find("[web] slot 0: worker started\n"), std::string::npos);
  EXPECT_EQ(Slurp(home_ + "/logs/web-err.log"), "[web:1] oops\n");
}

TEST_F(AppLogTest, OneFileForBothStreamsIsOpenedOnceAndACombinedFileGetsEverything) {
  config_.out_file = config_.error_file = home_ + "/app.log";
  config_.log_file = home_ + "/all.log";
  auto log = Open();
  log->Write(LogStream::kOut, "a");
  log->Write(LogStream::kErr, "b");
  log->Write(LogStream::kEvent, "c");
  EXPECT_EQ(Slurp(home_ + "/app.log"), "a\nb\nc\n");
  EXPECT_EQ(Slurp(home_ + "/all.log"), "a\nb\nc\n");
  EXPECT_EQ(DistinctPaths(log->paths()), (std::vector<std::string>{home_ + "/app.log", home_ + "/all.log"}));
}

TEST_F(AppLogTest, TimestampsComeBeforeThePrefixInTheConfiguredFormat) {
  auto log = Open();
  Logger logger({.json = false, .min_level = LogLevel::kInfo, .date_format = "[ts:]YYYY"}, log.get());
  logger.WorkerLine("web", 2, 42, false, "hello");
  std::string out = Slurp(home_ + "/logs/web-out.log");
  ASSERT_EQ(out.size(), std::string("ts:2026 [web:2] hello\n").size()) << out;
  EXPECT_EQ(out.substr(0, 3), "ts:");
  EXPECT_EQ(out.substr(7), " [web:2] hello\n");
}

TEST_F(AppLogTest, AMissingConfiguredDirectoryIsAnErrorNamingTheFile) {
  config_.out_file = home_ + "/nowhere/out.log";
  auto log = AppLog::Open(&loop_, config_, home_, [](const std::string&) {});
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("nowhere/out.log"), std::string::npos);
}

}  // namespace
}  // namespace cohort
