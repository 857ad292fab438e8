#include "code_pages.h"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace cohort {
namespace {

constexpr size_t kPage = 0x1000;

TEST(ReadOnlyRanges, TheReadOnlySegmentsOfAProgramUpToItsWritableOne) {
  // The layout of a PIE from GNU ld: headers and symbol tables, text,
  // read-only data, then data starting mid-page.
  std::vector<LoadSegment> elf = {{0x0, 0x1ca98, false},
                                  {0x1d000, 0x305685, false},
                                  {0x323000, 0xba4c9, false},
                                  {0x3de8c8, 0x30ef8, true}};
  for (LoadSegment& s : elf) s.start += 0x55d0c0a00000;
  EXPECT_EQ(ReadOnlyRanges(elf, kPage), (std::vector<AddressRange>{{0x55d0c0a00000, 0x55d0c0dde000}}));
}

TEST(ReadOnlyRanges, APageSharedWithAWritableSegmentIsLeftAlone) {
  // Its last page holds the start of the data.
  EXPECT_EQ(ReadOnlyRanges({{0x1000, 0x1800, false}, {0x2800, 0x800, true}}, kPage),
            (std::vector<AddressRange>{{0x1000, 0x2000}}));
  // Its first page holds the end of the data.
  EXPECT_EQ(ReadOnlyRanges({{0x1000, 0x800, true}, {0x1800, 0x1800, false}}, kPage),
            (std::vector<AddressRange>{{0x2000, 0x3000}}));
  // All of it is in the data's pages.
  EXPECT_TRUE(ReadOnlyRanges({{0x1000, 0x2000, true}, {0x1800, 0x100, false}}, kPage).empty());
}

TEST(ReadOnlyRanges, SeparateSegmentsStaySeparateAndEmptyOnesAreSkipped) {
  EXPECT_EQ(ReadOnlyRanges({{0x9000, 0x1000, false}, {0x1000, 0x10, false}, {0x5000, 0, false}}, kPage),
            (std::vector<AddressRange>{{0x1000, 0x2000}, {0x9000, 0xa000}}));
  EXPECT_TRUE(ReadOnlyRanges({}, kPage).empty());
  EXPECT_TRUE(ReadOnlyRanges({{0x1000, 0x1000, true}}, kPage).empty());
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
  // and this call into code that was just dropped, with its constants.
  EXPECT_EQ(ReadOnlyRanges({{0x1000, 0x10, false}}, kPage), (std::vector<AddressRange>{{0x1000, 0x2000}}));
}

}  // namespace
}  // namespace cohort
