#include "node_protocol.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(ParseWorkerLine, RecognizesHandleAckAndNack) {
  EXPECT_EQ(ParseWorkerLine(R"({"cmd":"NODE_HANDLE_ACK"})")->kind, WorkerMessage::Kind::kHandleAck);
  EXPECT_EQ(ParseWorkerLine(R"({"cmd":"NODE_HANDLE_NACK"})")->kind, WorkerMessage::Kind::kHandleNack);
}

TEST(ParseWorkerLine, NewConnReplyAsNodeWritesIt) {
  auto m = ParseWorkerLine(R"({"cmd":"NODE_CLUSTER","ack":42,"accepted":true,"seq":7})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, WorkerMessage::Kind::kNewConnReply);
  EXPECT_EQ(m->ack, 42u);
  EXPECT_TRUE(m->accepted);
  auto refused = ParseWorkerLine(R"({"cmd":"NODE_CLUSTER","ack":43,"accepted":false,"seq":8})");
  EXPECT_EQ(refused->kind, WorkerMessage::Kind::kNewConnReply);
  EXPECT_FALSE(refused->accepted);
}

TEST(ParseWorkerLine, NewConnReplyInAnotherFieldOrderTakesTheSlowPathToTheSameResult) {
  auto m = ParseWorkerLine(R"({"seq":7,"accepted":true,"ack":42,"cmd":"NODE_CLUSTER"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, WorkerMessage::Kind::kNewConnReply);
  EXPECT_EQ(m->ack, 42u);
  EXPECT_TRUE(m->accepted);
}

TEST(ParseWorkerLine, TruncatedFastPathLinesAreNotMisread) {
  for (const char* bad : {R"({"cmd":"NODE_CLUSTER","ack":42,"accepted":true,"seq":7)",
                          R"({"cmd":"NODE_CLUSTER","ack":,"accepted":true,"seq":7})",
                          R"({"cmd":"NODE_CLUSTER","ack":42,"accepted":maybe,"seq":7})"}) {
    auto m = ParseWorkerLine(bad);
    EXPECT_FALSE(m.ok() && m->kind == WorkerMessage::Kind::kNewConnReply) << bad;
  }
}

TEST(ParseWorkerLine, HandoffHookAcceptanceAsTheHookWritesItAndInAnyOtherSpelling) {
  for (const char* line : {R"({"cmd":"NODE_COHORT_ACCEPTED","ack":42})", R"({"ack":42,"cmd":"NODE_COHORT_ACCEPTED"})",
                           R"({ "cmd" : "NODE_COHORT_ACCEPTED", "ack" : 42 })"}) {
    auto m = ParseWorkerLine(line);
    ASSERT_TRUE(m.ok()) << line;
    EXPECT_EQ(m->kind, WorkerMessage::Kind::kHookAccepted) << line;
    EXPECT_EQ(m->ack, 42u) << line;
    EXPECT_TRUE(m->accepted) << line;
  }
}

TEST(ParseWorkerLine, HandoffHookAcceptanceWithoutAUsableSeqIsNotAnAcceptance) {
  for (const char* bad : {R"({"cmd":"NODE_COHORT_ACCEPTED","ack":42)", R"({"cmd":"NODE_COHORT_ACCEPTED","ack":})",
                          R"({"cmd":"NODE_COHORT_ACCEPTED","ack":-1})", R"({"cmd":"NODE_COHORT_ACCEPTED","ack":"42"})",
                          R"({"cmd":"NODE_COHORT_ACCEPTED"})", R"({"cmd":"NODE_COHORT_ACCEPTED","ack":42,"x":1)"}) {
    auto m = ParseWorkerLine(bad);
    EXPECT_FALSE(m.ok() && m->kind == WorkerMessage::Kind::kHookAccepted) << bad;
  }
}

TEST(ParseWorkerLine, ClusterActsAndUserMessages) {
  auto online = ParseWorkerLine(R"({"cmd":"NODE_CLUSTER","act":"online","seq":0})");
  EXPECT_EQ(online->kind, WorkerMessage::Kind::kCluster);
  EXPECT_EQ(online->body["act"], "online");
  auto user = ParseWorkerLine(R"({"hello":"world"})");
  EXPECT_EQ(user->kind, WorkerMessage::Kind::kUser);
  EXPECT_EQ(user->body["hello"], "world");
  EXPECT_EQ(ParseWorkerLine(R"("just a string")")->kind, WorkerMessage::Kind::kUser);
  EXPECT_EQ(ParseWorkerLine(R"({"cmd":"NODE_SOMETHING_ELSE"})")->kind, WorkerMessage::Kind::kInternal);
  // "NODE_" alone is not internal for Node (it needs more than 4 characters and the prefix).
  EXPECT_EQ(ParseWorkerLine(R"({"cmd":"NODE"})")->kind, WorkerMessage::Kind::kUser);
}

TEST(ParseWorkerLine, HandleMessageCarriesItsInnerMessage) {
  auto m = ParseWorkerLine(R"({"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"x":1}})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, WorkerMessage::Kind::kHandle);
  EXPECT_EQ(m->body["x"], 1);
  EXPECT_FALSE(ParseWorkerLine(R"({"cmd":"NODE_HANDLE"})").ok());
}

