#include "lazy_reply_reader.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fd_passing.h"

namespace cohort {
namespace {

class LazyReplyReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop);
    reader = std::make_unique<LazyReplyReader>(&loop, Millis(2));
    for (int i = 0; i < 2; ++i) {
      int sv[2];
      ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
      peers[i].reset(sv[1]);
      IpcChannel::Callbacks cb;
      cb.on_line = [this, i](std::string_view line, int&) { lines[i].emplace_back(line); };
      channels[i] = std::make_unique<IpcChannel>(&loop, UniqueFd(sv[0]), cb);
    }
  }
  void TearDown() override {
    reader.reset();
    for (auto& c : channels) c.reset();
    uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  void PeerWrite(int i, const std::string& s) {
    ASSERT_EQ(SendWithFd(peers[i].get(), s.data(), s.size(), -1), static_cast<ssize_t>(s.size()));
  }
  void Spin() {
    for (int i = 0; i < 3; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  }

  uv_loop_t loop;
  std::unique_ptr<LazyReplyReader> reader;
  std::unique_ptr<IpcChannel> channels[2];
  UniqueFd peers[2];
  std::vector<std::string> lines[2];
};

TEST_F(LazyReplyReaderTest, AChannelThatWasHandedAConnectionDoesNotWakeTheLoop) {
  reader->Handed(channels[0].get());
  PeerWrite(0, "{\"cmd\":\"NODE_HANDLE_ACK\"}\n");
  PeerWrite(1, "{\"other\":1}\n");
  Spin();
  EXPECT_TRUE(lines[0].empty());
  EXPECT_EQ(lines[1].size(), 1u) << "channels without handoffs are polled as usual";
  reader->Collect();
  ASSERT_EQ(lines[0].size(), 1u);
  EXPECT_EQ(lines[0][0], "{\"cmd\":\"NODE_HANDLE_ACK\"}");
  EXPECT_EQ(reader->lazy_channels(), 1u) << "Collect reads; it does not re-arm";
}

TEST_F(LazyReplyReaderTest, PollingComesBackWhenNoHandoffWentOutForTheQuietPeriod) {
  reader->Handed(channels[0].get());
  reader->Handed(channels[1].get());
  PeerWrite(0, "a\n");
  // Wait for the quiet timer (an event, not a sleep): it reads what is there.
  while (lines[0].empty()) ASSERT_NE(uv_run(&loop, UV_RUN_ONCE), 0);
  EXPECT_EQ(reader->lazy_channels(), 0u);
  // Polled again: a later line arrives without Collect.
  PeerWrite(1, "b\n");
  while (lines[1].empty()) ASSERT_NE(uv_run(&loop, UV_RUN_ONCE), 0);
}

TEST_F(LazyReplyReaderTest, AForgottenChannelIsNeverTouchedAgain) {
  reader->Handed(channels[0].get());
  reader->Handed(channels[1].get());
  reader->Forget(channels[0].get());
  channels[0].reset();  // ASan would catch a later use
  PeerWrite(1, "x\n");
  reader->Collect();
  EXPECT_EQ(lines[1].size(), 1u);
  while (reader->lazy_channels() > 0) ASSERT_NE(uv_run(&loop, UV_RUN_ONCE), 0);
}

}  // namespace
}  // namespace cohort
