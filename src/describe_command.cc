#include "describe_command.h"

#include <fmt/format.h>

#include <algorithm>

#include "byte_size.h"
#include "control_commands.h"
#include "duration.h"

namespace cohort {
namespace {

using nlohmann::json;

// j[key], or an empty array when it is missing (a const json's [] must not miss).
const json& Field(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? kEmpty : *it;
}

std::string Joined(const json& list, const char* sep = " ") {
  std::vector<std::string> words;
  for (const json& w : list) words.push_back(w.is_string() ? w.get<std::string>() : w.dump());
  return fmt::format("{}", fmt::join(words, sep));
}

void Row(std::string& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out += fmt::format("  {:<13}{}\n", key, value);
}

// --listen programs: the sockets, how they are delivered, and how a worker starts and stops.
std::string ListenRow(const json& c) {
  std::string row = Joined(Field(c, "listen"), ", ");
  row += c.value("scheduler", "") == "shared" ? " (shared: LISTEN_FDS)" : " (balanced: over each worker's channel)";
  if (!c.value("ready", "").empty()) row += ", ready " + c.value("ready", "");
  if (int64_t ms = c.value("watchdog_ms", int64_t{0}); ms > 0) row += ", watchdog " + FormatDuration(Millis(ms));
  if (!c.value("stop_signal", "").empty()) row += ", stop signal " + c.value("stop_signal", "");
  return row;
}

void ConfigRows(std::string& out, const json& c) {
  Row(out, "script", c.value("script", "") + (Field(c, "args").empty() ? "" : " " + Joined(Field(c, "args"))));
  std::string interp = c.value("interpreter", "");
  if (!Field(c, "interpreter_args").empty()) interp += " " + Joined(Field(c, "interpreter_args"));
  Row(out, "interpreter", interp);
  Row(out, "cwd", c.value("cwd", ""));
  Row(out, "scheduler", c.value("scheduler", ""));
  Row(out, "sticky", c.value("sticky", ""));
  Row(out, "store", c.value("store", ""));
  if (!Field(c, "listen").empty()) Row(out, "listen", ListenRow(c));
  Row(out, "timeouts",
      fmt::format("ready {}, kill {}", FormatDuration(Millis(c.value("ready_timeout_ms", int64_t{0}))),
                  FormatDuration(Millis(c.value("kill_timeout_ms", int64_t{0})))));
  std::vector<std::string> env;
  for (const auto& [k, v] : Field(c, "env").items())
    env.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  Row(out, "env", fmt::format("{}", fmt::join(env, " ")));
  size_t captured = Field(c, "environment_keys").size();
  if (captured > 0) {
    Row(out, "environment",
        fmt::format("{} variables captured from the shell that started it (names: --json)", captured));
  }
}

void LogRows(std::string& out, const json& logs) {
  Row(out, "logs", "out " + logs.value("out", ""));
  Row(out, "", "err " + logs.value("err", ""));
  if (logs.contains("combined")) Row(out, "", "all " + logs.value("combined", ""));
  uint64_t max = logs.value("max_size", uint64_t{0});
  Row(out, "",
      max == 0 ? std::string("never rotated")
               : fmt::format("rotated at {}, {} kept{}", FormatBytes(max), logs.value("max_files", 0),
                             logs.value("compress", false) ? ", gzipped" : ""));
  if (logs.contains("date_format")) Row(out, "", "timestamps " + logs.value("date_format", ""));
}

void WorkerRows(std::string& out, const json& app) {
  std::vector<json> workers(Field(app, "workers").begin(), Field(app, "workers").end());
  std::sort(workers.begin(), workers.end(), [](const json& a, const json& b) {
    return std::pair(a.value("slot", 0), a.value("id", 0)) < std::pair(b.value("slot", 0), b.value("id", 0));
  });
  if (workers.empty() && Field(app, "waiting_slots").empty()) return;
  out +=
      fmt::format("\n  {:>4} {:>8} {:<18} {:>8} {:>9} {:>10}\n", "SLOT", "PID", "STATE", "RESTARTS", "UPTIME", "CONNS");
  for (const json& w : workers) {
    out += fmt::format("  {:>4} {:>8} {:<18} {:>8} {:>9} {:>10}\n", w.value("slot", 0), w.value("pid", 0),
                       w.value("state", "?"), w.value("restarts", 0),
                       FormatDuration(Millis(w.value("uptime_ms", int64_t{0}))), w.value("connections", uint64_t{0}));
  }
  for (const json& s : Field(app, "waiting_slots")) {
    out += fmt::format("  {:>4} {:>8} {:<18} {:>8} {:>9} {:>10}\n", s.value("slot", 0), "-", "waiting (backoff)",
                       s.value("restarts", 0), "-", "-");
  }
}

}  // namespace

std::string FormatDescription(const json& app) {
  std::string out;
  bool daemon = app.value("daemon", false);
  out += fmt::format("{} ({}, {})\n", app.value("name", "?"), daemon ? "daemon" : "foreground `cohort run`",
                     app.value("status", "running"));
  if (app.contains("error")) Row(out, "error", app.value("error", ""));
  Row(out, "primary pid", fmt::format("{}", app.value("primary_pid", 0)));
  if (app.contains("config")) ConfigRows(out, Field(app, "config"));
  int restarts = 0;
  for (const json& w : Field(app, "workers")) restarts += w.value("restarts", 0);
  Row(out, "workers",
      fmt::format("{} of {} (restarts {})", Field(app, "workers").size(), app.value("instances", 0), restarts));
  if (app.contains("reloads")) {
    Row(out, "reloads",
        fmt::format("{} succeeded, {} failed{}", Field(app, "reloads").value("succeeded", 0),
                    Field(app, "reloads").value("failed", 0), app.value("reloading", false) ? ", one running" : ""));
  }
  if (app.contains("connections")) {
    const json& c = Field(app, "connections");
    Row(out, "connections",
        fmt::format("{} handed, {} confirmed, {} bounced, {} dropped", c.value("handed", 0), c.value("confirmed", 0),
                    c.value("bounced", 0), c.value("dropped", 0)));
  }
  std::vector<std::string> addrs;
  for (const json& l : Field(app, "listeners")) addrs.push_back(l.value("address", "?"));
  Row(out, "listening", addrs.empty() ? std::string("nothing yet") : fmt::format("{}", fmt::join(addrs, ", ")));
  if (app.contains("logs")) LogRows(out, Field(app, "logs"));
  if (!daemon) Row(out, "logs", "on the terminal that runs it");
  WorkerRows(out, app);
  return out;
}

int DescribeCommand(const std::string& name, bool as_json) {
  auto r = CallApp(name, {{"cmd", "describe"}});
  if (!r) return 1;
  const json& app = (*r)["app"];
  if (as_json) {
    fmt::print("{}\n", app.dump(2));
  } else {
    fmt::print("{}", FormatDescription(app));
  }
  return 0;
}

}  // namespace cohort
