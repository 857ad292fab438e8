#include "haproxy_config.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

HaproxyOptions TwoHosts() {
  HaproxyOptions o;
  o.hosts = {*ParseHaproxyHost("10.0.0.1:8080", 1, 9000), *ParseHaproxyHost("10.0.0.2:8080", 2, 9000)};
  return o;
}

TEST(HaproxyHost, TakesAddressHealthAndName) {
  Result<HaproxyHost> h = ParseHaproxyHost("10.0.0.1:8080", 1, 9000);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->name, "host1");
  EXPECT_EQ(h->address, "10.0.0.1:8080");
  EXPECT_EQ(h->health_port, 9000);
  EXPECT_EQ(h->health_host, "");
  Result<HaproxyHost> full = ParseHaproxyHost("[2001:db8::7]:80,health=10.0.0.7:9100,name=web-a", 3, 0);
  ASSERT_TRUE(full.ok()) << full.status().message();
  EXPECT_EQ(full->name, "web-a");
  EXPECT_EQ(full->address, "[2001:db8::7]:80");
  EXPECT_EQ(full->health_host, "10.0.0.7");
  EXPECT_EQ(full->health_port, 9100);
  EXPECT_EQ(ParseHaproxyHost("app1.lan:8080,health=9001", 1, 9000)->health_port, 9001);
}

TEST(HaproxyHost, BadInputNamesTheHostAndWhatIsWrong) {
  for (const char* bad : {"10.0.0.1", "10.0.0.1:0", "10.0.0.1:99999", ":8080", "10.0.0.1:8080,health=x",
                          "10.0.0.1:8080,name=a b", "10.0.0.1:8080,color=red", "a;b:80", "10.0.0.1:8080\nbackend x"}) {
    Result<HaproxyHost> h = ParseHaproxyHost(bad, 1, 9000);
    ASSERT_FALSE(h.ok()) << bad;
    EXPECT_TRUE(Has(h.status().message(), std::string("--host ") + bad)) << h.status().message();
  }
  Result<HaproxyHost> no_health = ParseHaproxyHost("10.0.0.1:8080", 1, 0);
  ASSERT_FALSE(no_health.ok());
  EXPECT_TRUE(Has(no_health.status().message(), "no health port")) << no_health.status().message();
}

TEST(HaproxyConfig, CookieModeInsertsACookieAndChecksEveryHostsHealth) {
  Result<std::string> c = HaproxyConfig(TwoHosts());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(Has(*c, "    balance roundrobin\n"));
  EXPECT_TRUE(Has(*c, "    cookie SERVERID insert indirect nocache\n"));
  EXPECT_TRUE(Has(*c, "    option httpchk GET /health\n    http-check expect status 200\n"));
  EXPECT_TRUE(Has(*c, "    http-reuse never\n"));
  EXPECT_TRUE(Has(*c, "    option forwardfor\n"));
  EXPECT_TRUE(Has(*c, "    default-server inter 1s fall 2 rise 2\n"));
  EXPECT_TRUE(Has(*c, "    server host1 10.0.0.1:8080 check port 9000 cookie host1\n"));
  EXPECT_TRUE(Has(*c, "    server host2 10.0.0.2:8080 check port 9000 cookie host2\n"));
  EXPECT_TRUE(Has(*c, "frontend cohort_in\n    bind *:80\n    default_backend cohort\n"));
  EXPECT_TRUE(Has(*c, "inter x fall = 2s"));
  EXPECT_FALSE(Has(*c, "stats socket"));
}

TEST(HaproxyConfig, SourceModeBalancesByClientAddressWithoutCookies) {
  HaproxyOptions o = TwoHosts();
  o.sticky = "source";
  Result<std::string> c = HaproxyConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(Has(*c, "    balance source\n    hash-type consistent\n"));
  EXPECT_FALSE(Has(*c, "cookie"));
  EXPECT_FALSE(Has(*c, "balance roundrobin"));
}

TEST(HaproxyConfig, ProxyProtocolReplacesForwardedForAndHealthElsewhereUsesAddr) {
  HaproxyOptions o;
  o.hosts = {*ParseHaproxyHost("10.0.0.1:8080,health=127.0.0.5:9000", 1, 0),
             *ParseHaproxyHost("[2001:db8::2]:8080,health=[2001:db8::2]:9000", 2, 0)};
  o.proxy_protocol = true;
  o.sticky = "none";
  o.stats_socket = "/run/haproxy/admin.sock";
  o.check_interval = Millis(500);
  o.fall = 3;
  Result<std::string> c = HaproxyConfig(o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(Has(*c, "option forwardfor"));
  EXPECT_TRUE(Has(*c, "    server host1 10.0.0.1:8080 check addr 127.0.0.5 port 9000 send-proxy-v2\n"));
  EXPECT_TRUE(Has(*c, "    server host2 [2001:db8::2]:8080 check addr 2001:db8::2 port 9000 send-proxy-v2\n"));
  EXPECT_TRUE(Has(*c, "    stats socket /run/haproxy/admin.sock mode 600 level admin\n"));
  EXPECT_TRUE(Has(*c, "    default-server inter 500ms fall 3 rise 2\n"));
  EXPECT_TRUE(Has(*c, "inter x fall = 1500ms"));
}

TEST(HaproxyConfig, RefusesWhatWouldNotBeAWorkingConfig) {
  HaproxyOptions none;
  EXPECT_FALSE(HaproxyConfig(none).ok());
  HaproxyOptions o = TwoHosts();
  o.sticky = "ip";
  EXPECT_TRUE(Has(HaproxyConfig(o).status().message(), "--sticky ip"));
  o = TwoHosts();
  o.hosts[1].name = "host1";
  EXPECT_TRUE(Has(HaproxyConfig(o).status().message(), "two hosts are named host1"));
  o = TwoHosts();
  o.bind = "*:80 # x";
  EXPECT_TRUE(Has(HaproxyConfig(o).status().message(), "--bind"));
  o = TwoHosts();
  o.fall = 0;
  EXPECT_FALSE(HaproxyConfig(o).ok());
}

}  // namespace
}  // namespace cohort
