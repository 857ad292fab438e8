// libcohort_worker against a fake primary: the test holds the other end of
// the worker's channel (a socketpair) or the listening socket at fd 3, and
// sets the environment cohort would.
#include "cohort/worker.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "fd_passing.h"
#include "unique_fd.h"

namespace cohort {
namespace {

constexpr const char* kVars[] = {"COHORT_CHANNEL_FD", "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PID",
                                 "NOTIFY_SOCKET",     "WATCHDOG_USEC", "WATCHDOG_PID"};

class WorkerEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVars) ::unsetenv(v);
    Set("LISTEN_PID", std::to_string(::getpid()));
  }
  void TearDown() override {
    for (const char* v : kVars) ::unsetenv(v);
  }
  static void Set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }
};

// The primary's end of a balanced worker's channel.
class BalancedWorkerTest : public WorkerEnvTest {
 protected:
  void SetUp() override {
    WorkerEnvTest::SetUp();
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    primary.reset(sv[0]);
    Set("COHORT_CHANNEL_FD", std::to_string(sv[1]));
    std::string error;
    worker = Worker::Open(&error);
    ASSERT_TRUE(worker) << error;
  }
  // Sends a connection line with one end of a fresh socketpair; returns the other end.
  UniqueFd SendConnection(uint64_t id, const std::string& listener = "listen0") {
    int conn[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, conn), 0);
    std::string line = "{\"type\":\"connection\",\"id\":" + std::to_string(id) + ",\"listener\":\"" + listener +
                       "\",\"peer\":{\"family\":\"IPv4\",\"address\":\"10.1.2.3\",\"port\":4567}}\n";
    EXPECT_EQ(SendWithFd(primary.get(), line.data(), line.size(), conn[1]), static_cast<ssize_t>(line.size()));
    ::close(conn[1]);
    return UniqueFd(conn[0]);
  }
  void SendLine(const std::string& line) {
    ASSERT_EQ(::send(primary.get(), line.data(), line.size(), 0), static_cast<ssize_t>(line.size()));
  }
  // Everything the worker wrote so far.
  std::string Received() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(primary.get(), buf, sizeof buf, MSG_DONTWAIT)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  UniqueFd primary;
  std::unique_ptr<Worker> worker;
};

TEST_F(BalancedWorkerTest, AConnectionArrivesWithItsFdListenerAndPeerAndIsConfirmedWhenHandedOut) {
  EXPECT_TRUE(worker->balanced());
  UniqueFd client = SendConnection(17, "listen1");
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->kind, Event::Kind::kConnection);
  EXPECT_EQ(ev->connection.listener, "listen1");
  EXPECT_EQ(ev->connection.peer.family, "IPv4");
  EXPECT_EQ(ev->connection.peer.address, "10.1.2.3");
  EXPECT_EQ(ev->connection.peer.port, 4567);
  EXPECT_EQ(Received(), "{\"type\":\"accepted\",\"id\":17}\n");
  UniqueFd conn(ev->connection.fd);
  ASSERT_EQ(::write(client.get(), "hi", 2), 2);  // the fd is the connection itself
  char buf[2];
  ASSERT_EQ(::read(conn.get(), buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "hi");
}

TEST_F(BalancedWorkerTest, SeveralConnectionsInFlightKeepTheirOwnFdsAndOnlyDeliveredOnesAreConfirmed) {
  std::vector<UniqueFd> clients;
  for (uint64_t id = 1; id <= 5; ++id) clients.push_back(SendConnection(id));
  for (uint64_t id = 1; id <= 5; ++id) {
    std::optional<Event> ev = worker->Next();
    ASSERT_TRUE(ev && ev->kind == Event::Kind::kConnection);
    EXPECT_EQ(Received(), "{\"type\":\"accepted\",\"id\":" + std::to_string(id) + "}\n") << "one per Next()";
    UniqueFd conn(ev->connection.fd);
    std::string tag = std::to_string(id);
    ASSERT_EQ(::write(clients[id - 1].get(), tag.data(), 1), 1);
    char c;
    ASSERT_EQ(::read(conn.get(), &c, 1), 1);
    EXPECT_EQ(c, tag[0]) << "connection " << id << " got another's fd";
  }
}

TEST_F(BalancedWorkerTest, AConnectionLineWithoutItsFdIsRefusedSoAnotherWorkerGetsIt) {
  SendLine(R"({"type":"connection","id":9,"listener":"listen0","peer":{}})" "\n"
           R"({"type":"message","data":1})" "\n");
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, Event::Kind::kMessage);
  EXPECT_EQ(Received(), "{\"type\":\"refused\",\"id\":9}\n");
}

TEST_F(BalancedWorkerTest, MessagesArriveAsJsonTextAndGarbageIsSkipped) {
  SendLine("not json\n{\"type\":\"future\"}\n{\"type\":\"message\",\"data\":{\"hello\":[1,\"all\"]}}\n");
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->kind, Event::Kind::kMessage);
  EXPECT_EQ(ev->message, R"({"hello":[1,"all"]})");
}

