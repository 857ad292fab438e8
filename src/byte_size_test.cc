#include "byte_size.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(ParseByteSize, TakesPm2SuffixesAsBinaryMultiples) {
  EXPECT_EQ(*ParseByteSize("300M"), 300ull << 20);
  EXPECT_EQ(*ParseByteSize("1G"), 1ull << 30);
  EXPECT_EQ(*ParseByteSize("512K"), 512ull << 10);
  EXPECT_EQ(*ParseByteSize("300mb"), 300ull << 20);
  EXPECT_EQ(*ParseByteSize("1.5G"), 3ull << 29);
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("10B"), 10u);
}

TEST(ParseByteSize, RejectsGarbageQuotingTheText) {
  for (const char* bad : {"", "M", "-1M", "10X", "1MBB", "ten", "1e30G"}) {
    auto r = ParseByteSize(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
  }
}

TEST(FormatBytes, PicksAUnitThatKeepsTheFigureShort) {
  EXPECT_EQ(FormatBytes(850), "850 B");
  EXPECT_EQ(FormatBytes(12 * 1024), "12.0 KB");
  EXPECT_EQ(FormatBytes(45 * 1024 * 1024 + 300 * 1024), "45.3 MB");
  EXPECT_EQ(FormatBytes(1288490189), "1.20 GB");
}

}  // namespace
}  // namespace cohort
