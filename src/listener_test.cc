#include "listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <vector>

namespace cohort {
namespace {

class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop); }
  void TearDown() override {
    listener.reset();
    uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  void Open(AcceptPacer::Options pacing = AcceptPacer::Options()) {
    ListenSpec spec;
    spec.host = "127.0.0.1";
    Result<UniqueFd> fd = BindListener(spec);
    ASSERT_TRUE(fd.ok()) << fd.status().message();
    port = SocknameJson(fd->get())["port"].get<int>();
    Listener::Callbacks cb;
    cb.has_room = [this] { return room; };
    cb.on_accept = [this](UniqueFd c) {
      accepted.push_back(std::move(c));
      batch_of.push_back(batches);
    };
    cb.before_batch = [this] { ++batches; };
    listener = std::make_unique<Listener>(&loop, spec, std::move(*fd), cb, pacing);
  }
  void Connect(int n) {
    for (int i = 0; i < n; ++i) {
      UniqueFd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(::connect(c.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
      clients.push_back(std::move(c));
    }
  }
  // Waits until the kernel has queued `n` connections for accept (on a busy
  // machine the handshake's last ACK can be processed after connect()
  // returns). For a listening socket, TCP_INFO's unacked is that queue.
  void WaitQueued(uint32_t n) {
    for (int i = 0; i < 1000000; ++i) {
      tcp_info info{};
      socklen_t len = sizeof info;
      ASSERT_EQ(::getsockopt(listener->fd(), IPPROTO_TCP, TCP_INFO, &info, &len), 0);
      if (info.tcpi_unacked >= n) return;
      ::sched_yield();
    }
    FAIL() << "the kernel never queued " << n << " connections";
  }
  // Runs the loop (waiting for events, timers included) until `n` were accepted.
  void RunUntilAccepted(size_t n) {
    while (accepted.size() < n) ASSERT_NE(uv_run(&loop, UV_RUN_ONCE), 0) << "the loop ran dry";
  }

  // Runs the loop for `d` (a timer of the test's own ends it, so the loop
  // cannot block for good once the listener stops ticking).
  void RunFor(Millis d) {
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    bool done = false;
    t.data = &done;
    uv_timer_start(&t, [](uv_timer_t* h) { *static_cast<bool*>(h->data) = true; }, static_cast<uint64_t>(d.count()), 0);
    while (!done) uv_run(&loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&t), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
  }

  uv_loop_t loop;
  int port = 0;
  std::vector<int> batch_of;  // per accepted connection: the batch that took it
  bool room = true;
  int batches = 0;
  std::unique_ptr<Listener> listener;
  std::vector<UniqueFd> clients, accepted;
};

TEST_F(ListenerTest, AcceptsWhatArrivesOnceResumed) {
  Open();
  Connect(3);
  uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_TRUE(accepted.empty()) << "a listener starts paused";
  listener->Resume();
  RunUntilAccepted(3);
  EXPECT_EQ(listener->accepted(), 3u);
  EXPECT_GE(batches, 1);
}

TEST_F(ListenerTest, NoRoomPausesAndLeavesConnectionsInTheBacklog) {
  Open();
  listener->Resume();
  room = false;
  Connect(2);
  for (int i = 0; i < 3; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_TRUE(accepted.empty());
  room = true;
  listener->Resume();
  RunUntilAccepted(2);
}

TEST_F(ListenerTest, UnderAFastRateAcceptsOnATickAndGoesBackWhenItQuietens) {
  // Switch to ticking at the first event that accepts anything. The tick is
  // long for the test: libuv's UV_RUN_ONCE runs due timers again after the
  // I/O callbacks, so a 1 ms tick could come (and, finding nothing, end the
  // ticking) in the very iteration that accepted, on a slow or loaded machine.
  Open(AcceptPacer::Options{.tick = Millis(50), .enter_events = 1, .leave_below = 2});
  listener->Resume();
  Connect(1);
  RunUntilAccepted(1);
  ASSERT_TRUE(listener->ticking());
  // Connections that arrive meanwhile wait for the tick, then go in one batch.
  Connect(5);
  WaitQueued(5);
  RunUntilAccepted(6);
  for (size_t i = 2; i < 6; ++i) EXPECT_EQ(batch_of[i], batch_of[1]) << "the five came in one tick";
  EXPECT_GT(batch_of[1], batch_of[0]);
  // Ticks that find nothing return it to accepting on events.
  RunFor(Millis(200));
  EXPECT_FALSE(listener->ticking());
  Connect(1);
  RunUntilAccepted(7);
}

TEST_F(ListenerTest, PausingWhileTickingStopsTheTick) {
  Open(AcceptPacer::Options{.tick = Millis(50), .enter_events = 1, .leave_below = 1});
  listener->Resume();
  Connect(1);
  RunUntilAccepted(1);
  ASSERT_TRUE(listener->ticking());
  listener->Pause();
  EXPECT_FALSE(listener->ticking());
  // Nothing keeps the loop alive now: no poll, no timer.
  EXPECT_EQ(uv_run(&loop, UV_RUN_NOWAIT), 0);
  Connect(1);
  listener->Resume();
  RunUntilAccepted(2);
}

}  // namespace
}  // namespace cohort