TEST(ParseWorkerLine, MalformedJsonIsAnErrorThatQuotesTheStart) {
  auto m = ParseWorkerLine("{not json");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("{not json"), std::string::npos);
  EXPECT_FALSE(ParseWorkerLine("\xff\xfe").ok());
}

TEST(ParseWorkerLine, NestingDeeperThanTheLimitIsRefusedWithoutATree) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  auto ok = ParseWorkerLine(nested(kMaxJsonDepth));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->kind, WorkerMessage::Kind::kUser);
  EXPECT_EQ(ToLine(ok->body), nested(kMaxJsonDepth) + "\n");
  // 100,000 levels: dumping or walking such a tree would overflow the stack.
  auto deep = ParseWorkerLine(nested(100000));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nested deeper than 512 levels (200000 bytes)"), std::string::npos)
      << deep.status().message();
  bool too_deep = false;
  EXPECT_TRUE(ParseJsonWithinDepth(R"({"a":)" + nested(600) + "}", &too_deep).is_discarded());
  EXPECT_TRUE(too_deep);
  EXPECT_TRUE(ParseJsonWithinDepth("{broken", &too_deep).is_discarded());
  EXPECT_FALSE(too_deep);
}

TEST(NewConnLine, MatchesWhatNodeExpectsPaddedToTheFixedSize) {
  std::string line = NewConnLine(Json("null:8080:4:undefined:0").dump(), 5);
  constexpr std::string_view kMessage =
      R"({"cmd":"NODE_HANDLE","type":"net.Native","msg":{"cmd":"NODE_CLUSTER","act":"newconn","key":"null:8080:4:undefined:0","seq":5}})";
  ASSERT_EQ(line.size(), kNewConnLineSize);
  EXPECT_EQ(line.substr(0, kMessage.size()), kMessage);
  EXPECT_EQ(line.find_first_not_of(' ', kMessage.size()), kNewConnLineSize - 1);
  EXPECT_EQ(line.back(), '\n');
  Json parsed = Json::parse(line);
  EXPECT_EQ(parsed["msg"]["key"], "null:8080:4:undefined:0");
  EXPECT_EQ(parsed["msg"]["seq"], 5);
}

TEST(NewConnLine, AKeyTooLongForTheFixedSizeMakesALongerLineStillWhole) {
  std::string key(300, 'k');
  std::string line = NewConnLine(Json(key).dump(), 123456789);
  EXPECT_GT(line.size(), kNewConnLineSize);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(Json::parse(line)["msg"]["key"], key);
}

TEST(ClusterLine, AddsCmdAndSeqAndEndsWithNewline) {
  std::string line = ClusterLine({{"act", "disconnect"}}, 9);
  ASSERT_EQ(line.back(), '\n');
  Json j = Json::parse(line);
  EXPECT_EQ(j["cmd"], "NODE_CLUSTER");
  EXPECT_EQ(j["act"], "disconnect");
  EXPECT_EQ(j["seq"], 9);
}

TEST(ToLine, NeverThrowsOnInvalidUtf8AndEscapesNewlines) {
  std::string line = ToLine(Json("bad \xff byte\nnext"));
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(ServerKey, RendersLikeNodesTemplateLiteral) {
  EXPECT_EQ(ServerKey(Json::parse(R"({"address":null,"port":8080,"addressType":4,"index":0})")),
            "null:8080:4:undefined:0");
  EXPECT_EQ(ServerKey(Json::parse(R"({"address":"::1","port":0,"addressType":6,"fd":-1,"index":2})")),
            "::1:0:6:-1:2");
  EXPECT_EQ(ServerKey(Json::parse(R"({"address":"/tmp/s.sock","port":-1,"addressType":-1,"index":0})")),
            "/tmp/s.sock:-1:-1:undefined:0");
  EXPECT_EQ(ServerKey(Json::parse(R"({"address":"0.0.0.0","port":53,"addressType":"udp4","index":0})")),
            "0.0.0.0:53:udp4:undefined:0");
}

TEST(IsNodeInternal, OnlyObjectsWithANodePrefixedCmd) {
  EXPECT_TRUE(IsNodeInternal(Json{{"cmd", "NODE_CLUSTER"}}));
  EXPECT_FALSE(IsNodeInternal(Json{{"cmd", "cohort:broadcast"}}));
  EXPECT_FALSE(IsNodeInternal(Json{{"cmd", 5}}));
  EXPECT_FALSE(IsNodeInternal(Json::array({"NODE_CLUSTER"})));
}

}  // namespace
}  // namespace cohort
