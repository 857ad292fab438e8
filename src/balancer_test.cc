#include "balancer.h"

#include <fcntl.h>
#include <sys/eventfd.h>

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "least_connections_scheduler.h"
#include "round_robin_scheduler.h"

namespace cohort {
namespace {

struct Sent {
  WorkerId worker;
  uint64_t seq;
  int fd;
};

class RecordingSink : public ConnectionSink {
 public:
  Status SendConnection(WorkerId worker, const std::string& key_json, uint64_t seq, int fd) override {
    last_key_json = key_json;
    if (broken.count(worker)) return Status::Error("broken channel");
    sent.push_back({worker, seq, fd});
    return Status::Ok();
  }
  std::vector<Sent> sent;
  std::set<WorkerId> broken;
  std::string last_key_json;
};

UniqueFd NewConn() { return UniqueFd(::eventfd(0, EFD_CLOEXEC)); }
bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

class BalancerTest : public ::testing::Test {
 protected:
  BalancerTest()
      : balancer([] { return std::make_unique<RoundRobinScheduler>(); }, &sink,
                 Balancer::Options{.max_in_flight = 2, .max_bounces = 3, .max_queued = 4}) {
    balancer.on_room = [this](const std::string& key) { room_signals.push_back(key); };
  }
  RecordingSink sink;
  Balancer balancer;
  std::vector<std::string> room_signals;
  const std::string key = "null:8080:4:undefined:0";
};

TEST_F(BalancerTest, RoundRobinsOverServingWorkersWithSeveralHandoffsInFlight) {
  balancer.Serve(1, 0, key);
  balancer.Serve(2, 1, key);
  for (int i = 0; i < 4; ++i) balancer.Dispatch(key, NewConn());
  ASSERT_EQ(sink.sent.size(), 4u);
  EXPECT_EQ(sink.sent[0].worker, 1u);
  EXPECT_EQ(sink.sent[1].worker, 2u);
  EXPECT_EQ(sink.sent[2].worker, 1u);
  EXPECT_EQ(sink.sent[3].worker, 2u);
  EXPECT_EQ(balancer.in_flight(1), 2u);
  EXPECT_EQ(sink.last_key_json, "\"null:8080:4:undefined:0\"");
}

TEST_F(BalancerTest, EachServerHasItsOwnRoundRobinTurn) {
  const std::string other = "127.0.0.1:9090:4:undefined:0";
  balancer.Serve(1, 0, key);
  balancer.Serve(2, 1, key);
  balancer.Serve(1, 0, other);
  balancer.Serve(2, 1, other);
  for (int i = 0; i < 2; ++i) {  // alternate servers: each must still alternate workers
    balancer.Dispatch(key, NewConn());
    balancer.Dispatch(other, NewConn());
    for (auto& s : sink.sent) balancer.OnReply(s.worker, s.seq, true);
  }
  ASSERT_EQ(sink.sent.size(), 4u);
  EXPECT_NE(sink.sent[0].worker, sink.sent[2].worker);  // key: 1 then 2
  EXPECT_NE(sink.sent[1].worker, sink.sent[3].worker);  // other: 1 then 2
}

TEST_F(BalancerTest, KeepsItsCopyUntilAcceptedThenCloses) {
  balancer.Serve(1, 0, key);
  balancer.Dispatch(key, NewConn());
  int fd = sink.sent[0].fd;
  EXPECT_TRUE(IsOpen(fd));
  balancer.OnReply(1, sink.sent[0].seq, true);
  EXPECT_FALSE(IsOpen(fd));
  EXPECT_EQ(balancer.in_flight(1), 0u);
  EXPECT_EQ(balancer.stats(1).confirmed, 1u);
}

TEST_F(BalancerTest, RefusedConnectionGoesToAnotherWorker) {
  balancer.Serve(1, 0, key);
  balancer.Serve(2, 1, key);
  balancer.Dispatch(key, NewConn());
  Sent first = sink.sent[0];
  balancer.OnReply(first.worker, first.seq, false);
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.sent[1].fd, first.fd);  // the same connection, still open
  EXPECT_NE(sink.sent[1].worker, first.worker);
  EXPECT_TRUE(IsOpen(first.fd));
}

TEST_F(BalancerTest, UnconfirmedConnectionsOfADeadWorkerAreRedispatched) {
  balancer.Serve(1, 0, key);
  balancer.Serve(2, 1, key);
  balancer.Dispatch(key, NewConn());  // -> 1
  balancer.Dispatch(key, NewConn());  // -> 2
  balancer.Dispatch(key, NewConn());  // -> 1
  balancer.OnReply(1, sink.sent[0].seq, true);
  balancer.WorkerGone(1);
  // Only the unconfirmed one (third) moves, to worker 2.
  ASSERT_EQ(sink.sent.size(), 4u);
  EXPECT_EQ(sink.sent[3].worker, 2u);
  EXPECT_EQ(sink.sent[3].fd, sink.sent[2].fd);
  EXPECT_EQ(balancer.totals().dropped, 0u);
}

TEST_F(BalancerTest, ConnectionsWaitWhileNoWorkerServesAndFlowWhenOneDoes) {
  balancer.AddKey(key);
  EXPECT_FALSE(balancer.HasRoom(key));
  balancer.Serve(1, 0, key);
  balancer.WorkerGone(1);
  balancer.Dispatch(key, NewConn());
  EXPECT_EQ(balancer.queued(key), 1u);
  EXPECT_TRUE(sink.sent.empty());
  balancer.Serve(2, 0, key);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].worker, 2u);
  EXPECT_EQ(balancer.queued(key), 0u);
}

