#include "metrics_server.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "loopback_client_for_test.h"

namespace cohort {
namespace {

TEST(ParseMetricsAddress, LoopbackFormsAndAPortAlone) {
  for (const char* text : {"9209", "127.0.0.1:9209", "127.0.0.2:9209", "localhost:9209", "[::1]:9209"}) {
    auto a = ParseMetricsAddress(text);
    ASSERT_TRUE(a.ok()) << text << ": " << a.status().message();
    EXPECT_EQ(a->spec.port, 9209) << text;
    EXPECT_FALSE(a->is_public);
  }
  EXPECT_EQ(*ParseMetricsAddress("9209")->spec.host, "127.0.0.1");
}

TEST(ParseMetricsAddress, AnotherAddressOnlyWhenTheUserSaysPublic) {
  auto refused = ParseMetricsAddress("0.0.0.0:9209");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("0.0.0.0 is not a loopback address"), std::string::npos);
  EXPECT_NE(refused.status().message().find("write public:0.0.0.0:9209"), std::string::npos);
  auto allowed = ParseMetricsAddress("public:0.0.0.0:9209");
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_TRUE(allowed->is_public);
  for (const char* bad : {"", "unix:/tmp/m.sock", "public:9209x", "example.com:80", "127.0.0.1:99999", ":9209"}) {
    EXPECT_FALSE(ParseMetricsAddress(bad).ok()) << bad;
  }
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop);
    auto addr = ParseMetricsAddress("127.0.0.1:0");
    ASSERT_TRUE(addr.ok());
    auto s = MetricsServer::Open(&loop, *addr, [this] {
      ++renders;
      return std::string("# TYPE up gauge\nup 1\n");
    }, Millis(300));
    ASSERT_TRUE(s.ok()) << s.status().message();
    server = std::move(*s);
    port = std::stoi(server->where().substr(server->where().rfind(':') + 1));
    uv_timer_init(&loop, tick.get());  // UV_RUN_ONCE must not block while the client works
    uv_timer_start(tick.get(), [](uv_timer_t*) {}, 5, 5);
  }
  void TearDown() override {
    server.reset();
    tick.Close();
    uv_run(&loop, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  // Sends `request` from another thread and returns everything the server
  // wrote before closing, while this thread runs the loop.
  std::string Exchange(const std::string& request) {
    std::atomic<bool> done{false};
    std::string got;
    std::thread t([&] {
      got = test::Exchange(port, request);
      done = true;
    });
    while (!done) uv_run(&loop, UV_RUN_ONCE);
    t.join();
    return got;
  }

  uv_loop_t loop;
  std::unique_ptr<MetricsServer> server;
  UvHandle<uv_timer_t> tick;
  int port = 0;
  int renders = 0;
};

TEST_F(MetricsServerTest, GetMetricsAnswersThePrometheusTextAndCloses) {
  std::string r = Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("Content-Length: 21\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close\r\n\r\n# TYPE up gauge\nup 1\n"), std::string::npos) << r;
  EXPECT_EQ(renders, 1);
}

TEST_F(MetricsServerTest, HeadHasTheHeadersOnly) {
  std::string r = Exchange("HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n");
}

TEST_F(MetricsServerTest, OtherPathsMethodsAndGarbageGetTheirErrors) {
  EXPECT_EQ(Exchange("GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  std::string post = Exchange("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_EQ(Exchange("\x16\x03\x01 hello").rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u);
  std::string big = Exchange("GET /metrics HTTP/1.1\r\n" + std::string(9000, 'x'));
  EXPECT_EQ(big.rfind("HTTP/1.1 431 ", 0), 0u) << big.substr(0, 100);
  EXPECT_EQ(renders, 0);
  // Still serving.
  EXPECT_EQ(Exchange("GET /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(MetricsServerTest, AClientThatSendsNothingIsClosedAfterTheTimeout) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Exchange(""), "");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(290));
}

TEST(MetricsServer, ABusyPortIsAnErrorNamingTheAddress) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    auto addr = ParseMetricsAddress("127.0.0.1:0");
    auto first = MetricsServer::Open(&loop, *addr, [] { return std::string(); });
    ASSERT_TRUE(first.ok());
    std::string where = (*first)->where();
    auto again = ParseMetricsAddress(where);
    ASSERT_TRUE(again.ok());
    auto second = MetricsServer::Open(&loop, *again, [] { return std::string(); });
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.status().message().find("--metrics " + where), std::string::npos) << second.status().message();
    EXPECT_NE(second.status().message().find("EADDRINUSE"), std::string::npos) << second.status().message();
  }
  uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace cohort
