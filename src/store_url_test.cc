#include "store_url.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(StoreUrlTest, ParsesHostPortAndDatabase) {
  auto u = ParseStoreUrl("redis://user:secret@cache.internal:6380/3");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "cache.internal");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 3);
  auto v6 = ParseStoreUrl("rediss://[::1]:7000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
  EXPECT_TRUE(v6->tls);
  auto plain = ParseStoreUrl("redis://10.0.0.2");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 6379);
}

TEST(StoreUrlTest, RejectsBadUrls) {
  for (const char* bad : {"http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/db",
                          "redis://[::1"}) {
    EXPECT_FALSE(ParseStoreUrl(bad).ok()) << bad;
  }
}

TEST(StoreUrlTest, ReachabilityNamesTheAddress) {
  auto u = ParseStoreUrl("redis://127.0.0.1:1");  // nothing listens on port 1
  ASSERT_TRUE(u.ok());
  Status s = CheckStoreReachable(*u, 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("127.0.0.1:1"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace cohort