TEST_F(BalancerTest, FullWorkersMeanNoRoomUntilAReply) {
  balancer.Serve(1, 0, key);
  balancer.Dispatch(key, NewConn());
  balancer.Dispatch(key, NewConn());
  EXPECT_FALSE(balancer.HasRoom(key));
  room_signals.clear();
  balancer.OnReply(1, sink.sent[0].seq, true);
  EXPECT_TRUE(balancer.HasRoom(key));
  EXPECT_EQ(room_signals, std::vector<std::string>{key});
}

TEST_F(BalancerTest, DrainingWorkerGetsNothingNewButItsRepliesCount) {
  balancer.Serve(1, 0, key);
  balancer.Serve(2, 1, key);
  balancer.Dispatch(key, NewConn());  // -> 1
  balancer.Drain(1);
  balancer.Dispatch(key, NewConn());
  balancer.Dispatch(key, NewConn());
  EXPECT_EQ(sink.sent[1].worker, 2u);
  EXPECT_EQ(sink.sent[2].worker, 2u);
  balancer.OnReply(1, sink.sent[0].seq, true);
  EXPECT_EQ(balancer.stats(1).confirmed, 1u);
  balancer.Serve(1, 0, key);  // a draining worker does not come back
  balancer.OnReply(2, sink.sent[1].seq, true);
  balancer.Dispatch(key, NewConn());
  EXPECT_EQ(sink.sent.back().worker, 2u);
}

TEST_F(BalancerTest, AConnectionEveryoneRefusesIsClosedAfterMaxBounces) {
  balancer.Serve(1, 0, key);
  balancer.Dispatch(key, NewConn());
  int fd = sink.sent[0].fd;
  for (int i = 0; i < 4 && IsOpen(fd); ++i) balancer.OnReply(1, sink.sent.back().seq, false);
  EXPECT_FALSE(IsOpen(fd));
  EXPECT_EQ(balancer.totals().dropped, 1u);
  EXPECT_EQ(sink.sent.size(), 4u);  // first send + 3 bounces
}

TEST_F(BalancerTest, BrokenChannelTakesTheWorkerOutOfRotation) {
  balancer.Serve(1, 0, key);
  balancer.Serve(2, 1, key);
  sink.broken.insert(1);
  balancer.Dispatch(key, NewConn());
  balancer.Dispatch(key, NewConn());
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.sent[0].worker, 2u);
  EXPECT_EQ(sink.sent[1].worker, 2u);
}

TEST_F(BalancerTest, QueueIsBoundedAndExcessIsClosed) {
  balancer.AddKey(key);
  std::vector<int> fds;
  for (int i = 0; i < 6; ++i) {
    UniqueFd c = NewConn();
    fds.push_back(c.get());
    balancer.Dispatch(key, std::move(c));
  }
  EXPECT_EQ(balancer.queued(key), 4u);
  EXPECT_EQ(balancer.totals().dropped, 2u);
  EXPECT_FALSE(IsOpen(fds[5]));
}

TEST_F(BalancerTest, ServerCloseOfOneWorkerLeavesTheOthers) {
  balancer.Serve(1, 0, key);
  balancer.Serve(2, 1, key);
  balancer.StopServing(1, key);
  for (int i = 0; i < 2; ++i) balancer.Dispatch(key, NewConn());
  EXPECT_EQ(sink.sent[0].worker, 2u);
  EXPECT_EQ(sink.sent[1].worker, 2u);
}

// A worker busy in a long request confirms nothing; with a clock, the
// Balancer marks it stalled once its oldest handoff is older than
// stall_after, and round-robin passes it by while another keeps up.
class StallTest : public ::testing::Test {
 protected:
  StallTest()
      : balancer([] { return std::make_unique<RoundRobinScheduler>(); }, &sink,
                 Balancer::Options{.max_in_flight = 8, .stall_after = Millis(2), .clock = [this] { return now; }}) {
    balancer.Serve(1, 0, key);
    balancer.Serve(2, 1, key);
  }
  void Confirm(const Sent& s) { balancer.OnReply(s.worker, s.seq, true); }
  RecordingSink sink;
  TimePoint now{};
  Balancer balancer;
  const std::string key = "null:8080:4:undefined:0";
};

