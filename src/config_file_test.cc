#include "config_file.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cohort {
namespace {

using nlohmann::json;

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cohort-conf-XXXXXX";
    dir = ::mkdtemp(tmpl);
    Write("server.js", "");
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  // The error a document gives (a failure if it gives none).
  std::string ErrorOf(const char* text, const char* file = "c.json") {
    auto r = AppsFromDocument(json::parse(text), file, dir, "");
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.status().message();
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir;
};

TEST_F(ConfigFileTest, MapsAPm2StyleAppFieldByField) {
  json doc = json::parse(R"({"apps":[{"name":"api","script":"server.js","instances":"max",
    "args":"--port 80","node_args":["--max-old-space-size=512"],"env":{"A":"1","N":2},
    "env_production":{"A":"prod"},"kill_timeout":1600,"listen_timeout":"3s","exec_mode":"cluster"}]})");
  auto r = AppsFromDocument(doc, "eco.json", dir, "production");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->apps.size(), 1u);
  const AppConfig& a = r->apps[0];
  EXPECT_EQ(a.name, "api");
  EXPECT_EQ(a.script, dir + "/server.js");
  EXPECT_EQ(a.instances, CpuCount());
  EXPECT_EQ(a.args, (std::vector<std::string>{"--port", "80"}));
  EXPECT_EQ(a.interpreter_args, (std::vector<std::string>{"--max-old-space-size=512"}));
  EXPECT_EQ(a.env, (std::vector<std::pair<std::string, std::string>>{{"A", "prod"}, {"N", "2"}}));
  EXPECT_EQ(a.kill_timeout, Millis(1600));
  EXPECT_EQ(a.ready_timeout, Millis(3000));
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("apps[0].exec_mode"), std::string::npos);
}

TEST_F(ConfigFileTest, MemoryLimitAndCrashLoopFieldsAsPm2WritesThem) {
  json doc = json::parse(R"({"apps":[{"script":"server.js","max_memory_restart":"300M","max_restarts":5,
    "min_uptime":"5s"},{"script":"server.js","name":"b","max_memory_restart":1048576,"min_uptime":2000}]})");
  auto r = AppsFromDocument(doc, "c.json", dir, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->apps[0].max_memory_restart, 300ull << 20);
  EXPECT_EQ(r->apps[0].max_restarts, 5);
  EXPECT_EQ(r->apps[0].min_uptime, Millis(5000));
  EXPECT_EQ(r->apps[1].max_memory_restart, 1u << 20);
  EXPECT_EQ(r->apps[1].min_uptime, Millis(2000));
  EXPECT_EQ(r->apps[1].max_restarts, 16);
  EXPECT_TRUE(r->warnings.empty());
  auto bad = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","max_memory_restart":"lots"}]})"),
                              "c.json", dir, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("apps[0].max_memory_restart: invalid size 'lots'"), std::string::npos)
      << bad.status().message();
  auto negative = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","max_restarts":-1}]})"), "c.json",
                                   dir, "");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("apps[0].max_restarts"), std::string::npos);
}

TEST_F(ConfigFileTest, StickyFields) {
  json doc = json::parse(R"({"apps":[{"script":"server.js","sticky":"header:X-User","trust_proxy":"loopback",
    "sticky_ttl":"1h","sticky_timeout":500}]})");
  auto r = AppsFromDocument(doc, "c.json", dir, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->apps[0].sticky, "header:X-User");
  EXPECT_EQ(r->apps[0].trust_proxy, "loopback");
  EXPECT_EQ(r->apps[0].sticky_ttl, Millis(3600000));
  EXPECT_EQ(r->apps[0].sticky_timeout, Millis(500));
  EXPECT_TRUE(r->warnings.empty());
  auto bad = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","sticky":"hash"}]})"), "c.json", dir, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown sticky mode 'hash'"), std::string::npos) << bad.status().message();
}

