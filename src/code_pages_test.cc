#include "code_pages.h"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace cohort {
namespace {

constexpr std::string_view kMaps =
    "55d0c0a00000-55d0c0b00000 r--p 00000000 fe:01 1234 /opt/cohort/bin/cohort\n"
    "55d0c0b00000-55d0c0f00000 r-xp 00100000 fe:01 1234 /opt/cohort/bin/cohort\n"
    "55d0c0f00000-55d0c1000000 r--p 00500000 fe:01 1234 /opt/cohort/bin/cohort\n"
    "55d0c1000000-55d0c1010000 rw-p 00600000 fe:01 1234 /opt/cohort/bin/cohort\n"
    "55d0c2000000-55d0c2100000 rw-p 00000000 00:00 0 [heap]\n"
    "7f0000000000-7f0000200000 r-xp 00028000 fe:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f0000300000-7f0000301000 r-xp 00000000 fe:01 77 /opt/cohort/bin/cohort old\n"
    "7f0000400000-7f0000410000 r-xp 00000000 fe:01 1234 /opt/cohort/bin/cohort\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n"
    "garbage line\n";

TEST(ExecutableRanges, OnlyTheExecutablePrivateTextOfThatFile) {
  std::vector<AddressRange> r = ExecutableRanges(kMaps, "/opt/cohort/bin/cohort");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], (AddressRange{0x55d0c0b00000, 0x55d0c0f00000}));
  EXPECT_EQ(r[1], (AddressRange{0x7f0000400000, 0x7f0000410000}));
}

TEST(ExecutableRanges, PathsWithSpacesAreWholeAndOtherFilesAreLeftOut) {
  EXPECT_EQ(ExecutableRanges(kMaps, "/opt/cohort/bin/cohort old").size(), 1u);
  EXPECT_TRUE(ExecutableRanges(kMaps, "/opt/cohort/bin").empty());
  EXPECT_TRUE(ExecutableRanges("", "/x").empty());
  EXPECT_TRUE(ExecutableRanges("zz-10 r-xp 0 0 0 /x\n20-10 r-xp 0 0 0 /x\n", "/x").empty());
}

// A mapping's first line in smaps: "start-end perms ...".
bool IsMappingLine(const std::string& line) {
  size_t sp = line.find(' ');
  if (sp == std::string::npos || line.find('-') > sp) return false;
  for (size_t i = 0; i < sp; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(line[i])) && line[i] != '-') return false;
  }
  return true;
}

// Resident kB of this process's own r-xp mappings, from /proc/self/smaps.
size_t ResidentTextKb() {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) return 0;
  std::string suffix = " " + std::string(exe, static_cast<size_t>(n));
  std::ifstream f("/proc/self/smaps");
  std::string line;
  bool in_text = false;
  size_t kb = 0;
  while (std::getline(f, line)) {
    if (IsMappingLine(line)) {
      in_text = line.find(" r-xp ") != std::string::npos && line.size() >= suffix.size() &&
                line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0;
    } else if (in_text && line.rfind("Rss:", 0) == 0) {
      kb += std::stoul(line.substr(4));
    }
  }
  return kb;
}

TEST(ReleaseCodePages, DropsResidentTextAndTheCodeRunsOn) {
  size_t before = ResidentTextKb();
  ASSERT_GT(before, 64u) << "this test binary's text should be resident while it runs";
  Result<size_t> advised = ReleaseCodePages();
  ASSERT_TRUE(advised.ok()) << advised.status().message();
  EXPECT_GT(*advised, 0u);
  size_t after = ResidentTextKb();
  EXPECT_LT(after, before / 2) << before << " kB before, " << after << " kB after";
  // Everything used from here on is mapped back on demand: the test itself
  // and this call into code that was just dropped.
  EXPECT_EQ(ExecutableRanges(kMaps, "/opt/cohort/bin/cohort").size(), 2u);
}

}  // namespace
}  // namespace cohort