TEST_F(StallTest, AWorkerThatConfirmsNothingForTooLongIsPassedBy) {
  balancer.Dispatch(key, NewConn());  // to 1, which then stays busy
  balancer.Dispatch(key, NewConn());  // to 2
  Confirm(sink.sent[1]);
  now += Millis(3);
  for (int i = 0; i < 4; ++i) {
    balancer.Dispatch(key, NewConn());
    Confirm(sink.sent.back());
  }
  for (size_t i = 2; i < sink.sent.size(); ++i) EXPECT_EQ(sink.sent[i].worker, 2u) << "handoff " << i;
  // Once it confirms, it is in turn again.
  Confirm(sink.sent[0]);
  balancer.Dispatch(key, NewConn());
  balancer.Dispatch(key, NewConn());
  EXPECT_EQ(sink.sent[6].worker, 1u);
  EXPECT_EQ(sink.sent[7].worker, 2u);
}

TEST_F(StallTest, ARefusedConnectionGoesToTheOtherWorkerEvenWhenThatOneLooksStalled) {
  balancer.Dispatch(key, NewConn());  // to 1, which stays busy: stalled soon
  balancer.Dispatch(key, NewConn());  // to 2, which is full and refuses at once
  now += Millis(3);
  Sent refused = sink.sent[1];
  balancer.OnReply(refused.worker, refused.seq, false);
  // Worker 2 is the only one not stalled, but it just refused this one.
  ASSERT_EQ(sink.sent.size(), 3u);
  EXPECT_EQ(sink.sent[2].fd, refused.fd);
  EXPECT_EQ(sink.sent[2].worker, 1u);
  EXPECT_EQ(balancer.totals().dropped, 0u);
}

TEST_F(BalancerTest, ARefusedConnectionGoesBackToItsOnlyWorker) {
  balancer.Serve(1, 0, key);
  balancer.Dispatch(key, NewConn());
  balancer.OnReply(1, sink.sent[0].seq, false);
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.sent[1].worker, 1u);
  EXPECT_EQ(sink.sent[1].fd, sink.sent[0].fd);
}

TEST_F(StallTest, YoungUnconfirmedHandoffsAreNoStall) {
  for (int i = 0; i < 6; ++i) {
    balancer.Dispatch(key, NewConn());
    now += Millis(1) / 2;
  }
  // Nobody confirmed anything, but the oldest is 2.5 ms old only at the end.
  std::vector<WorkerId> order;
  for (const Sent& s : sink.sent) order.push_back(s.worker);
  EXPECT_EQ(order, (std::vector<WorkerId>{1, 2, 1, 2, 1, 2}));
}

TEST_F(StallTest, WhenEveryoneIsStalledRoundRobinGoesOn) {
  balancer.Dispatch(key, NewConn());
  balancer.Dispatch(key, NewConn());
  now += Millis(5);
  for (int i = 0; i < 4; ++i) balancer.Dispatch(key, NewConn());
  EXPECT_EQ(balancer.in_flight(1), 3u);
  EXPECT_EQ(balancer.in_flight(2), 3u);
}

TEST(RoundRobinScheduler, SkipsStalledCandidatesAndKeepsItsTurn) {
  RoundRobinScheduler rr;
  std::vector<Candidate> c = {{1, 0, 0}, {2, 1, 0}, {3, 2, 0}};
  c[1].stalled = true;
  std::vector<size_t> picks;
  for (int i = 0; i < 4; ++i) picks.push_back(rr.Pick(c, ConnectionInfo{-1, {}}));
  EXPECT_EQ(picks, (std::vector<size_t>{0, 2, 0, 2}));
}

TEST(LeastConnectionsScheduler, AStalledWorkerLosesEvenWithFewerInFlight) {
  LeastConnectionsScheduler least(42);
  std::vector<Candidate> c = {{1, 0, 1}, {2, 1, 6}};
  c[0].stalled = true;
  for (int i = 0; i < 50; ++i) EXPECT_EQ(least.Pick(c, ConnectionInfo{-1, {}}), 1u);
}

TEST(LeastConnectionsScheduler, PrefersTheWorkerWithFewerInFlight) {
  LeastConnectionsScheduler least(42);
  std::vector<Candidate> c = {{1, 0, 10}, {2, 1, 0}};
  int picked_idle = 0;
  for (int i = 0; i < 100; ++i) picked_idle += least.Pick(c, ConnectionInfo{-1, {}}) == 1;
  EXPECT_EQ(picked_idle, 100);  // with two candidates both are always compared
}

TEST(LeastConnectionsScheduler, SpreadsEvenlyWhenLoadsAreEqual) {
  LeastConnectionsScheduler least(7);
  std::vector<Candidate> c = {{1, 0, 0}, {2, 1, 0}, {3, 2, 0}, {4, 3, 0}};
  std::map<size_t, int> counts;
  for (int i = 0; i < 4000; ++i) ++counts[least.Pick(c, ConnectionInfo{-1, {}})];
  for (auto& [idx, n] : counts) EXPECT_GT(n, 600) << idx;
  EXPECT_EQ(counts.size(), 4u);
}

}  // namespace
}  // namespace cohort
