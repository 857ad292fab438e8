#include "sticky_key.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using Outcome = KeyScan::Outcome;

StickySpec Spec(const char* text) {
  auto s = ParseStickySpec(text);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return *s;
}

TEST(StickySpec, ParsesEveryModeAndDescribesItBack) {
  for (const char* text : {"ip", "cookie:connect.sid", "header:X-User-Id", "query:sid"}) {
    EXPECT_EQ(Spec(text).Describe(), text);
  }
  EXPECT_FALSE(Spec("ip").NeedsBytes());
  EXPECT_TRUE(Spec("query:sid").NeedsBytes());
}

TEST(StickySpec, RejectsUnknownModesAndBadNames) {
  for (const char* bad : {"", "ips", "cookie", "cookie:", "header:X User", "query:a&b", "path:/x"}) {
    auto s = ParseStickySpec(bad);
    EXPECT_FALSE(s.ok()) << bad;
  }
  EXPECT_NE(ParseStickySpec("path:/x").status().message().find("path:/x"), std::string::npos);
}

TEST(ScanStickyField, HeaderIsCaseInsensitiveAndTrimmed) {
  KeyScan k = ScanStickyField(Spec("header:X-User-Id"),
                              "GET / HTTP/1.1\r\nHost: a\r\nx-user-id:  alice \r\n\r\n");
  ASSERT_EQ(k.outcome, Outcome::kFound);
  EXPECT_EQ(k.key, "alice");
}

TEST(ScanStickyField, HeaderFoundBeforeTheHeadEndsNeedsNoMore) {
  KeyScan k = ScanStickyField(Spec("header:X-User-Id"), "GET / HTTP/1.1\r\nX-User-Id: bob\r\nAcc");
  ASSERT_EQ(k.outcome, Outcome::kFound);
  EXPECT_EQ(k.key, "bob");
}

TEST(ScanStickyField, CookieAmongOthersAndAcrossCookieHeaders) {
  StickySpec s = Spec("cookie:connect.sid");
  KeyScan k = ScanStickyField(s, "GET /x HTTP/1.1\r\nCookie: a=1; connect.sid=s%3Aabc.sig; b=2\r\n\r\n");
  ASSERT_EQ(k.outcome, Outcome::kFound);
  EXPECT_EQ(k.key, "s%3Aabc.sig");
  k = ScanStickyField(s, "GET /x HTTP/1.1\r\nCookie: a=1\r\ncookie: connect.sid=\"q\"\r\n\r\n");
  ASSERT_EQ(k.outcome, Outcome::kFound);
  EXPECT_EQ(k.key, "q");
  // A cookie whose name merely ends with the name does not count.
  EXPECT_EQ(ScanStickyField(s, "GET / HTTP/1.1\r\nCookie: xconnect.sid=1\r\n\r\n").outcome, Outcome::kAbsent);
}

TEST(ScanStickyField, QueryParameterFromTheRequestLineAlone) {
  StickySpec s = Spec("query:sid");
  KeyScan k = ScanStickyField(s, "GET /socket.io/?EIO=4&transport=polling&sid=Zx-9_a#f HTTP/1.1\r\n");
  ASSERT_EQ(k.outcome, Outcome::kFound);
  EXPECT_EQ(k.key, "Zx-9_a");
  EXPECT_EQ(ScanStickyField(s, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n").outcome, Outcome::kAbsent);
  EXPECT_EQ(ScanStickyField(s, "GET /?sid= HTTP/1.1\r\n\r\n").outcome, Outcome::kAbsent);
  EXPECT_EQ(ScanStickyField(s, "GET /?si").outcome, Outcome::kNeedMore);
}

TEST(ScanStickyField, EveryPrefixOfARequestNeedsMoreUntilTheKeyShows) {
  StickySpec s = Spec("cookie:sid");
  std::string req = "\r\nPOST /login HTTP/1.1\r\nHost: x\r\nCookie: sid=42\r\n\r\nbody";
  size_t found_at = req.find("sid=42") + 6 + 2;  // the key is known once its line ends
  for (size_t n = 0; n < req.size(); ++n) {
    KeyScan k = ScanStickyField(s, std::string_view(req).substr(0, n));
    if (n < found_at) {
      EXPECT_EQ(k.outcome, Outcome::kNeedMore) << n;
    } else {
      ASSERT_EQ(k.outcome, Outcome::kFound) << n;
      EXPECT_EQ(k.key, "42");
    }
  }
}

TEST(ScanStickyField, WithoutTheFieldTheEndOfTheHeadSaysAbsent) {
  StickySpec s = Spec("header:X-User-Id");
  EXPECT_EQ(ScanStickyField(s, "GET / HTTP/1.1\r\nHost: a\r\n").outcome, Outcome::kNeedMore);
  EXPECT_EQ(ScanStickyField(s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").outcome, Outcome::kAbsent);
  EXPECT_EQ(ScanStickyField(s, "GET / HTTP/1.0\nHost: a\n\n").outcome, Outcome::kAbsent);
}

TEST(ScanStickyField, WhatIsNotHttpIsAbsentAtOnce) {
  StickySpec s = Spec("header:X");
  for (const char* bad : {"\x16\x03\x01\x02", "GET  / HTTP/1.1\r\n", "GET / FTP/1.1\r\n", "G\x01T",
                          "GET /\x01 HTTP/1.1\r\n", "GET / HTTP/1.1 extra\r\n",
                          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}) {
    EXPECT_EQ(ScanStickyField(s, bad).outcome, Outcome::kAbsent) << bad;
  }
  EXPECT_EQ(ScanStickyField(s, std::string(40, 'A')).outcome, Outcome::kAbsent);
}

TEST(ScanForwardedFor, RightMostUntrustedAddressAcrossHeaders) {
  auto trusted = AddressSet::Parse("10.0.0.0/8");
  ASSERT_TRUE(trusted.ok());
  KeyScan k = ScanForwardedFor(
      "GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.9, 198.51.100.2\r\nx-forwarded-for: 10.0.0.5\r\n\r\n",
      *trusted);
  ASSERT_EQ(k.outcome, Outcome::kFound);
  EXPECT_EQ(k.key, "198.51.100.2");
}

TEST(ScanForwardedFor, AbsentOrOnlyProxiesOrIncomplete) {
  auto trusted = AddressSet::Parse("10.0.0.0/8");
  ASSERT_TRUE(trusted.ok());
  EXPECT_EQ(ScanForwardedFor("GET / HTTP/1.1\r\nHost: a\r\n\r\n", *trusted).outcome, Outcome::kAbsent);
  EXPECT_EQ(ScanForwardedFor("GET / HTTP/1.1\r\nX-Forwarded-For: 10.1.1.1\r\n\r\n", *trusted).outcome,
            Outcome::kAbsent);
  EXPECT_EQ(ScanForwardedFor("GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n", *trusted).outcome,
            Outcome::kNeedMore);
  KeyScan k = ScanForwardedFor("GET / HTTP/1.1\r\nX-Forwarded-For: [2001:DB8::1]\r\n\r\n", *trusted);
  EXPECT_EQ(k.key, "2001:db8::1");
}

}  // namespace
}  // namespace cohort
