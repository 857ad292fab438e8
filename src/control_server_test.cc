#include "control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cohort_home.h"
#include "control_client.h"

namespace cohort {
namespace {

using nlohmann::json;

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop);
    char tmpl[] = "/tmp/cohort-ctl-XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/app.sock";
  }
  void TearDown() override {
    server.reset();
    uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
    std::filesystem::remove_all(dir);
  }
  void Start(ControlServer::Handler handler) {
    auto s = ControlServer::Listen(&loop, path, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.status().message();
    server = std::move(*s);
  }
  // Runs `call` on a thread while this thread runs the loop until it returns.
  template <typename F>
  auto WhileServing(F call) {
    std::atomic<bool> done{false};
    decltype(call()) result = Status::Error("not run");
    std::thread t([&] {
      result = call();
      done = true;
    });
    while (!done) uv_run(&loop, UV_RUN_ONCE);
    t.join();
    return result;
  }

  uv_loop_t loop;
  std::string dir, path;
  std::unique_ptr<ControlServer> server;
};

// Keeps the loop from blocking forever in UV_RUN_ONCE while the client thread works.
struct Ticker {
  explicit Ticker(uv_loop_t* loop) {
    uv_timer_init(loop, t.get());
    uv_timer_start(t.get(), [](uv_timer_t*) {}, 5, 5);
  }
  UvHandle<uv_timer_t> t;
};

TEST_F(ControlServerTest, AnswersARequest) {
  Start([](const json& req, ControlServer::Reply reply) { reply({{"ok", true}, {"echo", req["cmd"]}}); });
  Ticker tick(&loop);
  Result<json> r = WhileServing([&] { return ControlCall(path, {{"cmd", "ping"}}, 5000); });
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)["echo"], "ping");
}

TEST_F(ControlServerTest, ALaterReplyArrivesWhenTheHandlerIsDone) {
  UvHandle<uv_timer_t> later;
  uv_timer_init(&loop, later.get());
  ControlServer::Reply pending;
  Start([&](const json&, ControlServer::Reply reply) {
    pending = std::move(reply);
    later->data = &pending;
    uv_timer_start(later.get(), [](uv_timer_t* t) {
      (*static_cast<ControlServer::Reply*>(t->data))({{"ok", true}, {"late", true}});
    }, 50, 0);
  });
  Ticker tick(&loop);
  Result<json> r = WhileServing([&] { return ControlCall(path, {{"cmd", "reload"}}, 5000); });
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)["late"], true);
}

// Writes `bytes` to the socket at `path` and reads until `replies` lines came back.
Result<std::string> RawExchange(const std::string& path, const std::string& bytes, long replies) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Status::FromErrno("connect");
  if (::send(fd.get(), bytes.data(), bytes.size(), 0) < 0) return Status::FromErrno("send");
  std::string got;
  char buf[4096];
  while (std::count(got.begin(), got.end(), '\n') < replies) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

TEST_F(ControlServerTest, MalformedRequestGetsAnErrorAndTheConnectionStaysUsable) {
  Start([](const json&, ControlServer::Reply reply) { reply({{"ok", true}}); });
  Ticker tick(&loop);
  std::string answers = WhileServing([&] { return RawExchange(path, "{oops\n{\"cmd\":\"ping\"}\n", 2); }).value();
  size_t nl = answers.find('\n');
  ASSERT_NE(nl, std::string::npos);
  json first = json::parse(answers.substr(0, nl));
  json second = json::parse(answers.substr(nl + 1));
  EXPECT_EQ(first["ok"], false);
  EXPECT_NE(first["error"].get<std::string>().find("malformed"), std::string::npos);
  EXPECT_EQ(second["ok"], true);
}

TEST_F(ControlServerTest, ARequestNestedTooDeepIsRefusedAndTheConnectionStaysUsable) {
  bool handled_deep = false;
  Start([&](const json& req, ControlServer::Reply reply) {
    if (req.contains("data")) handled_deep = true;
    reply({{"ok", true}});
  });
  Ticker tick(&loop);
  std::string deep = R"({"cmd":"send","data":)" + std::string(100000, '[') + std::string(100000, ']') + "}\n";
  std::string answers = WhileServing([&] { return RawExchange(path, deep + "{\"cmd\":\"ping\"}\n", 2); }).value();
  size_t nl = answers.find('\n');
  ASSERT_NE(nl, std::string::npos) << answers;
  json first = json::parse(answers.substr(0, nl));
  EXPECT_EQ(first["ok"], false);
  EXPECT_NE(first["error"].get<std::string>().find("nested deeper than 512 levels"), std::string::npos) << first;
  EXPECT_EQ(json::parse(answers.substr(nl + 1))["ok"], true);
  EXPECT_FALSE(handled_deep);
}

