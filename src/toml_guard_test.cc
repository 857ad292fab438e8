#include "toml_guard.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(FindTomlHazard, AsciiAndUnaffectedCharactersPass) {
  EXPECT_FALSE(FindTomlHazard("[[apps]]\nname = \"web\"\n"));
  EXPECT_FALSE(FindTomlHazard("a = \"\xc2\xa0\"  # U+00A0, a space toml++ knows"));
  EXPECT_FALSE(FindTomlHazard("a = \"\xe3\x80\x80 \xef\xbb\xbf \xe4\xb8\xad\"  # U+3000, U+FEFF, U+4E2D"));
  EXPECT_FALSE(FindTomlHazard("a = \"\xf0\x9f\x98\x80\"  # U+1F600, 4 bytes"));
  EXPECT_FALSE(FindTomlHazard("a = \"\xc3\""));  // truncated: toml++ reports it
}

TEST(FindTomlHazard, FindsEachRangeWithLineAndColumn) {
  auto e = FindTomlHazard("[[apps]]\nname = \"caf\xc3\xa9\"\n");  // U+00E9
  ASSERT_TRUE(e);
  EXPECT_EQ(e->line, 2);
  EXPECT_EQ(e->column, 12);
  EXPECT_EQ(e->codepoint, U'\u00e9');
  EXPECT_EQ(FindTomlHazard("s = \"\"\"\\\n\xc2\xa7\"\"\"\n")->codepoint, U'\u00a7');  // toml++ issue #190
  EXPECT_EQ(FindTomlHazard("\xcc\xaa")->codepoint, U'\u032a');                      // toml++ issue #295
  EXPECT_EQ(FindTomlHazard("x\xe3\x80\x81")->codepoint, U'\u3001');
  auto vs16 = FindTomlHazard("# \xe2\x9d\xa4\xef\xb8\x8f\n");  // a heart with VS16 (U+FE0F)
  ASSERT_TRUE(vs16);
  EXPECT_EQ(vs16->codepoint, U'\ufe0f');
  EXPECT_EQ(vs16->column, 4);
}

}  // namespace
}  // namespace cohort
