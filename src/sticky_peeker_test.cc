// Real loopback sockets on a real libuv loop: bytes arrive in pieces, slow
// clients time out, PROXY headers are taken off the stream.
#include "sticky_peeker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cohort {
namespace {

class StickyPeekerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    listen_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listen_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(listen_.get(), 16), 0);
    socklen_t len = sizeof addr_;
    ::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&addr_), &len);
  }
  void TearDown() override {
    peeker_.reset();
    uv_run(&loop_, UV_RUN_NOWAIT);
    uv_loop_close(&loop_);
  }

  void Make(const char* spec, const char* trusted = nullptr, Millis timeout = Millis(5000)) {
    StickyPeeker::Options o;
    o.spec = *ParseStickySpec(spec);
    if (trusted) o.trusted = *AddressSet::Parse(trusted);
    o.timeout = timeout;
    o.max_bytes = 512;
    peeker_ = std::make_unique<StickyPeeker>(&loop_, o, [this](UniqueFd fd, std::string key) {
      decided_.push_back({std::move(fd), std::move(key)});
    });
  }

  // A connected client and the server side of it, handed to the peeker.
  UniqueFd Connect() {
    UniqueFd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_EQ(::connect(c.get(), reinterpret_cast<sockaddr*>(&addr_), sizeof addr_), 0);
    peeker_->Add(UniqueFd(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC)));
    return c;
  }
  void Send(const UniqueFd& c, std::string_view bytes) {
    ASSERT_EQ(::send(c.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // Runs the loop until `n` connections were handed on.
  void RunUntil(size_t n) {
    while (decided_.size() < n) uv_run(&loop_, UV_RUN_ONCE);
  }
  std::string ReadAll(int fd) {
    std::string out;
    char buf[1024];
    ssize_t r;
    while ((r = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) out.append(buf, r);
    return out;
  }

  uv_loop_t loop_;
  UniqueFd listen_;
  sockaddr_in addr_{};
  std::unique_ptr<StickyPeeker> peeker_;
  std::vector<std::pair<UniqueFd, std::string>> decided_;
};

TEST_F(StickyPeekerTest, IpModeNeedsNoBytes) {
  Make("ip");
  UniqueFd c = Connect();
  RunUntil(1);
  EXPECT_EQ(decided_[0].second, "127.0.0.1");
}

TEST_F(StickyPeekerTest, HeaderArrivingInPiecesIsFoundAndTheBytesStay) {
  Make("header:X-User");
  UniqueFd c = Connect();
  Send(c, "GET / HTTP/1.1\r\nHo");
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(decided_.empty());
  EXPECT_EQ(peeker_->waiting(), 1u);
  Send(c, "st: a\r\nX-User: carol\r\n\r\n");
  RunUntil(1);
  EXPECT_EQ(decided_[0].second, "carol");
  EXPECT_EQ(ReadAll(decided_[0].first.get()), "GET / HTTP/1.1\r\nHost: a\r\nX-User: carol\r\n\r\n");
  EXPECT_EQ(peeker_->waiting(), 0u);
}

TEST_F(StickyPeekerTest, ASilentClientTimesOutWithoutAKeyAndDelaysNobody) {
  Make("cookie:sid", nullptr, Millis(100));
  UniqueFd silent = Connect();
  UniqueFd talker = Connect();
  Send(talker, "GET / HTTP/1.1\r\nCookie: sid=9\r\n\r\n");
  RunUntil(1);
  EXPECT_EQ(decided_[0].second, "9") << "the talker went first";
  RunUntil(2);
  EXPECT_EQ(decided_[1].second, "");
  EXPECT_EQ(peeker_->stats().timed_out, 1u);
  EXPECT_EQ(peeker_->stats().keyed, 1u);
}

TEST_F(StickyPeekerTest, GarbageAndClosedClientsGoOnWithoutAKey) {
  Make("query:sid");
  UniqueFd garbage = Connect();
  Send(garbage, std::string("\x16\x03\x01\x00\xa5", 5));
  UniqueFd closed = Connect();
  closed.reset();
  RunUntil(2);
  EXPECT_EQ(decided_[0].second, "");
  EXPECT_EQ(decided_[1].second, "");
}

TEST_F(StickyPeekerTest, AHeadLongerThanTheBoundGoesOnWithoutAKey) {
  Make("header:X-User");
  UniqueFd c = Connect();
  Send(c, "GET / HTTP/1.1\r\nX-Pad: " + std::string(600, 'p') + "\r\n");
  RunUntil(1);
  EXPECT_EQ(decided_[0].second, "");
}

TEST_F(StickyPeekerTest, HalfCloseWithAnIncompleteHeadDoesNotWaitForTheTimeout) {
  Make("header:X-User", nullptr, Millis(60000));
  UniqueFd c = Connect();
  Send(c, "GET / HTTP/1.1\r\n");
  uv_run(&loop_, UV_RUN_NOWAIT);
  ::shutdown(c.get(), SHUT_WR);
  RunUntil(1);
  EXPECT_EQ(decided_[0].second, "");
}

TEST_F(StickyPeekerTest, TrustedProxyHeaderNamesTheClientAndIsRemoved) {
  Make("ip", "127.0.0.1");
  UniqueFd c = Connect();
  Send(c, "PROXY TCP4 198.51.100.7 127.0.0.1 5000 80\r\nGET / HTTP/1.1\r\n\r\n");
  RunUntil(1);
  EXPECT_EQ(decided_[0].second, "198.51.100.7");
  EXPECT_EQ(ReadAll(decided_[0].first.get()), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(peeker_->stats().proxied, 1u);
}

TEST_F(StickyPeekerTest, TrustedProxyForwardedForNamesTheClient) {
  Make("ip", "loopback");
  UniqueFd c = Connect();
  Send(c, "GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.5\r\n\r\n");
  UniqueFd plain = Connect();
  Send(plain, "GET / HTTP/1.1\r\n\r\n");
  RunUntil(2);
  EXPECT_EQ(decided_[0].second, "203.0.113.5");
  EXPECT_EQ(decided_[1].second, "127.0.0.1") << "no header: the peer itself";
}

TEST_F(StickyPeekerTest, UntrustedPeersCannotClaimAnotherAddress) {
  Make("ip", "10.0.0.0/8");
  UniqueFd c = Connect();
  Send(c, "PROXY TCP4 198.51.100.7 127.0.0.1 5000 80\r\nGET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n");
  RunUntil(1);
  EXPECT_EQ(decided_[0].second, "127.0.0.1");
  EXPECT_EQ(peeker_->stats().proxied, 0u);
  EXPECT_EQ(ReadAll(decided_[0].first.get()).substr(0, 6), "PROXY ") << "untouched";
}

}  // namespace
}  // namespace cohort