TEST_F(BalancedWorkerTest, LeaveFromCohortEndsTheLoop) {
  SendLine("{\"type\":\"leave\"}\n");
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, Event::Kind::kLeave);
  EXPECT_EQ(ev->signal, 0);
  EXPECT_FALSE(worker->Next());
}

TEST_F(BalancedWorkerTest, WhenCohortIsGoneNextReturnsNothing) {
  primary.reset();
  EXPECT_FALSE(worker->Next());
  EXPECT_FALSE(worker->Ready());
}

TEST_F(BalancedWorkerTest, WhatTheWorkerSaysIsOneProtocolLineEach) {
  EXPECT_TRUE(worker->Send("{\n  \"pretty\": true\n}"));
  EXPECT_TRUE(worker->Broadcast("[1, 2]"));
  EXPECT_TRUE(worker->DeclareSticky("session-1"));
  EXPECT_TRUE(worker->Ready());
  EXPECT_TRUE(worker->SetStatus("warm\ncache"));
  EXPECT_TRUE(worker->Stopping());
  EXPECT_TRUE(worker->Watchdog());
  EXPECT_EQ(Received(),
            "{\"type\":\"message\",\"data\":{\"pretty\":true}}\n"
            "{\"type\":\"broadcast\",\"data\":[1,2]}\n"
            "{\"type\":\"sticky\",\"key\":\"session-1\"}\n"
            "{\"type\":\"ready\"}\n"
            "{\"type\":\"status\",\"text\":\"warm\\ncache\"}\n"
            "{\"type\":\"stopping\"}\n"
            "{\"type\":\"watchdog\"}\n");
  EXPECT_FALSE(worker->Send("{not json"));
  EXPECT_FALSE(worker->DeclareSticky(""));
  EXPECT_EQ(Received(), "");
}

TEST_F(BalancedWorkerTest, LeaveAsksCohortAndTheAnswerEndsTheLoop) {
  EXPECT_TRUE(worker->Leave());
  EXPECT_EQ(Received(), "{\"type\":\"leave\"}\n");
  UniqueFd client = SendConnection(3);  // sent before cohort's answer: still served
  SendLine("{\"type\":\"leave\"}\n");
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev && ev->kind == Event::Kind::kConnection);
  ::close(ev->connection.fd);
  ev = worker->Next();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, Event::Kind::kLeave);
  EXPECT_FALSE(worker->Next());
}

TEST_F(BalancedWorkerTest, TheStopSignalBecomesALeaveRequestAndTheLeaveEventNamesIt) {
  ASSERT_TRUE(worker->LeaveOnSignal(SIGUSR1));
  ::raise(SIGUSR1);
  SendLine("{\"type\":\"message\",\"data\":0}\n");
  ASSERT_TRUE(worker->Next());  // the message; the wakeup was read with it or is still pending
  SendLine("{\"type\":\"leave\"}\n");
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, Event::Kind::kLeave);
  EXPECT_EQ(ev->signal, SIGUSR1);
  EXPECT_EQ(Received(), "{\"type\":\"leave\"}\n");
  ::signal(SIGUSR1, SIG_DFL);
}

TEST_F(BalancedWorkerTest, ProcessHandsOutWhatIsReadyFromALibuvLoop) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_poll_t poll;
  struct Ctx {
    Worker* worker;
    std::vector<Event::Kind> kinds;
    bool more = true;
  } ctx{worker.get(), {}, true};
  uv_poll_init(&loop, &poll, worker->fd());
  poll.data = &ctx;
  uv_poll_start(&poll, UV_READABLE, [](uv_poll_t* p, int, int) {
    auto* c = static_cast<Ctx*>(p->data);
    c->more = c->worker->Process([c](Event& ev) {
      c->kinds.push_back(ev.kind);
      if (ev.kind == Event::Kind::kConnection) ::close(ev.connection.fd);
    });
    if (!c->more) uv_poll_stop(p);
  });
  UniqueFd a = SendConnection(1), b = SendConnection(2);
  SendLine("{\"type\":\"message\",\"data\":\"x\"}\n");
  uv_run(&loop, UV_RUN_ONCE);
  EXPECT_EQ(ctx.kinds, (std::vector<Event::Kind>{Event::Kind::kConnection, Event::Kind::kConnection,
                                                 Event::Kind::kMessage}));
  EXPECT_TRUE(ctx.more);
  EXPECT_EQ(Received(), "{\"type\":\"accepted\",\"id\":1}\n{\"type\":\"accepted\",\"id\":2}\n");
  SendLine("{\"type\":\"leave\"}\n");
  uv_run(&loop, UV_RUN_ONCE);
  EXPECT_FALSE(ctx.more) << "Process() says stop after the leave";
  EXPECT_EQ(ctx.kinds.back(), Event::Kind::kLeave);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST_F(WorkerEnvTest, NextPingsTheWatchdogWhenItIsDue) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd primary(sv[0]);
  Set("COHORT_CHANNEL_FD", std::to_string(sv[1]));
  Set("WATCHDOG_USEC", "2");  // due at every step
  Set("WATCHDOG_PID", std::to_string(::getpid()));
  std::unique_ptr<Worker> worker = Worker::Open();
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->WatchdogInterval(), std::chrono::microseconds(2));
  std::string msg = "{\"type\":\"message\",\"data\":1}\n";
  ASSERT_EQ(::send(sv[0], msg.data(), msg.size(), 0), static_cast<ssize_t>(msg.size()));
  ASSERT_TRUE(worker->Next());
  char buf[256];
  ssize_t n = ::recv(sv[0], buf, sizeof buf, MSG_DONTWAIT);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)).substr(0, 20), "{\"type\":\"watchdog\"}\n");
}

