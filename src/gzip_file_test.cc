#include "gzip_file.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace cohort {
namespace {

namespace fs = std::filesystem;

class GzipFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }
  TempDir tmp_{"cohort-gzip"};
  const std::string dir_ = tmp_.path();
};

TEST_F(GzipFileTest, ReplacesTheFileWithAGzipHoldingTheSameBytes) {
  std::string path = dir_ + "/a__2026-11-24_20-31-05.log";
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "[web:" + std::to_string(i % 4) + "] line " + std::to_string(i) + "\n";
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(GzipFile(path).ok());
  EXPECT_EQ(fs::status(path + ".gz").permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".gz.tmp"));
  EXPECT_LT(fs::file_size(path + ".gz"), text.size() / 4);
  gzFile in = ::gzopen((path + ".gz").c_str(), "rb");
  ASSERT_NE(in, nullptr);
  std::string back(text.size() + 1, '\0');
  int n = ::gzread(in, back.data(), static_cast<unsigned>(back.size()));
  ::gzclose(in);
  back.resize(n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(back, text);
}

TEST_F(GzipFileTest, AMissingFileIsAnErrorNamingItAndLeavesNothingBehind) {
  Status s = GzipFile(dir_ + "/gone.log");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("gone.log"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace cohort
