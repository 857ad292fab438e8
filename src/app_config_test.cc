#include "app_config.h"

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

}  // namespace
}  // namespace cohort
