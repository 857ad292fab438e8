#include "store/resp_parser.h"

#include <gtest/gtest.h>

namespace cohort::store {
namespace {

std::vector<std::string> Args(const RespParser& p) { return {p.args().begin(), p.args().end()}; }

TEST(RespParserTest, ParsesPipelinedMultibulkCommands) {
  RespParser p;
  std::string buf = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$0\r\n\r\n";
  size_t pos = 0;
  ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"GET", "a"}));
  ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"SET", "b", ""}));
  EXPECT_EQ(pos, buf.size());
  EXPECT_EQ(p.Next(buf, pos), RespParser::Outcome::kNeedMore);
}

TEST(RespParserTest, ResumesACommandSplitAtEveryByte) {
  const std::string full("*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$11\r\nbinary\0\r\nval\r\n", 42);
  for (size_t split = 0; split < full.size(); ++split) {
    RespParser p;
    std::string buf = full.substr(0, split);
    size_t pos = 0;
    ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kNeedMore) << split;
    buf += full.substr(split);
    ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand) << split;
    EXPECT_EQ(Args(p)[2], std::string("binary\0\r\nval", 11));
    EXPECT_EQ(pos, full.size());
  }
}

TEST(RespParserTest, InlineCommandsWithQuotes) {
  RespParser p;
  std::string buf = "set \"a b\" 'c\\'d' \"\\x41\\n\"\r\nPING\n";
  size_t pos = 0;
  ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"set", "a b", "c'd", "A\n"}));
  ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"PING"}));
}

TEST(RespParserTest, EmptyInlineLineIsAnEmptyCommand) {
  RespParser p;
  std::string buf = "\r\n";
  size_t pos = 0;
  ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand);
  EXPECT_TRUE(p.args().empty());
  EXPECT_EQ(pos, 2u);
}

TEST(RespParserTest, RedisErrorMessages) {
  struct Case {
    std::string input, error;
  } cases[] = {
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*2\r\n:1\r\n", "Protocol error: expected '$', got ':'"},
      {"*1\r\n$-5\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$99999999999\r\n", "Protocol error: invalid bulk length"},
      {"set \"a\r\n", "Protocol error: unbalanced quotes in request"},
      {"get \"a\"b\r\n", "Protocol error: unbalanced quotes in request"},
  };
  for (const auto& c : cases) {
    RespParser p;
    size_t pos = 0;
    EXPECT_EQ(p.Next(c.input, pos), RespParser::Outcome::kError) << c.input;
    EXPECT_EQ(p.error(), c.error) << c.input;
  }
}

TEST(RespParserTest, InlineRequestsAreBounded) {
  RespParser p;
  std::string buf(70 * 1024, 'a');
  size_t pos = 0;
  EXPECT_EQ(p.Next(buf, pos), RespParser::Outcome::kError);
  EXPECT_EQ(p.error(), "Protocol error: too big inline request");
}

TEST(RespParserTest, UnauthenticatedClientsMaySendOnlySmallRequests) {
  RespLimits limits;
  limits.unauthenticated = true;
  RespParser p(limits);
  size_t pos = 0;
  EXPECT_EQ(p.Next("*11\r\n", pos), RespParser::Outcome::kError);
  EXPECT_EQ(p.error(), "Protocol error: unauthenticated multibulk length");
  RespParser q(limits);
  pos = 0;
  EXPECT_EQ(q.Next("*1\r\n$20000\r\n", pos), RespParser::Outcome::kError);
  EXPECT_EQ(q.error(), "Protocol error: unauthenticated bulk length");
}

TEST(RespParserTest, ZeroAndNegativeMultibulkAreEmptyCommands) {
  RespParser p;
  size_t pos = 0;
  std::string buf = "*0\r\n*-1\r\n";
  ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand);
  EXPECT_TRUE(p.args().empty());
  ASSERT_EQ(p.Next(buf, pos), RespParser::Outcome::kCommand);
  EXPECT_EQ(pos, buf.size());
}

}  // namespace
}  // namespace cohort::store
