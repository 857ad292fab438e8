#include "listen_socket.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

namespace cohort {
namespace {

using nlohmann::json;

TEST(ListenSpecFromQuery, PortOnlyMeansAnyAddress) {
  auto spec = ListenSpecFromQuery(json::parse(R"({"address":null,"port":8080,"addressType":4,"backlog":100})"));
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->kind, ListenSpec::Kind::kTcp);
  EXPECT_FALSE(spec->host.has_value());
  EXPECT_EQ(spec->port, 8080);
  EXPECT_EQ(spec->backlog, 100);
  EXPECT_EQ(spec->Describe(), "*:8080");
}

TEST(ListenSpecFromQuery, Ipv6UnixAndUdp) {
  auto v6 = ListenSpecFromQuery(json::parse(R"({"address":"::1","port":80,"addressType":6})"));
  EXPECT_EQ(v6->family, 6);
  EXPECT_EQ(v6->Describe(), "[::1]:80");
  auto pipe = ListenSpecFromQuery(json::parse(R"({"address":"/run/a.sock","port":-1,"addressType":-1})"));
  EXPECT_EQ(pipe->kind, ListenSpec::Kind::kUnix);
  EXPECT_EQ(pipe->Describe(), "unix:/run/a.sock");
  auto udp = ListenSpecFromQuery(json::parse(R"({"address":"0.0.0.0","port":53,"addressType":"udp4","flags":4})"));
  EXPECT_EQ(udp->kind, ListenSpec::Kind::kUdp);
  EXPECT_TRUE(udp->reuse_addr);
}

TEST(ListenSpecFromQuery, BadFieldsAreClearErrors) {
  for (const char* bad : {R"({"port":"banana","addressType":4})", R"({"port":70000,"addressType":4})",
                          R"({"port":80})", R"({"port":80,"addressType":"tcp9"})",
                          R"({"address":5,"port":80,"addressType":4})", R"([1,2])",
                          R"({"port":-1,"addressType":-1})"}) {
    auto r = ListenSpecFromQuery(json::parse(bad));
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().sys_errno(), EINVAL) << bad;
  }
  auto fd = ListenSpecFromQuery(json::parse(R"({"port":0,"addressType":4,"fd":7})"));
  EXPECT_EQ(fd.status().sys_errno(), ENOTSUP);
}

TEST(BindListener, PortZeroGetsARealPortThatSocknameReports) {
  ListenSpec spec;
  spec.host = "127.0.0.1";
  auto fd = BindListener(spec);
  ASSERT_TRUE(fd.ok()) << fd.status().message();
  json name = SocknameJson(fd->get());
  EXPECT_EQ(name["address"], "127.0.0.1");
  EXPECT_EQ(name["family"], "IPv4");
  EXPECT_GT(name["port"].get<int>(), 0);
}

TEST(BindListener, BusyPortIsEaddrinuseNamingTheAddress) {
  ListenSpec spec;
  spec.host = "127.0.0.1";
  auto first = BindListener(spec);
  ASSERT_TRUE(first.ok());
  spec.port = SocknameJson(first->get())["port"].get<int>();
  auto second = BindListener(spec);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().sys_errno(), EADDRINUSE);
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(spec.port)), std::string::npos);
  EXPECT_NE(second.status().message().find("EADDRINUSE"), std::string::npos);
}

TEST(BindListener, UnixPathExistingIsEaddrinuseLikeNode) {
  std::string path = std::filesystem::temp_directory_path() / ("cohort-ls-test-" + std::to_string(::getpid()));
  ListenSpec spec;
  spec.kind = ListenSpec::Kind::kUnix;
  spec.path = path;
  {
    auto fd = BindListener(spec);
    ASSERT_TRUE(fd.ok()) << fd.status().message();
    auto again = BindListener(spec);
    EXPECT_EQ(again.status().sys_errno(), EADDRINUSE);
  }
  ::unlink(path.c_str());
  spec.path = std::string(200, 'p');
  EXPECT_EQ(BindListener(spec).status().sys_errno(), ENAMETOOLONG);
}

TEST(BindListener, AnyAddressIsDualStackWhereIpv6Exists) {
  ListenSpec spec;  // host unset: "::" with V6ONLY off, like Node
  auto fd = BindListener(spec);
  ASSERT_TRUE(fd.ok()) << fd.status().message();
  json name = SocknameJson(fd->get());
  EXPECT_TRUE(name["family"] == "IPv6" || name["family"] == "IPv4");
}

}  // namespace
}  // namespace cohort

namespace cohort {
namespace {

TEST(ParseListenAddress, EveryForm) {
  auto port = ParseListenAddress("8080");
  ASSERT_TRUE(port.ok());
  EXPECT_FALSE(port->host.has_value());
  EXPECT_EQ(port->port, 8080);
  auto v4 = ParseListenAddress("127.0.0.1:9000");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(*v4->host, "127.0.0.1");
  EXPECT_EQ(v4->family, 4);
  auto v6 = ParseListenAddress("[::1]:9001");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(*v6->host, "::1");
  EXPECT_EQ(v6->family, 6);
  EXPECT_EQ(v6->Describe(), "[::1]:9001");
  auto unix_path = ParseListenAddress("unix:/run/app.sock");
  ASSERT_TRUE(unix_path.ok());
  EXPECT_EQ(unix_path->kind, ListenSpec::Kind::kUnix);
  EXPECT_EQ(unix_path->path, "/run/app.sock");
}

TEST(ParseListenAddress, ErrorsQuoteTheText) {
  for (const char* bad : {"", "http", "70000", "host:80", "::1:80", "[::1]80", "unix:", "1.2.3.4:"}) {
    auto r = ParseListenAddress(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(std::string("--listen ") + bad), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace cohort