TEST_F(ControlServerTest, ASecondServerOnALivePathIsRefused) {
  Start([](const json&, ControlServer::Reply reply) { reply({{"ok", true}}); });
  auto second = ControlServer::Listen(&loop, path, [](const json&, ControlServer::Reply) {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("already running"), std::string::npos);
}

TEST_F(ControlServerTest, AStaleSocketFileIsReplaced) {
  {
    UniqueFd stale(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    ASSERT_EQ(::bind(stale.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }  // closed without unlinking: like a primary that was SIGKILLed
  Start([](const json&, ControlServer::Reply reply) { reply({{"ok", true}}); });
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);  // owner only
}

TEST_F(ControlServerTest, ClientGoneBeforeTheReplyIsHarmless) {
  ControlServer::Reply kept;
  Start([&](const json&, ControlServer::Reply reply) { kept = std::move(reply); });
  Ticker tick(&loop);
  Result<json> r = WhileServing([&] { return ControlCall(path, {{"cmd", "reload"}}, 100); });
  EXPECT_FALSE(r.ok());  // timed out and hung up
  for (int i = 0; i < 5; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  ASSERT_TRUE(kept);
  kept({{"ok", true}});  // must not crash or write to a freed connection
  server.reset();
  kept({{"ok", true}});  // even after the server is gone
}

TEST_F(ControlServerTest, SocketIsUnlinkedWhenTheServerGoes) {
  Start([](const json&, ControlServer::Reply) {});
  server.reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(ControlServerTest, APeerOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to connect as another uid";
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  Start([](const json&, ControlServer::Reply reply) { reply({{"ok", true}, {"secret", 42}}); });
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);  // only SO_PEERCRED stands in the way now
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    Result<json> r = ControlCall(path, {{"cmd", "ping"}}, 5000);
    std::string out = r.ok() ? r->dump() : "ERR " + r.status().message();
    ssize_t ignored = ::write(pipe_fds[1], out.data(), out.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  Ticker tick(&loop);
  int status = 0;
  while (::waitpid(child, &status, WNOHANG) == 0) uv_run(&loop, UV_RUN_ONCE);
  char buf[512] = {};
  ssize_t n = ::read(pipe_fds[0], buf, sizeof buf - 1);
  ::close(pipe_fds[0]);
  ASSERT_GT(n, 0);
  std::string got(buf, static_cast<size_t>(n));
  EXPECT_NE(got.find("permission denied"), std::string::npos) << got;
  EXPECT_EQ(got.find("secret"), std::string::npos) << got;
}

TEST(CohortHome, CreatesAPrivateDirectoryAndTightensAnOpenOne) {
  char tmpl[] = "/tmp/cohort-home-XXXXXX";
  std::string base = ::mkdtemp(tmpl);
  std::string home = base + "/h";
  ::setenv("COHORT_HOME", home.c_str(), 1);
  Result<std::string> h = CohortHome();
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(*h, home);
  struct stat st;
  ASSERT_EQ(::stat(home.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ::chmod(home.c_str(), 0755);
  ASSERT_TRUE(CohortHome().ok());
  ::stat(home.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_TRUE(EnsureRunDir(home).ok());
  ::unsetenv("COHORT_HOME");
  std::filesystem::remove_all(base);
}

TEST(CohortHome, RefusesASharedDirectoryAndLeavesItsModeAlone) {
  char tmpl[] = "/tmp/cohort-home-XXXXXX";
  std::string home = ::mkdtemp(tmpl);
  ::chmod(home.c_str(), 01777);  // as /tmp
  ::setenv("COHORT_HOME", home.c_str(), 1);
  Result<std::string> h = CohortHome();
  ::unsetenv("COHORT_HOME");
  struct stat st;
  ::stat(home.c_str(), &st);
  std::filesystem::remove_all(home);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find(home + " is shared with other users (mode 1777)"), std::string::npos)
      << h.status().message();
  EXPECT_EQ(st.st_mode & 07777, 01777u);
}

TEST(CohortHome, RefusesADirectoryOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a directory owned by another uid";
  char tmpl[] = "/tmp/cohort-home-XXXXXX";
  std::string home = ::mkdtemp(tmpl);
  ASSERT_EQ(::chown(home.c_str(), 65534, 65534), 0);
  ::setenv("COHORT_HOME", home.c_str(), 1);
  Result<std::string> h = CohortHome();
  ::unsetenv("COHORT_HOME");
  std::filesystem::remove_all(home);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("not to you"), std::string::npos);
}

TEST(AppSocketPath, ValidatesNamesAndLength) {
  EXPECT_TRUE(AppSocketPath("/tmp/h", "web-1.api_v2").ok());
  for (const char* bad : {"", ".hidden", "-x", "a/b", "sp ace", "x\n"}) {
    auto r = AppSocketPath("/tmp/h", bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FALSE(AppSocketPath("/tmp/h", std::string(65, 'a')).ok());
  auto long_home = AppSocketPath("/tmp/" + std::string(100, 'h'), "web");
  ASSERT_FALSE(long_home.ok());
  EXPECT_NE(long_home.status().message().find("shorter COHORT_HOME"), std::string::npos);
}

}  // namespace
}  // namespace cohort
