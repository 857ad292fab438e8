#include "notify_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(ParseNotifyMessage, KeyValueLines) {
  auto f = ParseNotifyMessage("READY=1\nSTATUS=warming up: 50%\n\nbogus\n=x\nWATCHDOG=1");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"READY", "1"}));
  EXPECT_EQ(f[1], (std::pair<std::string, std::string>{"STATUS", "warming up: 50%"}));
  EXPECT_EQ(f[2], (std::pair<std::string, std::string>{"WATCHDOG", "1"}));
}

TEST(NotifySocket, ReceivesDatagramsWithTheSendersPid) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::string path = "/tmp/cohort-notify-test-" + std::to_string(getpid());
  pid_t got_pid = 0;
  NotifyFields got;
  {
    auto s = NotifySocket::Open(&loop, path, [&](pid_t pid, const NotifyFields& f) {
      got_pid = pid;
      got = f;
      uv_stop(&loop);
    });
    ASSERT_TRUE(s.ok()) << s.status().message();
    // What sd_notify(0, "READY=1") does.
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    const char msg[] = "READY=1\nSTATUS=serving";
    ASSERT_EQ(::sendto(fd, msg, sizeof msg - 1, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
              static_cast<ssize_t>(sizeof msg - 1));
    ::close(fd);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  EXPECT_EQ(got_pid, getpid());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].second, "serving");
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // unlinked on destruction
}

TEST(SendNotify, ReachesANotifySocketAsSdNotifyWould) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::string path = "/tmp/cohort-notify-send-" + std::to_string(getpid());
  NotifyFields got;
  {
    auto s = NotifySocket::Open(&loop, path, [&](pid_t, const NotifyFields& f) {
      got = f;
      uv_stop(&loop);
    });
    ASSERT_TRUE(s.ok()) << s.status().message();
    ASSERT_TRUE(SendNotify(path, "READY=1\nSTATUS=daemon up").ok());
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (std::pair<std::string, std::string>{"READY", "1"}));
  EXPECT_FALSE(SendNotify("relative/path", "READY=1").ok());
  EXPECT_FALSE(SendNotify(path, "READY=1").ok()) << "nobody listens there any more";
}

}  // namespace
}  // namespace cohort
