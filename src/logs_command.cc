#include "logs_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cohort_home.h"
#include "control_client.h"
#include "control_commands.h"
#include "log_follower.h"

namespace cohort {
namespace {

using nlohmann::json;

constexpr const char* kReset = "\x1b[0m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kAppColors[] = {"\x1b[36m", "\x1b[32m", "\x1b[33m", "\x1b[35m", "\x1b[34m",
                                      "\x1b[96m", "\x1b[92m", "\x1b[93m", "\x1b[95m", "\x1b[94m"};

bool UseColor() {
  const char* term = ::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && !::getenv("NO_COLOR") && !(term && std::string_view(term) == "dumb");
}

Result<std::vector<AppLogs>> FromStateFile(const std::string& home) {
  std::vector<AppLogs> out;
  std::ifstream f(home + "/state.json");
  if (!f) return out;  // never ran a daemon: no apps
  json state = json::parse(f, nullptr, false);
  if (state.is_discarded() || !state.contains("apps") || !state["apps"].is_array()) {
    return Status::Error(home + "/state.json is damaged; start the daemon (`cohort ls`) to see the apps");
  }
  for (const json& entry : state["apps"]) {
    if (!entry.is_object()) continue;
    Result<AppConfig> config = AppConfigFromJson(entry.value("config", json::object()));
    if (config.ok() && !config->name.empty()) out.push_back({config->name, LogPathsFor(*config, home)});
  }
  return out;
}

// The apps `name` selects (all for ""), or an error naming what is wrong.
Result<std::vector<AppLogs>> Select(const std::string& home, const std::string& name) {
  Result<std::vector<AppLogs>> all = DaemonAppLogs(home);
  if (!all.ok()) return all;
  if (name.empty() || name == "all") {
    if (all->empty()) return Status::Error("no daemon apps (start one with `cohort start`)");
    return all;
  }
  for (AppLogs& a : *all) {
    if (a.name == name) return std::vector<AppLogs>{a};
  }
  Result<std::string> sock = AppSocketPath(home, name);
  if (sock.ok() && ::access(sock->c_str(), F_OK) == 0) {
    return Status::Error(
        fmt::format("{} runs in the foreground (`cohort run`): its output goes to the terminal "
                    "that started it",
                    name));
  }
  return Status::Error(fmt::format("no daemon app named {} (see `cohort ls`)", name));
}

}  // namespace

Result<std::vector<AppLogs>> DaemonAppLogs(const std::string& home) {
  Result<json> r = ControlCall(DaemonSocketPath(home), {{"cmd", "ls"}}, 5000);
  if (!r.ok()) {
    int e = r.status().sys_errno();
    if (e == ENOENT || e == ECONNREFUSED) return FromStateFile(home);
    return r.status();
  }
  if (!r->value("ok", false)) return Status::Error(r->value("error", std::string("the daemon refused `ls`")));
  std::vector<AppLogs> out;
  for (const json& app : (*r)["apps"]) {
    if (!app.contains("logs")) continue;
    const json& l = app["logs"];
    out.push_back({app.value("name", ""), {l.value("out", ""), l.value("err", ""), l.value("combined", "")}});
  }
  std::sort(out.begin(), out.end(), [](const AppLogs& a, const AppLogs& b) { return a.name < b.name; });
  return out;
}

std::string PaintLogLine(std::string_view line, std::string_view app, size_t color, bool is_stderr) {
  const char* c = kAppColors[color % std::size(kAppColors)];
  // "[web:0] ...", "2026-...Z [web] ...", "2026-11-24T20:31:05 [web:3] ...": the first [app] or [app:N].
  size_t at = std::string_view::npos;
  size_t end = 0;
  for (size_t from = 0; (from = line.find('[', from)) != std::string_view::npos; ++from) {
    std::string_view rest = line.substr(from + 1);
    if (!rest.starts_with(app)) continue;
    rest.remove_prefix(app.size());
    if (rest.starts_with("]")) {
      at = from;
      end = from + app.size() + 2;
      break;
    }
    size_t close = rest.find(']');
    if (rest.starts_with(":") && close != std::string_view::npos && close > 1 &&
        std::all_of(rest.begin() + 1, rest.begin() + static_cast<long>(close), ::isdigit)) {
      at = from;
      end = from + app.size() + 2 + close;
      break;
    }
  }
  if (at == std::string_view::npos) {
    return is_stderr ? fmt::format("{}{}{}", kRed, line, kReset) : std::string(line);
  }
  return fmt::format("{}{}{}{}{}{}{}", line.substr(0, at), c, line.substr(at, end - at), kReset, is_stderr ? kRed : "",
                     line.substr(end), is_stderr ? kReset : "");
}

int LogsCommand(const LogsOptions& o) {
  Result<std::string> home = CohortHome();
  if (!home.ok()) return Fail(home.status().message());
  Result<std::vector<AppLogs>> apps = Select(*home, o.name);
  if (!apps.ok()) return Fail(apps.status().message());
  struct Shown {
    std::string app;
    size_t color;
    bool is_stderr;
  };
  std::vector<std::string> paths;
  std::vector<Shown> shown;
  for (size_t i = 0; i < apps->size(); ++i) {
    const AppLogs& a = (*apps)[i];
    if (o.out) {
      paths.push_back(a.paths.out);
      shown.push_back({a.name, i, false});
    }
    if (o.err && a.paths.err != a.paths.out) {
      paths.push_back(a.paths.err);
      shown.push_back({a.name, i, true});
    }
  }
  bool color = UseColor();
  auto print = [&](size_t file, std::string_view line) {
    const Shown& s = shown[file];
    std::string text = color ? PaintLogLine(line, s.app, s.color, s.is_stderr) : std::string(line);
    text.push_back('\n');
    std::fwrite(text.data(), 1, text.size(), stdout);
  };
  LogFollower follower(paths);
  for (size_t i = 0; i < paths.size(); ++i) {
    std::string header = fmt::format("==> {} <==", paths[i]);
    fmt::print("{}\n", color ? fmt::format("{}{}{}", kDim, header, kReset) : header);
    for (const std::string& line : follower.Tail(i, o.lines)) print(i, line);
  }
  std::fflush(stdout);
  if (!o.stream) return 0;
  for (;;) {
    follower.Wait(1000);
    follower.Poll(print);
    if (std::fflush(stdout) != 0) return 1;  // the reader went away
  }
}

int FlushCommand(const std::string& name) {
  Result<std::string> home = CohortHome();
  if (!home.ok()) return Fail(home.status().message());
  Result<json> r = ControlCall(DaemonSocketPath(*home), {{"cmd", "flush"}, {"app", name}}, 30000);
  if (r.ok()) {
    if (!r->value("ok", false)) return Fail(r->value("error", std::string("flush refused")));
    for (const json& n : (*r)["apps"]) fmt::print("{}: logs flushed\n", n.get<std::string>());
    return 0;
  }
  int e = r.status().sys_errno();
  if (e != ENOENT && e != ECONNREFUSED) return Fail(r.status().message());
  // No daemon: nobody writes to the files; empty them from here.
  Result<std::vector<AppLogs>> apps = Select(*home, name);
  if (!apps.ok()) return Fail(apps.status().message());
  int failed = 0;
  for (const AppLogs& a : *apps) {
    for (const std::string& path : DistinctPaths(a.paths)) {
      if (::truncate(path.c_str(), 0) != 0 && errno != ENOENT) {
        failed = Fail(fmt::format("cannot empty {}: {}", path, std::strerror(errno)));
      }
      size_t slash = path.rfind('/');
      for (const std::string& e : TidyRotatedLogs(path.substr(0, slash), path.substr(slash + 1), 0, false)) {
        failed = Fail(e);
      }
    }
    fmt::print("{}: logs flushed\n", a.name);
  }
  return failed;
}

}  // namespace cohort