TEST_F(ConfigFileTest, ProgramFields) {
  json doc = json::parse(R"({"apps":[{"name":"a","script":"server.js","listen":"8080","watchdog":5,"stop_signal":"quit"},
    {"name":"b","script":"server.js","listen":["8081","unix:/tmp/b.sock"],"scheduler":"least","watchdog":"500ms",
     "stop_signal":2,"ready":"notify"}]})");
  auto r = AppsFromDocument(doc, "c.json", dir, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const AppConfig& a = r->apps[0];
  EXPECT_EQ(a.scheduler, "shared") << "--listen without a scheduler: socket activation";
  EXPECT_FALSE(IsBalancedProgram(a));
  EXPECT_EQ(a.watchdog, Millis(5000)) << "a number is seconds, as --watchdog";
  EXPECT_EQ(a.stop_signal, "SIGQUIT");
  const AppConfig& b = r->apps[1];
  EXPECT_TRUE(IsBalancedProgram(b));
  EXPECT_EQ(b.listen, (std::vector<std::string>{"8081", "unix:/tmp/b.sock"}));
  EXPECT_EQ(b.watchdog, Millis(500));
  EXPECT_EQ(b.stop_signal, "SIGINT");
  EXPECT_EQ(b.ready, "notify");
  EXPECT_TRUE(r->warnings.empty());
  for (const char* bad : {R"({"apps":[{"script":"server.js","listen":"8080","stop_signal":"STOPIT"}]})",
                          R"({"apps":[{"script":"server.js","listen":"8080","stop_signal":[]}]})",
                          R"({"apps":[{"script":"server.js","listen":"8080","watchdog":"soon"}]})",
                          R"({"apps":[{"script":"server.js","watchdog":"5s"}]})"}) {
    auto e = AppsFromDocument(json::parse(bad), "c.json", dir, "");
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("c.json: apps[0]"), std::string::npos) << e.status().message();
  }
}

TEST_F(ConfigFileTest, HealthAndDrainDelayFields) {
  auto r = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","health":"10.0.0.1:9000","drain_delay":"5s"},
    {"script":"server.js","name":"b","health":"9001"}, {"script":"server.js","name":"c"}]})"), "c.json", dir, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->apps[0].health, "10.0.0.1:9000");
  EXPECT_EQ(r->apps[0].drain_delay, Millis(5000));
  EXPECT_EQ(r->apps[1].drain_delay, Millis(3000)) << "3s by default with health";
  EXPECT_EQ(r->apps[2].drain_delay, Millis(0)) << "nothing to wait for without health";
  EXPECT_TRUE(r->warnings.empty());
  auto bad = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","health":"unix:/run/h.sock"}]})"), "c.json",
                              dir, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("apps[0]: --health unix:/run/h.sock: must be a TCP address"), std::string::npos)
      << bad.status().message();
  auto wrong_type = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","health":9000}]})"), "c.json", dir, "");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find("apps[0].health"), std::string::npos) << wrong_type.status().message();
}

TEST_F(ConfigFileTest, StoreField) {
  auto builtin = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","store":true}]})"), "c.json", dir, "");
  ASSERT_TRUE(builtin.ok()) << builtin.status().message();
  EXPECT_EQ(builtin->apps[0].store, "builtin");
  auto url = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","store":"redis://10.0.0.5:6379/2"}]})"),
                              "c.json", dir, "");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->apps[0].store, "redis://10.0.0.5:6379/2");
  auto bad = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","store":"memcached://x"}]})"), "c.json",
                              dir, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("redis:// URL"), std::string::npos) << bad.status().message();
  auto wrong_type = AppsFromDocument(json::parse(R"({"apps":[{"script":"server.js","store":5}]})"), "c.json", dir, "");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find("apps[0].store"), std::string::npos) << wrong_type.status().message();
}

TEST_F(ConfigFileTest, UnknownAndUnsupportedFieldsAreWarnedAboutNotDropped) {
  json doc = json::parse(R"({"apps":[{"script":"server.js","cron_restart":"0 * * * *","colour":"blue"}]})");
  auto r = AppsFromDocument(doc, "c.json", dir, "");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_NE(r->warnings[0].find("colour: unknown field"), std::string::npos);
  EXPECT_NE(r->warnings[1].find("cron_restart: not supported yet"), std::string::npos);
}

