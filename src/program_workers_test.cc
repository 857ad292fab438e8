// ProgramWorkers in balanced mode with the real Balancer and Supervisor on a
// fake host: the test holds each worker's end of its channel and speaks the
// protocol as a worker would. Readiness timers run on the fake clock; the
// channels on a real loop.
#include "program_workers.h"

#include <signal.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include "fake_worker_host.h"
#include "fd_passing.h"
#include "round_robin_scheduler.h"

namespace cohort {
namespace {

// Above any pid_max: the signals ProgramWorkers sends on its own reach nobody.
constexpr pid_t kNoSuchPid = 4194304 + 1000;

class ProgramWorkersTest : public ::testing::Test {
 protected:
  struct Sink : ConnectionSink {
    ProgramWorkers* program = nullptr;
    Status SendConnection(WorkerId w, const std::string& key_json, uint64_t seq, int fd) override {
      return program->SendConnection(w, key_json, seq, fd);
    }
  };
  struct Peer {  // a worker: its id and its end of the channel
    WorkerId id;
    UniqueFd end;
  };

  void SetUp() override {
    uv_loop_init(&loop);
    config.name = "app";
    config.listen = {"127.0.0.1:8080"};
    config.scheduler = "rr";
    config.stop_signal = "SIGTERM";
  }
  void TearDown() override {
    program.reset();  // removes the notify socket, if any
    if (!home.empty()) {
      ::unsetenv("COHORT_HOME");
      std::filesystem::remove_all(home);
    }
    for (int i = 0; i < 3; ++i) uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  void Start(int instances, StickyTable* sticky = nullptr) {
    SupervisorOptions options;
    options.instances = instances;
    supervisor = std::make_unique<Supervisor>(options, &host, nullptr);
    ProgramWorkers::Deps deps;
    deps.loop = &loop;
    deps.host = &host;
    deps.supervisor = supervisor.get();
    deps.balancer = &balancer;
    deps.sticky = sticky;
    deps.log = [this](LogLevel level, const std::string& line) {
      if (level >= LogLevel::kWarn) logs.push_back(line);
    };
    deps.open_listener = [this](const std::string& key, const ListenSpec&) {
      balancer.AddKey(key);
      keys.push_back(key);
      return Status::Ok();
    };
    program = std::make_unique<ProgramWorkers>(config, std::move(deps));
    sink.program = program.get();
    Status opened = program->Open();
    ASSERT_TRUE(opened.ok()) << opened.message();
    supervisor->Start(nullptr);
    for (const FakeWorkerHost::Spawned& s : host.spawned) {
      Result<ProgramWorkers::SpawnPlan> plan = program->Plan();
      ASSERT_TRUE(plan.ok());
      ASSERT_GE(plan->env.size(), 3u);
      EXPECT_EQ(std::vector<std::string>(plan->env.begin(), plan->env.begin() + 3),
                (std::vector<std::string>{"LISTEN_FDS=1", "LISTEN_FDNAMES=cohort", "COHORT_CHANNEL_FD=3"}));
      env = plan->env;
      program->Started(s.id, s.slot, kNoSuchPid + s.slot, std::move(plan->ours));
      peers.push_back({s.id, std::move(plan->theirs)});
    }
    host.Advance(Millis(0));  // ready at once (no --ready)
  }
  void Spin() {
    for (int i = 0; i < 5; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  }
  void Say(size_t peer, const std::string& line) {
    ASSERT_EQ(::send(peers[peer].end.get(), line.data(), line.size(), 0), static_cast<ssize_t>(line.size()));
    Spin();
  }
  // What the primary wrote to a worker so far; fds that came along are closed.
  std::string Heard(size_t peer, int* fds = nullptr) {
    std::string out;
    char buf[4096];
    std::vector<int> got;
    ssize_t n;
    while ((n = RecvWithFds(peers[peer].end.get(), buf, sizeof buf, &got, MSG_DONTWAIT)) > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
    if (fds) *fds = static_cast<int>(got.size());
    for (int fd : got) ::close(fd);
    return out;
  }
  UniqueFd Connection() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    client_ends.emplace_back(sv[1]);
    return UniqueFd(sv[0]);
  }

  uv_loop_t loop;
  FakeWorkerHost host;
  Sink sink;
  Balancer balancer{[] { return std::make_unique<RoundRobinScheduler>(); }, &sink};
  std::unique_ptr<Supervisor> supervisor;
  AppConfig config;
  std::unique_ptr<ProgramWorkers> program;
  std::vector<Peer> peers;
  std::vector<UniqueFd> client_ends;
  std::vector<std::string> keys, logs;
  std::vector<std::string> env;  // the last worker's, from the plan
  std::string home;              // COHORT_HOME, for the notify socket
  void UseHome() {
    char dir[] = "/tmp/cohort-program-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    home = dir;
    ::setenv("COHORT_HOME", dir, 1);
  }
};

TEST_F(ProgramWorkersTest, AReadyWorkerGetsConnectionsWithTheirFdAndTheBalancerKeepsThemUntilAccepted) {
  Start(1);
  ASSERT_EQ(keys, (std::vector<std::string>{"listen:127.0.0.1:8080"}));
  EXPECT_EQ(supervisor->Workers()[0].state, WorkerState::kReady);
  balancer.Dispatch(keys[0], Connection());
  int fds = 0;
  std::string line = Heard(0, &fds);
  EXPECT_EQ(line.rfind(R"({"type":"connection","id":1,"listener":"listen0","peer":{"family":"unix")", 0), 0u) << line;
  EXPECT_EQ(fds, 1);
  EXPECT_EQ(balancer.in_flight(peers[0].id), 1u);
  Say(0, "{\"type\":\"accepted\",\"id\":1}\n");
  EXPECT_EQ(balancer.in_flight(peers[0].id), 0u);
  EXPECT_EQ(balancer.totals().confirmed, 1u);
}

TEST_F(ProgramWorkersTest, ARefusedConnectionGoesToTheOtherWorker) {
  Start(2);
  balancer.Dispatch(keys[0], Connection());
  size_t who = balancer.in_flight(peers[0].id) ? 0 : 1;
  Heard(who);
  Say(who, "{\"type\":\"refused\",\"id\":1}\n");
  EXPECT_EQ(balancer.in_flight(peers[who].id), 0u);
  EXPECT_EQ(balancer.in_flight(peers[1 - who].id), 1u);
  EXPECT_NE(Heard(1 - who).find("\"type\":\"connection\""), std::string::npos);
}

TEST_F(ProgramWorkersTest, AWorkersLeaveRequestDrainsItAndIsAnswered) {
  Start(2);
  Say(0, "{\"type\":\"leave\"}\n");
  EXPECT_EQ(Heard(0), "{\"type\":\"leave\"}\n");
  for (int i = 0; i < 3; ++i) balancer.Dispatch(keys[0], Connection());
  EXPECT_EQ(balancer.in_flight(peers[0].id), 0u) << "nothing after the answer";
  EXPECT_EQ(balancer.in_flight(peers[1].id), 3u);
}

TEST_F(ProgramWorkersTest, TheSupervisorsLeaveIsALineNotASignalAndNothingFollowsIt) {
  Start(2);
  program->Leave(peers[1].id);
  EXPECT_EQ(Heard(1), "{\"type\":\"leave\"}\n");
  balancer.Dispatch(keys[0], Connection());
  EXPECT_EQ(balancer.in_flight(peers[0].id), 1u);
  EXPECT_EQ(Heard(1), "");
}

TEST_F(ProgramWorkersTest, MessagesReachEveryWorkerOrOneSlotAndBroadcastsSkipTheSender) {
  Start(3);
  Result<int> n = program->SendMessage(nlohmann::json{{"hi", 1}}, std::nullopt);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(Heard(i), "{\"type\":\"message\",\"data\":{\"hi\":1}}\n");
  EXPECT_EQ(*program->SendMessage(2, 1), 1);
  EXPECT_EQ(Heard(1), "{\"type\":\"message\",\"data\":2}\n");
  EXPECT_EQ(Heard(0), "");
  program->Leave(peers[2].id);
  Heard(2);
  Say(0, "{\"type\":\"broadcast\",\"data\":[\"x\"]}\n");
  EXPECT_EQ(Heard(0), "") << "not to the sender";
  EXPECT_EQ(Heard(1), "{\"type\":\"message\",\"data\":[\"x\"]}\n");
  EXPECT_EQ(Heard(2), "") << "not to a leaving worker";
}

TEST_F(ProgramWorkersTest, StickyKeysGoToTheTableStatusIsKeptAndStoppingDrains) {
  StickyTable table;
  Start(2, &table);
  Say(1, "{\"type\":\"sticky\",\"key\":\"user-7\"}\n{\"type\":\"status\",\"text\":\"warm\"}\n{\"type\":\"stopping\"}\n");
  EXPECT_EQ(table.Find("user-7", host.Now()), peers[1].id);
  EXPECT_EQ(program->StatusOf(peers[1].id), "warm");
  for (int i = 0; i < 2; ++i) balancer.Dispatch(keys[0], Connection());
  EXPECT_EQ(balancer.in_flight(peers[1].id), 0u);
}

TEST_F(ProgramWorkersTest, ReadyWaitsForTheWorkerUnderReadyNotify) {
  config.ready = "notify";
  UseHome();
  Start(1);
  EXPECT_EQ(env.back(), std::string("NOTIFY_SOCKET=") + home + "/run/app.notify");
  EXPECT_EQ(supervisor->Workers()[0].state, WorkerState::kStarting);
  balancer.Dispatch(keys[0], Connection());
  EXPECT_EQ(balancer.in_flight(peers[0].id), 0u) << "no connections before it is ready";
  Say(0, "{\"type\":\"ready\"}\n");
  EXPECT_EQ(supervisor->Workers()[0].state, WorkerState::kReady);
  EXPECT_EQ(balancer.in_flight(peers[0].id), 1u) << "the queued connection went to it";
}

TEST_F(ProgramWorkersTest, UnderWatchdogAWorkerThatPingsLivesAndOneThatIsSilentIsKilled) {
  config.watchdog = Millis(1000);
  UseHome();
  Start(2);
  EXPECT_NE(std::find(env.begin(), env.end(), "WATCHDOG_USEC=1000000"), env.end());
  for (int i = 0; i < 3; ++i) {
    host.Advance(Millis(600));
    Say(0, "{\"type\":\"watchdog\"}\n");
  }
  EXPECT_FALSE(host.WasKilled(peers[0].id, SIGKILL));
  EXPECT_TRUE(host.WasKilled(peers[1].id, SIGKILL));
  ASSERT_FALSE(logs.empty());
  EXPECT_NE(logs.back().find("slot 1: worker 2 (pid "), std::string::npos) << logs.back();
  EXPECT_NE(logs.back().find("no WATCHDOG=1 for 1000 ms (--watchdog 1s); killing it"), std::string::npos) << logs.back();
  balancer.Dispatch(keys[0], Connection());
  EXPECT_EQ(balancer.in_flight(peers[1].id), 0u) << "a hung worker gets nothing more";
}

TEST_F(ProgramWorkersTest, BadLinesAreLoggedNamingTheWorkerThenThrottledAndTheWorkerKeepsWorking) {
  Start(1);
  std::string garbage;
  for (int i = 0; i < 30; ++i) garbage += "not json\n";
  Say(0, garbage + "{\"type\":\"accepted\"}\n{\"type\":\"some-later-thing\"}\n");
  ASSERT_EQ(logs.size(), 10u);
  EXPECT_NE(logs[0].find("slot 0: worker 1 (pid "), std::string::npos) << logs[0];
  EXPECT_NE(logs[0].find("sent a line that is not JSON on its channel: 'not json'; ignored"), std::string::npos);
  balancer.Dispatch(keys[0], Connection());
  Heard(0);
  Say(0, "{\"type\":\"accepted\",\"id\":1}\n");
  EXPECT_EQ(balancer.totals().confirmed, 1u);
  program->Exited(peers[0].id);
  EXPECT_NE(logs.back().find("sent 21 more bad line(s) on its channel, not logged"), std::string::npos) << logs.back();
}

TEST(ProgramWorkersShared, MessagesAreAnErrorThatSaysHowToGetAChannel) {
  AppConfig config;
  config.listen = {"127.0.0.1:0"};
  config.scheduler = "shared";
  FakeWorkerHost host;
  ProgramWorkers::Deps deps;
  deps.host = &host;
  ProgramWorkers program(config, std::move(deps));
  Result<int> n = program.SendMessage(1, std::nullopt);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("--scheduler rr"), std::string::npos);
}

}  // namespace
}  // namespace cohort
