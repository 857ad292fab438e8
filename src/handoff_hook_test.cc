#include "handoff_hook.h"

#include <gtest/gtest.h>

#include <string>

#include "node_protocol.h"

namespace cohort {
namespace {

// The hook is JavaScript in a string: what it must agree on with the
// primary's NewConnLine is checked here, since no compiler sees both.
TEST(HandoffHook, ReadsTheChannelInPiecesOfTheNewConnLineSize) {
  std::string_view source = HandoffHookSource();
  EXPECT_NE(source.find("const LINE = " + std::to_string(kNewConnLineSize) + ";"), std::string_view::npos);
}

TEST(HandoffHook, MatchesTheNewConnPrefixThePrimaryWrites) {
  std::string_view source = HandoffHookSource();
  EXPECT_NE(source.find("const NEWCONN = '" + std::string(kNewConnPrefix) + "';"), std::string_view::npos);
  EXPECT_EQ(kNewConnPrefix.find('\''), std::string_view::npos);  // embeds in a '...' literal as is
}

}  // namespace
}  // namespace cohort
