// HttpServer against real sockets on loopback: the loop runs on the test's
// thread, clients on another (blocking sockets with receive timeouts).
#include "http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "loopback_client_for_test.h"
#include "unique_fd.h"

namespace cohort {
namespace {

using test::Connect;
using test::Exchange;
using test::ReadToEnd;
using test::SendAll;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop);
    uv_timer_init(&loop, ticker.get());  // keeps UV_RUN_ONCE from blocking while a client works
    uv_timer_start(ticker.get(), [](uv_timer_t*) {}, 5, 5);
  }
  void TearDown() override {
    server.reset();
    ticker.Close();
    uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  void Start(HttpServer::Options options = {}) {
    auto s = HttpServer::Listen(&loop, *ParseTcpListenAddress("127.0.0.1:0", "--health"), "--health 127.0.0.1:0",
                                [this](const HttpRequest& r) {
      ++handled;
      return PlainResponse(200, r.method + " " + r.path() + "\n");
    }, options);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server = std::move(*s);
  }
  // Runs `client` on a thread while this thread runs the loop until it returns.
  template <typename F>
  void WhileServing(F client) {
    std::atomic<bool> done{false};
    std::thread t([&] {
      client();
      done = true;
    });
    while (!done) uv_run(&loop, UV_RUN_ONCE);
    t.join();
  }

  uv_loop_t loop;
  UvHandle<uv_timer_t> ticker;
  std::unique_ptr<HttpServer> server;
  int handled = 0;
};

TEST_F(HttpServerTest, AnswersARequestAndCloses) {
  Start();
  std::string reply;
  WhileServing([&] { reply = Exchange(server->port(), "GET /health?x=1 HTTP/1.0\r\n\r\n"); });
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\nGET /health\n")) << reply;
  EXPECT_EQ(server->answered(), 1u);
  EXPECT_EQ(server->address(), "127.0.0.1:" + std::to_string(server->port()));
}

TEST_F(HttpServerTest, HeadGetsTheHeadersOnly) {
  Start();
  std::string reply;
  WhileServing([&] { reply = Exchange(server->port(), "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_TRUE(reply.find("Content-Length: 13\r\n") != std::string::npos) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;
}

TEST_F(HttpServerTest, GarbageGets400AndOthersAreServedAsBefore) {
  Start();
  std::string bad, good;
  WhileServing([&] {
    bad = Exchange(server->port(), std::string("\x16\x03\x01\x00\xa5\x01\x00", 7));
    good = Exchange(server->port(), "GET /health HTTP/1.1\r\n\r\n");
  });
  EXPECT_TRUE(bad.starts_with("HTTP/1.1 400 Bad Request\r\n")) << bad;
  EXPECT_TRUE(good.starts_with("HTTP/1.1 200 OK\r\n")) << good;
  EXPECT_EQ(handled, 1);
}

TEST_F(HttpServerTest, AHeadOverTheLimitGets431WithoutReachingTheHandler) {
  HttpServer::Options o;
  o.max_head = 256;
  Start(o);
  std::string reply;
  WhileServing([&] {
    reply = Exchange(server->port(), "GET / HTTP/1.1\r\nX-Pad: " + std::string(100000, 'a') + "\r\n\r\n");
  });
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 431 ")) << reply.substr(0, 100);
  EXPECT_EQ(handled, 0);
}

TEST_F(HttpServerTest, AClientThatNeverFinishesItsHeadGets408WhileOthersAreServed) {
  HttpServer::Options o;
  o.head_timeout = Millis(300);
  Start(o);
  std::string slow, fast;
  WhileServing([&] {
    UniqueFd s = Connect(server->port());
    SendAll(s.get(), "GET /health HTTP/1.1\r\nHost:");
    fast = Exchange(server->port(), "GET /other HTTP/1.1\r\n\r\n");
    slow = ReadToEnd(s.get());
  });
  EXPECT_TRUE(fast.ends_with("GET /other\n")) << fast;
  EXPECT_TRUE(slow.starts_with("HTTP/1.1 408 ")) << slow;
  EXPECT_EQ(server->connections(), 0u);
}

TEST_F(HttpServerTest, AClientThatSendsNothingIsClosedUnansweredAfterTheTimeout) {
  HttpServer::Options o;
  o.head_timeout = Millis(300);
  Start(o);
  std::string reply = "not read";
  auto start = std::chrono::steady_clock::now();
  WhileServing([&] {
    UniqueFd s = Connect(server->port());
    reply = ReadToEnd(s.get());
  });
  EXPECT_EQ(reply, "");
  EXPECT_GE(std::chrono::steady_clock::now() - start, Millis(290));
}

TEST_F(HttpServerTest, BeyondMaxConnectionsNewOnesAreClosedUnanswered) {
  HttpServer::Options o;
  o.max_connections = 1;
  Start(o);
  std::string refused, served;
  WhileServing([&] {
    UniqueFd idle = Connect(server->port());
    // The idle one holds the only place until it sends its request.
    refused = Exchange(server->port(), "GET /a HTTP/1.1\r\n\r\n");
    SendAll(idle.get(), "GET /b HTTP/1.1\r\n\r\n");
    served = ReadToEnd(idle.get());
  });
  EXPECT_EQ(refused, "");
  EXPECT_TRUE(served.ends_with("GET /b\n")) << served;
}

TEST_F(HttpServerTest, ABusyPortIsAnErrorNamingTheAddress) {
  Start();
  std::string taken = "127.0.0.1:" + std::to_string(server->port());
  auto second = HttpServer::Listen(&loop, *ParseTcpListenAddress(taken, "--health"), "--health " + taken,
                                   [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message().find("--health " + taken + ": cannot listen on " + taken), 0u)
      << second.status().message();
  EXPECT_EQ(second.status().sys_errno(), EADDRINUSE);
}

TEST(ParseTcpListenAddress, RefusesUnixAndNamesTheOption) {
  auto unix_path = ParseTcpListenAddress("unix:/tmp/x.sock", "--health");
  ASSERT_FALSE(unix_path.ok());
  EXPECT_NE(unix_path.status().message().find("--health unix:/tmp/x.sock: must be a TCP address"), std::string::npos);
  auto bad = ParseTcpListenAddress("localhost:9000", "--health");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--health localhost:9000"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace cohort
