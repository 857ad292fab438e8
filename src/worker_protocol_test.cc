#include "worker_protocol.h"

#include <gtest/gtest.h>

namespace cohort::channel {
namespace {

using Type = FromWorker::Type;

TEST(WorkerProtocol, ParsesEveryWorkerLineType) {
  struct Case {
    const char* line;
    Type type;
  };
  for (const Case& c : {Case{R"({"type":"accepted","id":7})", Type::kAccepted},
                        Case{R"({"type":"refused","id":7})", Type::kRefused},
                        Case{R"({"type":"ready"})", Type::kReady},
                        Case{R"({"type":"status","text":"warming up"})", Type::kStatus},
                        Case{R"({"type":"stopping"})", Type::kStopping},
                        Case{R"({"type":"watchdog"})", Type::kWatchdog},
                        Case{R"({"type":"message","data":{"a":1}})", Type::kMessage},
                        Case{R"({"type":"broadcast","data":[1,2]})", Type::kBroadcast},
                        Case{R"({"type":"sticky","key":"s1"})", Type::kSticky},
                        Case{R"({"type":"leave"})", Type::kLeave}}) {
    Result<FromWorker> m = ParseFromWorker(c.line);
    ASSERT_TRUE(m.ok()) << c.line << ": " << m.status().message();
    EXPECT_EQ(m->type, c.type) << c.line;
  }
}

TEST(WorkerProtocol, KeepsTheFieldsOfEachType) {
  EXPECT_EQ(ParseFromWorker(R"({"type":"accepted","id":18446744073709551615})")->id, UINT64_MAX);
  EXPECT_EQ(ParseFromWorker(R"({"type":"status","text":"ok"})")->text, "ok");
  EXPECT_EQ(ParseFromWorker(R"({"type":"sticky","key":"user-1"})")->text, "user-1");
  EXPECT_EQ(ParseFromWorker(R"({"type":"message","data":{"n":[1,"x"]}})")->data,
            nlohmann::json::parse(R"({"n":[1,"x"]})"));
  EXPECT_EQ(ParseFromWorker(R"({"type":"broadcast","data":null})")->data, nullptr);
}

TEST(WorkerProtocol, ConfirmationsInAnyFormParseTheSame) {
  for (const char* line : {R"({"type":"accepted","id":12})", R"({"type":"accepted","id":12})" "\r",
                           R"({ "type": "accepted", "id": 12 })", R"({"id":12,"type":"accepted"})",
                           R"({"type":"accepted","id":12,"more":1})"}) {
    Result<FromWorker> m = ParseFromWorker(line);
    ASSERT_TRUE(m.ok()) << line;
    EXPECT_EQ(m->type, Type::kAccepted) << line;
    EXPECT_EQ(m->id, 12u) << line;
  }
  for (const char* bad : {R"({"type":"accepted","id":})", R"({"type":"accepted","id":012})",
                          R"({"type":"accepted","id":1x})", R"({"type":"accepted","id":18446744073709551616})",
                          R"({"type":"refused","id":-3})", R"({"type":"accepted","id":3)"}) {
    EXPECT_FALSE(ParseFromWorker(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseFromWorker(ConfirmLine(0, false))->id, 0u);
}

TEST(WorkerProtocol, AcceptsACarriageReturnAndUnknownFields) {
  Result<FromWorker> m = ParseFromWorker("{\"type\":\"accepted\",\"id\":3,\"extra\":true}\r");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->id, 3u);
}

TEST(WorkerProtocol, AnUnknownTypeIsNotAnErrorAndIsNamed) {
  Result<FromWorker> m = ParseFromWorker(R"({"type":"telemetry","x":1})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, Type::kUnknown);
  EXPECT_EQ(m->text, "telemetry");
}

TEST(WorkerProtocol, RejectsLinesThatAreNotProtocolLinesSayingWhy) {
  struct Case {
    const char* line;
    const char* why;
  };
  for (const Case& c : {Case{"hello", "not JSON"}, Case{"", "not JSON"}, Case{"[1,2]", "array instead of an object"},
                        Case{R"({"id":1})", "without a string \"type\""},
                        Case{R"({"type":5})", "without a string \"type\""},
                        Case{R"({"type":"accepted"})", "accepted without a numeric \"id\""},
                        Case{R"({"type":"accepted","id":-1})", "accepted without a numeric \"id\""},
                        Case{R"({"type":"refused","id":"1"})", "refused without a numeric \"id\""},
                        Case{R"({"type":"status"})", "status without a string \"text\""},
                        Case{R"({"type":"message"})", "message without \"data\""},
                        Case{R"({"type":"sticky","key":""})", "empty or over 4096"}}) {
    Result<FromWorker> m = ParseFromWorker(c.line);
    ASSERT_FALSE(m.ok()) << c.line;
    EXPECT_NE(m.status().message().find(c.why), std::string::npos) << c.line << ": " << m.status().message();
  }
  EXPECT_FALSE(ParseFromWorker(R"({"type":"sticky","key":")" + std::string(4097, 'k') + "\"}").ok());
  EXPECT_TRUE(ParseFromWorker(R"({"type":"sticky","key":")" + std::string(4096, 'k') + "\"}").ok());
}

TEST(WorkerProtocol, TheLinesAWorkerWritesParseBackAsWhatTheySay) {
  EXPECT_EQ(ConfirmLine(42, true), "{\"type\":\"accepted\",\"id\":42}\n");
  EXPECT_EQ(ConfirmLine(42, false), "{\"type\":\"refused\",\"id\":42}\n");
  for (Type t : {Type::kReady, Type::kStopping, Type::kWatchdog, Type::kLeave}) {
    std::string line = SignalLine(t);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(ParseFromWorker(std::string_view(line).substr(0, line.size() - 1))->type, t) << line;
  }
  std::string status = StatusLine("line one\nline two");
  EXPECT_EQ(status.find('\n'), status.size() - 1) << "one line, whatever the text";
  EXPECT_EQ(ParseFromWorker(status.substr(0, status.size() - 1))->text, "line one\nline two");
  EXPECT_EQ(ParseFromWorker(StickyLine("k\"1"))->text, "k\"1");
  EXPECT_EQ(ParseFromWorker(DataLine(Type::kBroadcast, {{"hi", 1}}))->data, nlohmann::json({{"hi", 1}}));
}

TEST(WorkerProtocol, ConnectionLinesCarryIdListenerAndPeer) {
  Peer peer{"IPv6", "::1", 50412};
  std::string line = ConnectionLine(9, "listen1", peer);
  EXPECT_EQ(line, "{\"type\":\"connection\",\"id\":9,\"listener\":\"listen1\",\"peer\":"
                  "{\"family\":\"IPv6\",\"address\":\"::1\",\"port\":50412}}\n");
  Result<FromPrimary> m = ParseFromPrimary(line);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->type, FromPrimary::Type::kConnection);
  EXPECT_EQ(m->id, 9u);
  EXPECT_EQ(m->listener, "listen1");
  EXPECT_EQ(m->peer, peer);
  EXPECT_EQ(ParseFromPrimary(ConnectionLine(1, "u", Peer{"unix", "", 0}))->peer, (Peer{"unix", "", 0}));
}

TEST(WorkerProtocol, PrimaryMessagesAndLeave) {
  Result<FromPrimary> m = ParseFromPrimary(MessageLine({{"hello", "all"}}));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, FromPrimary::Type::kMessage);
  EXPECT_EQ(m->data, nlohmann::json({{"hello", "all"}}));
  EXPECT_EQ(ParseFromPrimary(LeaveLine())->type, FromPrimary::Type::kLeave);
  EXPECT_EQ(ParseFromPrimary(R"({"type":"later-feature"})")->type, FromPrimary::Type::kUnknown);
  EXPECT_FALSE(ParseFromPrimary(R"({"type":"connection"})").ok());
  EXPECT_FALSE(ParseFromPrimary(R"({"type":"message"})").ok());
}

TEST(WorkerProtocol, ABadPeerIsEmptyRatherThanAnError) {
  Result<FromPrimary> m = ParseFromPrimary(R"({"type":"connection","id":1,"peer":{"port":99999,"family":3}})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->peer, Peer{});
}

TEST(WorkerProtocol, NestingDeeperThanTheLimitIsRefusedWithoutBuildingTheTree) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  std::string ok = R"({"type":"message","data":)" + nested(kMaxJsonDepth - 1) + "}";
  Result<FromWorker> m = ParseFromWorker(ok);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(DataLine(Type::kMessage, m->data), ok + "\n");
  Result<FromWorker> deep = ParseFromWorker(R"({"type":"message","data":)" + nested(100000) + "}");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nested deeper than 512 levels"), std::string::npos);
  EXPECT_FALSE(ParseFromPrimary(R"({"type":"message","data":)" + nested(100000) + "}").ok());
}

TEST(WorkerProtocol, InvalidUtf8IsReplacedNotThrown) {
  std::string line = MessageLine(std::string("\xff\xfe"));
  EXPECT_TRUE(ParseFromPrimary(line).ok());
}

}  // namespace
}  // namespace cohort::channel
