#include "describe_command.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using nlohmann::json;

TEST(FormatDescription, ShowsConfigWorkersLogsAndOnlyTheNamesOfTheCapturedEnvironment) {
  json app = json::parse(R"({
    "name": "web", "daemon": true, "status": "running", "primary_pid": 99, "instances": 2,
    "reloads": {"succeeded": 3, "failed": 1}, "connections": {"handed": 10, "confirmed": 9, "bounced": 1, "dropped": 0},
    "listeners": [{"address": "0.0.0.0:8080"}],
    "workers": [{"slot": 1, "id": 5, "pid": 1002, "state": "ready", "restarts": 2, "uptime_ms": 61000, "connections": 4},
                {"slot": 0, "id": 4, "pid": 1001, "state": "ready", "restarts": 1, "uptime_ms": 1000, "connections": 5}],
    "waiting_slots": [],
    "logs": {"out": "/h/logs/web-out.log", "err": "/h/logs/web-err.log", "max_size": 10485760, "max_files": 5,
             "compress": true, "date_format": "YYYY"},
    "config": {"script": "/srv/server.js", "args": ["--port", "8080"], "interpreter": "node",
               "interpreter_args": ["--max-old-space-size=512"], "cwd": "/srv", "scheduler": "rr",
               "env": {"NODE_ENV": "production"}, "environment_keys": ["HOME", "SECRET_TOKEN"],
               "ready_timeout_ms": 10000, "kill_timeout_ms": 5000, "listen": []}
  })");
  std::string out = FormatDescription(app);
  for (const char* want :
       {"web (daemon, running)", "/srv/server.js --port 8080", "node --max-old-space-size=512", "NODE_ENV=production",
        "2 variables captured", "3 succeeded, 1 failed", "10 handed, 9 confirmed", "0.0.0.0:8080",
        "out /h/logs/web-out.log", "rotated at 10.0 MB, 5 kept, gzipped", "timestamps YYYY", "2 of 2 (restarts 3)",
        "ready 10s, kill 5s"}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  EXPECT_EQ(out.find("SECRET_TOKEN"), std::string::npos) << "captured variables are not listed by name here";
  EXPECT_LT(out.find("1001"), out.find("1002")) << "workers by slot";
}

TEST(FormatDescription, AListenProgramShowsItsDeliveryReadinessWatchdogAndStopSignal) {
  json app = json::parse(R"({"name": "py", "config": {"script": "/srv/app", "scheduler": "rr",
    "listen": ["8080", "unix:/run/a.sock"], "ready": "notify", "watchdog_ms": 5000, "stop_signal": "SIGQUIT"}})");
  std::string out = FormatDescription(app);
  EXPECT_NE(out.find("listen       8080, unix:/run/a.sock (balanced: over each worker's channel), ready notify, "
                     "watchdog 5s, stop signal SIGQUIT"), std::string::npos) << out;
  app["config"]["scheduler"] = "shared";
  EXPECT_NE(FormatDescription(app).find("(shared: LISTEN_FDS)"), std::string::npos);
}

TEST(FormatDescription, ToleratesMissingFields) {
  std::string out = FormatDescription(json::parse(R"({"name": "bare"})"));
  EXPECT_NE(out.find("bare (foreground `cohort run`, running)"), std::string::npos) << out;
  EXPECT_NE(out.find("listening    nothing yet"), std::string::npos) << out;
}

}  // namespace
}  // namespace cohort
