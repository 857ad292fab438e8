#include "app_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(AppConfigJson, RoundTripsEveryField) {
  AppConfig c;
  c.name = "web";
  c.script = "/srv/app/server.js";
  c.interpreter = "node";
  c.interpreter_args = {"--max-old-space-size=512"};
  c.args = {"--port", "80"};
  c.cwd = "/srv/app";
  c.env = {{"A", "1"}, {"B", "two words"}};
  c.environment = {"PATH=/usr/bin", "HOME=/root"};
  c.instances = 4;
  c.scheduler = "least";
  c.ready_timeout = Millis(2500);
  c.kill_timeout = Millis(700);
  c.sticky = "cookie:connect.sid";
  c.trust_proxy = "10.0.0.0/8";
  c.sticky_ttl = Millis(60000);
  c.sticky_timeout = Millis(250);
  c.max_memory_restart = 300ull << 20;
  c.max_restarts = 5;
  c.min_uptime = Millis(3000);
  c.listen = {"8080", "unix:/tmp/x.sock"};
  c.ready = "notify";
  c.watchdog = Millis(3000);
  c.stop_signal = "SIGQUIT";
  c.health = "10.0.0.1:9000";
  c.drain_delay = Millis(4000);
  Result<AppConfig> back = AppConfigFromJson(AppConfigToJson(c));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(AppConfigToJson(*back), AppConfigToJson(c));
  EXPECT_EQ(back->ready_timeout, Millis(2500));
  EXPECT_EQ(back->env, c.env);
  EXPECT_EQ(back->sticky, "cookie:connect.sid");
  EXPECT_EQ(back->sticky_ttl, Millis(60000));
  EXPECT_EQ(back->max_memory_restart, 300ull << 20);
  EXPECT_EQ(back->max_restarts, 5);
  EXPECT_EQ(back->min_uptime, Millis(3000));
  EXPECT_EQ(back->watchdog, Millis(3000));
  EXPECT_EQ(back->stop_signal, "SIGQUIT");
  EXPECT_EQ(back->health, "10.0.0.1:9000");
  EXPECT_EQ(back->drain_delay, Millis(4000));
}

TEST(AppConfigJson, WrongTypesNameTheField) {
  auto r = AppConfigFromJson(nlohmann::json{{"script", "x.js"}, {"instances", "four"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'instances'"), std::string::npos);
  EXPECT_FALSE(AppConfigFromJson(nlohmann::json::array()).ok());
}

TEST(ParseInstances, MaxZeroAndNegativeAreRelativeToTheCpus) {
  int cpus = CpuCount();
  EXPECT_EQ(*ParseInstances("max"), cpus);
  EXPECT_EQ(*ParseInstances("0"), cpus);
  EXPECT_EQ(*ParseInstances("-1"), std::max(1, cpus - 1));
  EXPECT_EQ(*ParseInstances("-1000"), 1);
  EXPECT_EQ(*ParseInstances("3"), 3);
  EXPECT_FALSE(ParseInstances("3x").ok());
  EXPECT_FALSE(ParseInstances("5000").ok());
}

TEST(ValidateAppConfig, ResolvesTheScriptAndPicksNodeForJavaScript) {
  char dir[] = "/tmp/cohort-cfg-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string script = std::string(dir) + "/my-app.mjs";
  FILE* f = std::fopen(script.c_str(), "w");
  std::fclose(f);
  AppConfig c;
  c.script = "my-app.mjs";
  c.cwd = dir;
  ASSERT_TRUE(ValidateAppConfig(c).ok());
  EXPECT_EQ(c.script, script);
  EXPECT_EQ(c.interpreter, "node");
  EXPECT_EQ(c.name, "my-app");
  EXPECT_EQ(WorkerArgv(c), (std::vector<std::string>{"node", script}));
  AppConfig missing;
  missing.script = "nope.js";
  missing.cwd = dir;
  Status s = ValidateAppConfig(missing);
  EXPECT_NE(s.message().find(std::string(dir) + "/nope.js"), std::string::npos) << s.message();
  ::unlink(script.c_str());
  ::rmdir(dir);
}

class ValidateProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cohort-prog-XXXXXX";
    dir = ::mkdtemp(tmpl);
    script = dir + "/server";
    std::fclose(std::fopen(script.c_str(), "w"));
    ::chmod(script.c_str(), 0755);
  }
  void TearDown() override {
    ::unlink(script.c_str());
    ::rmdir(dir.c_str());
  }
  AppConfig Program() {
    AppConfig c;
    c.script = script;
    c.listen = {"8080"};
    return c;
  }
  std::string dir, script;
};

TEST_F(ValidateProgram, ListenDefaultsToSharedAndBalancesWhenAskedOrSticky) {
  AppConfig plain = Program();
  ASSERT_TRUE(ValidateAppConfig(plain).ok());
  EXPECT_EQ(plain.scheduler, "shared");
  EXPECT_EQ(plain.stop_signal, "SIGTERM");
  EXPECT_EQ(plain.interpreter, "none");
  AppConfig rr = Program();
  rr.scheduler = "rr";
  ASSERT_TRUE(ValidateAppConfig(rr).ok());
  EXPECT_TRUE(IsBalancedProgram(rr));
  AppConfig sticky = Program();
  sticky.sticky = "header:X-User";
  ASSERT_TRUE(ValidateAppConfig(sticky).ok());
  EXPECT_EQ(sticky.scheduler, "rr");
  AppConfig node;
  node.script = script;
  node.interpreter = "node";
  ASSERT_TRUE(ValidateAppConfig(node).ok());
  EXPECT_EQ(node.scheduler, "rr");
  EXPECT_FALSE(IsBalancedProgram(node));
}

TEST_F(ValidateProgram, ProgramOnlyOptionsAreRefusedForNodeAppsNamingTheOption) {
  struct Case {
    void (*set)(AppConfig&);
    const char* message;
  };
  for (const Case& c : {Case{[](AppConfig& a) { a.ready = "notify"; }, "--ready applies to --listen"},
                        Case{[](AppConfig& a) { a.watchdog = Millis(1000); }, "--watchdog applies to --listen"},
                        Case{[](AppConfig& a) { a.stop_signal = "SIGINT"; }, "--stop-signal applies to --listen"}}) {
    AppConfig a = Program();
    a.listen.clear();
    c.set(a);
    Status s = ValidateAppConfig(a);
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
  }
  AppConfig bad = Program();
  bad.stop_signal = "SIGNOPE";
  EXPECT_NE(ValidateAppConfig(bad).message().find("--stop-signal: unknown signal 'SIGNOPE'"), std::string::npos);
  AppConfig shared_sticky = Program();
  shared_sticky.scheduler = "shared";
  shared_sticky.sticky = "ip";
  EXPECT_NE(ValidateAppConfig(shared_sticky).message().find("cannot be used with --scheduler shared"),
            std::string::npos);
}

TEST(ParseWatchdog, APlainNumberIsSecondsAsInSystemd) {
  EXPECT_EQ(*ParseWatchdog("5"), Millis(5000));
  EXPECT_EQ(*ParseWatchdog("250ms"), Millis(250));
  EXPECT_EQ(*ParseWatchdog("1m"), Millis(60000));
  EXPECT_FALSE(ParseWatchdog("often").ok());
}

}  // namespace
}  // namespace cohort
