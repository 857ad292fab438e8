#include "store/store_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "unique_fd.h"

namespace cohort::store {
namespace {

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class StoreServerTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop); }
  void TearDown() override {
    server.reset();
    uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  // Sends `request` and runs the loop until `n` reply lines came back.
  std::string Roundtrip(const std::string& request, int n) {
    UniqueFd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(server->port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(c.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);  // in progress
    std::string got;
    bool sent = false;
    while (std::count(got.begin(), got.end(), '\n') < n) {
      uv_run(&loop, UV_RUN_NOWAIT);
      if (!sent && ::send(c.get(), request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        sent = true;
      }
      char buf[4096];
      ssize_t k = ::recv(c.get(), buf, sizeof buf, 0);
      if (k > 0) got.append(buf, static_cast<size_t>(k));
    }
    return got;
  }
  uv_loop_t loop;
  Store store{StoreConfig{}, UnixMs};
  std::unique_ptr<StoreServer> server;
};

// The store keeps the loop's cached time plus an offset to the wall clock;
// before the first cron run that offset must already be right, or a TTL set
// then is off by the machine's uptime.
TEST_F(StoreServerTest, TheClockIsUnixTimeFromTheFirstCommand) {
  StoreServerOptions options;
  options.port = 0;
  server = std::make_unique<StoreServer>(&loop, store, options);
  ASSERT_TRUE(server->Start().ok());
  EXPECT_NEAR(static_cast<double>(store.now()), static_cast<double>(UnixMs()), 5000.0);
  EXPECT_EQ(Roundtrip("SET a 1 EX 100\r\nTTL a\r\n", 2), "+OK\r\n:100\r\n");
}

}  // namespace
}  // namespace cohort::store
