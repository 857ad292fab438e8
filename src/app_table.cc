#include "app_table.h"

#include <algorithm>

#include <fmt/format.h>

#include "byte_size.h"
#include "duration.h"

namespace cohort {

using nlohmann::json;

std::string FormatCpu(const json& percent) {
  if (!percent.is_number()) return "-";
  return fmt::format("{:.1f}%", percent.get<double>());
}

std::string FormatMemory(const json& bytes) {
  if (!bytes.is_number()) return "-";
  return FormatBytes(bytes.get<uint64_t>());
}

std::vector<AppRow> RowsOf(const json& app) {
  std::string name = app.value("name", "?");
  std::string status = app.value("status", "running");
  std::vector<AppRow> rows;
  if (status == "stopped" || (status == "errored" && app.value("workers", json::array()).empty())) {
    rows.push_back({name, "-", "-", status, "-", "-", "-", "-", "-"});
    return rows;
  }
  std::vector<json> workers(app["workers"].begin(), app["workers"].end());
  std::sort(workers.begin(), workers.end(), [](const json& a, const json& b) {
    return std::pair(a.value("slot", 0), a.value("id", 0)) < std::pair(b.value("slot", 0), b.value("id", 0));
  });
  for (const json& w : workers) {
    rows.push_back({name, std::to_string(w.value("slot", 0)), std::to_string(w.value("pid", 0)),
                    w.value("state", "?"), FormatDuration(Millis(w.value("uptime_ms", int64_t{0}))),
                    std::to_string(w.value("restarts", 0)), FormatCpu(w.value("cpu_percent", json())),
                    FormatMemory(w.value("rss_bytes", json())), std::to_string(w.value("connections", uint64_t{0}))});
  }
  for (const char* field : {"waiting_slots", "errored_slots"}) {
    bool errored = std::string_view(field) == "errored_slots";
    for (const json& s : app.value(field, json::array())) {
      rows.push_back({name, std::to_string(s.value("slot", 0)), "-", errored ? "errored" : "waiting (backoff)", "-",
                      std::to_string(s.value("restarts", 0)), "-", "-", "-"});
    }
  }
  return rows;
}

std::string FormatAppRow(const AppRow& r) {
  return fmt::format("{:<16} {:>4} {:>8} {:<18} {:>8} {:>8} {:>7} {:>10} {:>8}\n", r.app, r.slot, r.pid, r.status,
                     r.uptime, r.restarts, r.cpu, r.memory, r.connections);
}

AppRow HeaderRow() { return {"NAME", "SLOT", "PID", "STATUS", "UPTIME", "RESTARTS", "CPU", "MEMORY", "CONNS"}; }

namespace {

// The lines under an app's rows: where it runs, its store, why it is errored.
std::string Details(const json& app) {
  std::string name = app.value("name", "?");
  std::string out;
  if (app.contains("error")) out += fmt::format("  {}: {}\n", name, app.value("error", ""));
  for (const json& s : app.value("errored_slots", json::array())) {
    if (!app.contains("error")) out += fmt::format("  {}: slot {}: {}\n", name, s.value("slot", 0), s.value("error", ""));
  }
  if (app.value("status", "running") != "running" || !app.contains("listeners")) return out;
  std::vector<std::string> addrs;
  for (const json& l : app["listeners"]) addrs.push_back(l.value("address", "?"));
  out += fmt::format("  {}: {} pid {}, scheduler {}, listening on {}{}\n", name,
                     app.value("daemon", false) ? "daemon" : "primary", app.value("primary_pid", 0),
                     app.value("scheduler", "?"), addrs.empty() ? "nothing yet" : fmt::format("{}", fmt::join(addrs, ", ")),
                     app.value("reloading", false) ? ", reloading" : "");
  if (app.contains("health") && app["health"].is_object()) {
    const json& h = app["health"];
    out += fmt::format("  {}: health on {} answers {} ({})\n", name, h.value("address", "?"), h.value("status", 0),
                       h.value("state", "?"));
  }
  if (app.contains("store") && app["store"].is_object()) {
    const json& st = app["store"];
    if (st.contains("url")) {
      out += fmt::format("  {}: store {}\n", name, st.value("url", "?"));
    } else {
      out += fmt::format("  {}: store pid {} on 127.0.0.1:{} and {}, restarts {}\n", name, st.value("pid", 0),
                         st.value("port", 0), st.value("socket", "?"), st.value("restarts", 0));
    }
  }
  return out;
}

}  // namespace

std::string FormatAppTable(const json& apps) {
  if (apps.empty()) return "no apps are running\n";
  std::string out = FormatAppRow(HeaderRow());
  for (const json& app : apps) {
    for (const AppRow& r : RowsOf(app)) out += FormatAppRow(r);
    out += Details(app);
  }
  return out;
}

}  // namespace cohort
