#include "daemon_commands.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
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
namespace {

using nlohmann::json;

// Calls the daemon, starting it if needed. Prints errors.
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

}  // namespace

int StartCommand(std::vector<AppConfig> apps, const std::string& metrics) {
  int failed = 0;
  for (AppConfig& config : apps) {
    for (char** e = environ; *e; ++e) config.environment.emplace_back(*e);  // as PM2 does
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

int AppActionCommand(const std::string& action, const std::string& name) {
  auto r = CallApp(name, {{"cmd", action}});
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

namespace {

std::vector<std::string> LastLines(const std::string& path, int n) {
  std::ifstream f(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(f, line)) {
    lines.push_back(std::move(line));
    if (static_cast<int>(lines.size()) > n) lines.erase(lines.begin());
  }
  return lines;
}

}  // namespace

int LogsCommand(const LogsOptions& o) {
  Result<std::string> home = CohortHome();
  if (!home.ok()) return Fail(home.status().message());
  std::string dir = *home + "/logs";
  std::vector<std::pair<std::string, std::string>> files;  // label, path
  DIR* d = ::opendir(dir.c_str());
  if (d) {
    while (struct dirent* e = ::readdir(d)) {
      std::string f = e->d_name;
      for (auto [suffix, wanted] : {std::pair{"-out.log", o.out}, std::pair{"-err.log", o.err}}) {
        std::string sfx(suffix);
        if (!wanted || f.size() <= sfx.size() || f.compare(f.size() - sfx.size(), sfx.size(), sfx) != 0) continue;
        std::string app = f.substr(0, f.size() - sfx.size());
        if (o.name.empty() || o.name == app) files.emplace_back(f, dir + "/" + f);
      }
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return Fail(o.name.empty() ? "no logs yet (in " + dir + ")" : "no logs for an app named " + o.name);
  }
  std::map<std::string, off_t> offsets;
  for (const auto& [label, path] : files) {
    fmt::print("==> {} <==\n", path);
    for (const std::string& line : LastLines(path, o.lines)) fmt::print("{}\n", line);
    struct stat st;
    offsets[path] = ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
  }
  std::fflush(stdout);
  if (!o.stream) return 0;
  // Follow: files only grow (or are truncated by `flush`); poll them, as tail -F does.
  for (;;) {
    for (const auto& [label, path] : files) {
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) continue;
      off_t& off = offsets[path];
      if (st.st_size < off) off = 0;
      if (st.st_size == off) continue;
      std::ifstream f(path);
      f.seekg(off);
      std::string chunk(static_cast<size_t>(st.st_size - off), '\0');
      f.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      off += static_cast<off_t>(f.gcount());
      fmt::print("{}", chunk.substr(0, static_cast<size_t>(f.gcount())));
      std::fflush(stdout);
    }
    ::usleep(200000);
  }
}

}  // namespace cohort
