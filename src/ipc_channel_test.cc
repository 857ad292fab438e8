#include "ipc_channel.h"

#include "fd_passing.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace cohort {
namespace {

// The worker's side: what Node would write and read.
void PeerSend(int sock, const std::string& bytes, int fd = -1) {
  ASSERT_EQ(SendWithFd(sock, bytes.data(), bytes.size(), fd), static_cast<ssize_t>(bytes.size()));
}

std::string PeerRecv(int sock, int* fd_out) {
  char buf[4096];
  std::vector<int> fds;
  ssize_t n = RecvWithFds(sock, buf, sizeof buf, &fds, MSG_DONTWAIT);
  *fd_out = fds.empty() ? -1 : fds[0];
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

class IpcChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop);
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    ours = sv[0];
    peer.reset(sv[1]);
  }
  void TearDown() override {
    channel.reset();
    uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  void Open(size_t max_line = 1024, size_t max_queued = 1 << 20) {
    IpcChannel::Callbacks cb;
    cb.on_line = [this](std::string_view line, int& fd) {
      lines.emplace_back(line);
      fds.push_back(fd);
      if (take_fds && fd >= 0) {
        taken.emplace_back(fd);
        fd = -1;
      }
    };
    cb.on_oversized = [this](size_t n) { oversized.push_back(n); };
    cb.on_close = [this](const std::string& why) { closed = why; };
    channel = std::make_unique<IpcChannel>(&loop, UniqueFd(ours), cb, max_line, max_queued);
  }
  void Spin() {
    for (int i = 0; i < 5; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  }

  uv_loop_t loop;
  int ours = -1;
  UniqueFd peer;
  std::unique_ptr<IpcChannel> channel;
  std::vector<std::string> lines;
  std::vector<int> fds;
  std::vector<UniqueFd> taken;
  std::vector<size_t> oversized;
  std::string closed;
  bool take_fds = true;
};

TEST_F(IpcChannelTest, DeliversLinesAndTheFdThatCameWithThem) {
  Open();
  UniqueFd ev(::eventfd(0, EFD_CLOEXEC));
  PeerSend(peer.get(), "{\"a\":1}\n{\"cmd\":\"NODE_HANDLE\"}\n", ev.get());
  Spin();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"a\":1}");
  EXPECT_GE(fds[0], 0);  // offered to each line of that read until one takes it
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_NE(::fcntl(taken[0].get(), F_GETFD), -1);
}

TEST_F(IpcChannelTest, AnFdNobodyTakesIsClosed) {
  take_fds = false;
  Open();
  UniqueFd ev(::eventfd(0, EFD_CLOEXEC));
  PeerSend(peer.get(), "{\"x\":1}\n", ev.get());
  Spin();
  ASSERT_EQ(fds.size(), 1u);
  int received = fds[0];
  ASSERT_GE(received, 0);
  EXPECT_EQ(::fcntl(received, F_GETFD), -1);  // closed by the channel
}

TEST_F(IpcChannelTest, SendsEachFdCarryingLineWholeWithItsFd) {
  Open();
  UniqueFd a(::eventfd(0, EFD_CLOEXEC)), b(::eventfd(0, EFD_CLOEXEC));
  ASSERT_TRUE(channel->Send("first\n", a.get()).ok());
  ASSERT_TRUE(channel->Send("second\n", b.get()).ok());
  ASSERT_TRUE(channel->Send("plain\n").ok());
  int fd = -1;
  // Linux never merges two fd-carrying segments into one read: one line, one fd each.
  EXPECT_EQ(PeerRecv(peer.get(), &fd), "first\n");
  EXPECT_GE(fd, 0);
  UniqueFd got1(fd);
  EXPECT_EQ(PeerRecv(peer.get(), &fd).substr(0, 7), "second\n");
  EXPECT_GE(fd, 0);
  UniqueFd got2(fd);
}

TEST_F(IpcChannelTest, OversizedLineIsReportedAndTheNextLineStillArrives) {
  Open(/*max_line=*/16);
  PeerSend(peer.get(), std::string(100, 'x') + "\n{\"ok\":true}\n");
  Spin();
  EXPECT_EQ(oversized.size(), 1u);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "{\"ok\":true}");
}

TEST_F(IpcChannelTest, PeerHangupClosesOnceWithAReason) {
  Open();
  PeerSend(peer.get(), "last words\n");
  peer.reset();
  Spin();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "last words");
  EXPECT_NE(closed.find("closed the channel"), std::string::npos);
  EXPECT_FALSE(channel->open());
  EXPECT_FALSE(channel->Send("x\n").ok());
}

TEST_F(IpcChannelTest, QueueIsBoundedWhenThePeerDoesNotRead) {
  Open(1024, /*max_queued=*/64 * 1024);
  std::string chunk(16 * 1024, 'y');
  chunk.push_back('\n');
  int sent = 0;
  Status last;
  for (int i = 0; i < 10000 && (last = channel->Send(chunk)).ok(); ++i) ++sent;
  EXPECT_FALSE(last.ok());
  EXPECT_NE(last.message().find("not reading"), std::string::npos);
  EXPECT_LE(channel->queued_bytes(), 64u * 1024);
  EXPECT_GT(sent, 0);
}

}  // namespace
}  // namespace cohort
