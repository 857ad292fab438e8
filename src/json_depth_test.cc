#include "json_depth.h"

#include <string>

#include <gtest/gtest.h>

namespace cohort {
namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ParseJsonWithinDepth, TheLimitItselfParses) {
  bool too_deep = true;
  nlohmann::json v = ParseJsonWithinDepth(Nested(kMaxJsonDepth), &too_deep);
  EXPECT_FALSE(too_deep);
  ASSERT_FALSE(v.is_discarded());
  EXPECT_EQ(v.dump(), Nested(kMaxJsonDepth));
  // A scalar inside the deepest container is not a level of its own.
  std::string with_value = std::string(kMaxJsonDepth, '[') + "1" + std::string(kMaxJsonDepth, ']');
  EXPECT_FALSE(ParseJsonWithinDepth(with_value, &too_deep).is_discarded());
  EXPECT_FALSE(too_deep);
}

TEST(ParseJsonWithinDepth, DeeperIsDiscardedAndSaysSoMalformedIsDiscardedAndDoesNot) {
  bool too_deep = false;
  EXPECT_TRUE(ParseJsonWithinDepth(Nested(kMaxJsonDepth + 1), &too_deep).is_discarded());
  EXPECT_TRUE(too_deep);
  EXPECT_TRUE(ParseJsonWithinDepth(R"({"a":)" + Nested(kMaxJsonDepth) + "}", &too_deep).is_discarded());
  EXPECT_TRUE(too_deep);
  EXPECT_TRUE(ParseJsonWithinDepth(Nested(1000000), &too_deep).is_discarded());
  EXPECT_TRUE(too_deep);
  EXPECT_TRUE(ParseJsonWithinDepth("{broken", &too_deep).is_discarded());
  EXPECT_FALSE(too_deep);
  EXPECT_EQ(ParseJsonWithinDepth(R"({"ok":[1,{"b":null}]})", &too_deep)["ok"][1]["b"], nullptr);
  EXPECT_FALSE(too_deep);
}

}  // namespace
}  // namespace cohort
