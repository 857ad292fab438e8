#include "proxy_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace cohort {
namespace {

using Outcome = ProxyHeader::Outcome;

std::string V2(uint8_t ver_cmd, uint8_t fam, std::string addrs) {
  std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
  h += static_cast<char>(ver_cmd);
  h += static_cast<char>(fam);
  h += static_cast<char>(addrs.size() >> 8);
  h += static_cast<char>(addrs.size() & 0xff);
  return h + addrs;
}

TEST(ProxyProtocol, V1Tcp4GivesTheSourceAndLength) {
  std::string h = "PROXY TCP4 192.0.2.7 10.0.0.1 56324 443\r\n";
  ProxyHeader p = ParseProxyHeader(h + "GET / HTTP/1.1\r\n");
  ASSERT_EQ(p.outcome, Outcome::kOk);
  EXPECT_EQ(p.length, h.size());
  EXPECT_EQ(p.source->ToString(), "192.0.2.7");
}

TEST(ProxyProtocol, V1Tcp6AndUnknown) {
  ProxyHeader p = ParseProxyHeader("PROXY TCP6 2001:db8::5 2001:db8::1 1 2\r\nx");
  ASSERT_EQ(p.outcome, Outcome::kOk);
  EXPECT_EQ(p.source->ToString(), "2001:db8::5");
  ProxyHeader u = ParseProxyHeader("PROXY UNKNOWN\r\n");
  ASSERT_EQ(u.outcome, Outcome::kOk);
  EXPECT_EQ(u.length, 15u);
  EXPECT_FALSE(u.source);
}

TEST(ProxyProtocol, PrefixesNeedMoreAndEveryShorterCutDoes) {
  std::string h = "PROXY TCP4 192.0.2.7 10.0.0.1 56324 443\r\n";
  for (size_t n = 0; n < h.size(); ++n) {
    EXPECT_EQ(ParseProxyHeader(h.substr(0, n)).outcome, Outcome::kNeedMore) << n;
  }
  std::string v2 = V2(0x21, 0x11, std::string("\xc0\x00\x02\x07\x0a\x00\x00\x01\x00\x50\x01\xbb", 12));
  for (size_t n = 0; n < v2.size(); ++n) {
    EXPECT_EQ(ParseProxyHeader(v2.substr(0, n)).outcome, Outcome::kNeedMore) << n;
  }
}

TEST(ProxyProtocol, V1Malformed) {
  for (const char* bad : {"PROXY TCP4 192.0.2.7 10.0.0.1 56324\r\n", "PROXY TCP4 ::1 10.0.0.1 1 2\r\n",
                          "PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n",
                          "PROXY TCP4 1.2.3.4 1.2.3.4 x 2\r\n"}) {
    EXPECT_EQ(ParseProxyHeader(bad).outcome, Outcome::kInvalid) << bad;
  }
  EXPECT_EQ(ParseProxyHeader("PROXY " + std::string(200, 'A')).outcome, Outcome::kInvalid);
}

TEST(ProxyProtocol, V2Inet4Inet6AndLocal) {
  std::string v4 = V2(0x21, 0x11, std::string("\xc0\x00\x02\x07\x0a\x00\x00\x01\x00\x50\x01\xbb", 12));
  ProxyHeader p = ParseProxyHeader(v4 + "GET /");
  ASSERT_EQ(p.outcome, Outcome::kOk);
  EXPECT_EQ(p.length, 28u);
  EXPECT_EQ(p.source->ToString(), "192.0.2.7");

  std::string a6(36, '\0');
  a6[0] = '\x20', a6[1] = '\x01', a6[2] = '\x0d', a6[3] = '\xb8', a6[15] = '\x09';
  ProxyHeader q = ParseProxyHeader(V2(0x21, 0x21, a6));
  ASSERT_EQ(q.outcome, Outcome::kOk);
  EXPECT_EQ(q.source->ToString(), "2001:db8::9");

  ProxyHeader local = ParseProxyHeader(V2(0x20, 0x00, ""));
  ASSERT_EQ(local.outcome, Outcome::kOk);
  EXPECT_EQ(local.length, 16u);
  EXPECT_FALSE(local.source);
}

TEST(ProxyProtocol, V2BadVersionCommandOrShortAddresses) {
  EXPECT_EQ(ParseProxyHeader(V2(0x11, 0x11, std::string(12, '\0'))).outcome, Outcome::kInvalid);
  EXPECT_EQ(ParseProxyHeader(V2(0x22, 0x11, std::string(12, '\0'))).outcome, Outcome::kInvalid);
  EXPECT_EQ(ParseProxyHeader(V2(0x21, 0x11, std::string(4, '\0'))).outcome, Outcome::kInvalid);
}

TEST(ProxyProtocol, OrdinaryRequestsAreNotProxyHeaders) {
  EXPECT_EQ(ParseProxyHeader("GET / HTTP/1.1\r\n").outcome, Outcome::kNone);
  EXPECT_EQ(ParseProxyHeader("PROXX").outcome, Outcome::kNone);
  EXPECT_EQ(ParseProxyHeader("\r\n\r\nX").outcome, Outcome::kNone);
}

}  // namespace
}  // namespace cohort