TEST_F(WorkerEnvTest, AWatchdogMeantForAnotherPidIsNotOurs) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd primary(sv[0]);
  Set("COHORT_CHANNEL_FD", std::to_string(sv[1]));
  Set("WATCHDOG_USEC", "1000000");
  Set("WATCHDOG_PID", "1");
  std::unique_ptr<Worker> worker = Worker::Open();
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->WatchdogInterval().count(), 0);
}

TEST_F(WorkerEnvTest, ErrorsSayWhatIsMissingOrWrong) {
  std::string error;
  EXPECT_FALSE(Worker::Open(&error));
  EXPECT_NE(error.find("cohort run --listen"), std::string::npos) << error;
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  Set("COHORT_CHANNEL_FD", std::to_string(p[0]));
  EXPECT_FALSE(Worker::Open(&error));
  EXPECT_NE(error.find("COHORT_CHANNEL_FD: fd " + std::to_string(p[0]) + " is not an open socket"), std::string::npos)
      << error;
  Set("LISTEN_PID", "1");
  EXPECT_FALSE(Worker::Open(&error));
  EXPECT_NE(error.find("LISTEN_PID=1 is not this process"), std::string::npos) << error;
}

// Shared mode: a listening socket at fd 3, as cohort's LISTEN_FDS puts it.
class SharedWorkerTest : public WorkerEnvTest {
 protected:
  void SetUp() override {
    WorkerEnvTest::SetUp();
    saved3_ = ::fcntl(3, F_DUPFD_CLOEXEC, 100);  // whatever fd 3 was, back in TearDown
    int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(l, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (l != 3) {  // fd 3 was free and the socket took it
      ASSERT_EQ(::dup2(l, 3), 3);
      ::close(l);
    }
    Set("LISTEN_FDS", "1");
    Set("LISTEN_FDNAMES", "web");
  }
  void TearDown() override {
    worker.reset();  // closes fd 3
    if (saved3_ >= 0) {
      ::dup2(saved3_, 3);
      ::close(saved3_);
    }
    WorkerEnvTest::TearDown();
  }
  UniqueFd Connect() {
    UniqueFd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    EXPECT_EQ(::connect(c.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return c;
  }
  std::unique_ptr<Worker> worker;
  int saved3_ = -1;
  int port_ = 0;
};

TEST_F(SharedWorkerTest, AcceptsFromTheListeningSocketNamingItAndThePeer) {
  std::string error;
  worker = Worker::Open(&error);
  ASSERT_TRUE(worker) << error;
  EXPECT_FALSE(worker->balanced());
  EXPECT_EQ(worker->listeners(), (std::vector<std::string>{"web"}));
  UniqueFd client = Connect();
  sockaddr_in mine{};
  socklen_t len = sizeof mine;
  ::getsockname(client.get(), reinterpret_cast<sockaddr*>(&mine), &len);
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev && ev->kind == Event::Kind::kConnection);
  EXPECT_EQ(ev->connection.listener, "web");
  EXPECT_EQ(ev->connection.peer.family, "IPv4");
  EXPECT_EQ(ev->connection.peer.address, "127.0.0.1");
  EXPECT_EQ(ev->connection.peer.port, ntohs(mine.sin_port));
  ::close(ev->connection.fd);
  EXPECT_FALSE(worker->Send("{}")) << "no channel in shared mode";
  EXPECT_FALSE(worker->Ready()) << "no NOTIFY_SOCKET";
}

TEST_F(SharedWorkerTest, ReportsOverNotifySocketAndLeavesOnItsSignalAtOnce) {
  std::string path = "/tmp/cohort-worker-test-" + std::to_string(::getpid()) + ".notify";
  UniqueFd notify(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ::unlink(path.c_str());
  ASSERT_EQ(::bind(notify.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  Set("NOTIFY_SOCKET", path);
  worker = Worker::Open();
  ASSERT_TRUE(worker);
  EXPECT_TRUE(worker->Ready());
  EXPECT_TRUE(worker->SetStatus("warm\nignored"));
  char buf[64];
  ssize_t n = ::recv(notify.get(), buf, sizeof buf, MSG_DONTWAIT);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "READY=1");
  n = ::recv(notify.get(), buf, sizeof buf, MSG_DONTWAIT);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "STATUS=warm");
  ASSERT_TRUE(worker->LeaveOnSignal(SIGUSR2));
  ::raise(SIGUSR2);
  std::optional<Event> ev = worker->Next();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, Event::Kind::kLeave);
  EXPECT_EQ(ev->signal, SIGUSR2);
  EXPECT_FALSE(worker->Next());
  ::signal(SIGUSR2, SIG_DFL);
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace cohort