TEST_F(ConfigFileTest, Pm2LogFieldsAndRotationSettings) {
  json doc = json::parse(R"({"apps":[{"name":"web","script":"server.js","out_file":"logs/out.log",
    "error_file":"/var/tmp/err.log","log_file":true,"time":true,"merge_logs":true,
    "log_max_size":"50M","log_max_files":3,"log_compress":true}]})");
  auto r = AppsFromDocument(doc, "c.json", dir, "", "/home/u/.cohort");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->warnings.empty()) << r->warnings[0];
  const AppConfig& c = r->apps[0];
  EXPECT_EQ(c.out_file, dir + "/logs/out.log") << "relative to the app's cwd, as PM2";
  EXPECT_EQ(c.error_file, "/var/tmp/err.log");
  EXPECT_EQ(c.log_file, "/home/u/.cohort/logs/web.log");
  EXPECT_EQ(c.log_date_format, "YYYY-MM-DDTHH:mm:ss");
  EXPECT_EQ(c.log_rotation.max_size, 50u << 20);
  EXPECT_EQ(c.log_rotation.max_files, 3);
  EXPECT_TRUE(c.log_rotation.compress);

  // PM2's short names, an explicit date format over `time`, and what cohort does not do.
  doc = json::parse(R"({"apps":[{"script":"server.js","output":"/tmp/o.log","error":"/tmp/e.log",
    "log":"/tmp/all.log","time":true,"log_date_format":"YYYY-MM-DD HH:mm Z","merge_logs":false}]})");
  r = AppsFromDocument(doc, "c.json", dir, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->apps[0].out_file, "/tmp/o.log");
  EXPECT_EQ(r->apps[0].log_file, "/tmp/all.log");
  EXPECT_EQ(r->apps[0].log_date_format, "YYYY-MM-DD HH:mm Z");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("merge_logs: cohort writes one file per app"), std::string::npos) << r->warnings[0];

  doc = json::parse(R"({"apps":[{"script":"server.js","disable_logs":true}]})");
  r = AppsFromDocument(doc, "c.json", dir, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->apps[0].out_file, "/dev/null");
  EXPECT_EQ(r->apps[0].error_file, "/dev/null");
}

TEST_F(ConfigFileTest, BadLogFieldsNameTheField) {
  auto bad = [&](const char* text) { return ErrorOf(text); };
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","log_max_size":"huge"}]})").find("apps[0].log_max_size: invalid size 'huge'"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","log_max_files":0}]})").find("--log-max-files"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","out_file":5}]})").find("apps[0].out_file: must be a file path"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","time":"yes"}]})").find("apps[0].time: must be true or false"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","log_file":true}]})").find("log_file: true needs"), std::string::npos);
}

TEST_F(ConfigFileTest, ErrorsNameTheFileAndTheField) {
  auto bad = [&](const char* text) { return ErrorOf(text, "cohort.config.json"); };
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","instances":"lots"}]})").find("cohort.config.json: apps[0].instances"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"name":"x"}]})").find("apps[0]: script is required"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"script":"missing.js"}]})").find("script not found"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","env":{"A":[1]}}]})").find("apps[0].env.A"), std::string::npos);
  EXPECT_NE(bad(R"({"apps":[{"script":"server.js","name":"a"},{"script":"server.js","name":"a"}]})").find("used twice"), std::string::npos);
  EXPECT_NE(bad(R"({"services":[]})").find("no `apps` list"), std::string::npos);
}

