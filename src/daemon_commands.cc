#include "daemon_commands.h"

#include <unistd.h>

#include <map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cohort_home.h"
#include "control_client.h"
#include "control_commands.h"
#include "daemon.h"

extern char** environ;

namespace cohort {
using nlohmann::json;

std::optional<json> CallDaemon(const json& request, bool start_it) {
  Result<std::string> home = CohortHome();
  if (!home.ok()) {
    Fail(home.status().message());
    return std::nullopt;
  }
  std::string path = DaemonSocketPath(*home);
  if (start_it) {
    Result<std::string> p = EnsureDaemon(*home);
    if (!p.ok()) {
      Fail(p.status().message());
      return std::nullopt;
    }
  }
  return Answered(ControlCall(path, request, -1), "no cohort daemon is running");
}

std::vector<std::string> CallerEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

int StartCommand(std::vector<AppConfig> apps, const std::string& metrics) {
  int failed = 0;
  for (AppConfig& config : apps) {
    config.environment = CallerEnvironment();  // as PM2 does
    json request = {{"cmd", "start"}, {"config", AppConfigToJson(config)}};
    if (!metrics.empty()) request["metrics"] = metrics;
    auto r = CallDaemon(request, true);
    if (!r) {
      ++failed;
      continue;
    }
    fmt::print("{}: started {} worker(s) in the background\n", config.name, config.instances);
    if (r->contains("metrics")) fmt::print("daemon metrics on http://{}/metrics\n", r->value("metrics", ""));
  }
  int ls = LsCommand(false);
  return failed ? 1 : ls;
}

int AppActionCommand(const std::string& action, const std::string& name, bool update_env) {
  json request = {{"cmd", action}};
  if (update_env) request["environment"] = CallerEnvironment();
  auto r = CallApp(name, request);
  if (!r) return 1;
  static const std::map<std::string, std::string> done = {
      {"stop", "stopped"}, {"restart", "restarted"}, {"reload", "reloaded"}, {"delete", "deleted"}};
  if (r->contains("apps")) {
    for (const json& n : (*r)["apps"]) fmt::print("{}: {}\n", n.get<std::string>(), done.at(action));
  } else {
    fmt::print("{}: {}\n", name, done.at(action));
  }
  return 0;
}

int SaveCommand() {
  auto r = CallDaemon({{"cmd", "save"}}, false);
  if (!r) return 1;
  fmt::print("saved {} app(s) to {}\n", r->value("saved", 0), r->value("file", ""));
  return 0;
}

int ResurrectCommand() {
  auto r = CallDaemon({{"cmd", "resurrect"}}, true);
  if (!r) return 1;
  fmt::print("resurrected the apps in {}\n", r->value("file", ""));
  return LsCommand(false);
}

int KillCommand() {
  Result<std::string> home = CohortHome();
  if (!home.ok()) return Fail(home.status().message());
  std::string path = DaemonSocketPath(*home);
  Result<json> pid = ControlCall(path, {{"cmd", "ping"}}, 2000);
  if (!pid.ok()) {
    fmt::print("no cohort daemon is running\n");
    return 0;
  }
  auto r = CallDaemon({{"cmd", "kill"}}, false);
  if (!r) return 1;
  // The daemon answers first, then stops its apps and exits: wait for that.
  pid_t daemon_pid = pid->value("pid", 0);
  for (int i = 0; i < 3000 && daemon_pid > 0 && ::kill(daemon_pid, 0) == 0; ++i) ::usleep(10000);
  fmt::print("cohort daemon stopped\n");
  return 0;
}

}  // namespace cohort