TEST_F(ConfigFileTest, YamlTomlAndJsonFilesGiveTheSameApps) {
  std::string y = Write("cohort.config.yaml", "apps:\n  - name: web\n    script: server.js\n    instances: 2\n    env:\n      PORT: \"8080\"\n");
  std::string t = Write("cohort.config.toml", "[[apps]]\nname = \"web\"\nscript = \"server.js\"\ninstances = 2\n[apps.env]\nPORT = \"8080\"\n");
  std::string j = Write("cohort.config.json", R"({"apps":[{"name":"web","script":"server.js","instances":2,"env":{"PORT":"8080"}}]})");
  for (const std::string& f : {y, t, j}) {
    auto r = LoadConfigFile(f, "");
    ASSERT_TRUE(r.ok()) << f << ": " << r.status().message();
    ASSERT_EQ(r->apps.size(), 1u);
    EXPECT_EQ(r->apps[0].instances, 2) << f;
    EXPECT_EQ(r->apps[0].env, (std::vector<std::pair<std::string, std::string>>{{"PORT", "8080"}})) << f;
    EXPECT_EQ(r->apps[0].cwd, dir) << f;
  }
}

TEST_F(ConfigFileTest, SyntaxErrorsGiveTheLine) {
  std::string y = Write("bad.yaml", "apps:\n  - name: web\n   script: [oops\n");
  auto ry = LoadConfigFile(y, "");
  ASSERT_FALSE(ry.ok());
  EXPECT_NE(ry.status().message().find("bad.yaml:"), std::string::npos) << ry.status().message();
  std::string t = Write("bad.toml", "[[apps]]\nname = \"web\nscript = 1\n");
  auto rt = LoadConfigFile(t, "");
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.status().message().find("bad.toml:2:"), std::string::npos) << rt.status().message();
}

TEST_F(ConfigFileTest, AJsonNumberTooLargeForADoubleIsAnErrorNotAnException) {
  // Found by config_text_fuzz: nlohmann::json throws out_of_range, not parse_error, for it.
  std::string j = Write("big.json", "{\"apps\": [{\"name\": \"web\", \"script\": \"s.js\", \"instances\": 77E7777}]}");
  auto r = LoadConfigFile(j, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("big.json: "), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("number overflow"), std::string::npos) << r.status().message();
}

TEST_F(ConfigFileTest, HugeTomlFloatsAreFloats) {
  // Found by config_text_fuzz: read as an integer first, 54e055 was an undefined cast in toml++.
  Write("s.js", "");
  std::string t = Write("big.toml", "[[apps]]\nname = \"web\"\nscript = \"s.js\"\nweight = 54e055\n");
  auto r = LoadConfigFile(t, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->apps.size(), 1u);
  std::string i = Write("bad.toml", "[[apps]]\nname = \"web\"\nscript = \"s.js\"\ninstances = 54e055\n");
  auto bad = LoadConfigFile(i, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("instances"), std::string::npos) << bad.status().message();
}

TEST_F(ConfigFileTest, ATomlFileWithACharacterTomlPlusPlusMishandlesIsRefusedWithItsPlace) {
  std::string t = Write("cohort.config.toml", "[[apps]]\nname = \"web\"\nscript = \"server.js\"\n[apps.env]\nGREETING = \"ol\xc3\xa9\"\n");
  auto r = LoadConfigFile(t, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cohort.config.toml:5:15: U+00E9 cannot be read safely"), std::string::npos)
      << r.status().message();
  // Written as an escape, it reaches the app.
  std::string escaped = Write("escaped.toml", "[[apps]]\nname = \"web\"\nscript = \"server.js\"\n[apps.env]\nGREETING = \"ol\\u00E9\"\n");
  auto ok = LoadConfigFile(escaped, "");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->apps[0].env, (std::vector<std::pair<std::string, std::string>>{{"GREETING", "ol\xc3\xa9"}}));
}

TEST_F(ConfigFileTest, RecognizesConfigFileNames) {
  EXPECT_TRUE(IsConfigFile("ecosystem.config.js"));
  EXPECT_TRUE(IsConfigFile("/srv/cohort.config.yaml"));
  EXPECT_TRUE(IsConfigFile("apps.toml"));
  EXPECT_FALSE(IsConfigFile("server.js"));
  EXPECT_FALSE(IsConfigFile("app.mjs"));
}

}  // namespace
}  // namespace cohort
