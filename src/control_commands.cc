#include "control_commands.h"

#include <cstdio>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app_table.h"
#include "cohort_home.h"
#include "control_client.h"
#include "duration.h"
#include "exit_status.h"
#include "node_protocol.h"

namespace cohort {

using nlohmann::json;

int Fail(const std::string& message) {
  fmt::print(stderr, "cohort: {}\n", message);
  return 1;
}

bool NobodyThere(const Status& s) { return s.sys_errno() == ENOENT || s.sys_errno() == ECONNREFUSED; }

Result<json> Accepted(const Result<json>& response, const std::string& nobody_there) {
  if (!response.ok()) {
    return NobodyThere(response.status()) ? Status::Error(nobody_there) : response.status();
  }
  if (!response->value("ok", false)) return Status::Error(response->value("error", std::string("the request was refused")));
  return *response;
}

std::optional<json> Answered(const Result<json>& response, const std::string& nobody_there) {
  Result<json> r = Accepted(response, nobody_there);
  if (!r.ok()) {
    Fail(r.status().message());
    return std::nullopt;
  }
  return *r;
}

Result<json> RequestApp(const std::string& name, json request) {
  Result<std::string> home = CohortHome();
  if (!home.ok()) return home.status();
  request["app"] = name;
  // A foreground `cohort run` of that name first, then the daemon's apps.
  Result<json> response = Status::Error("", ENOENT);
  if (name != "all") {
    Result<std::string> path = AppSocketPath(*home, name);
    if (!path.ok()) return path.status();
    response = ControlCall(*path, request, -1);
  }
  if (!response.ok() && NobodyThere(response.status())) {
    response = ControlCall(DaemonSocketPath(*home), request, -1);
  }
  return Accepted(response, fmt::format("no running app named {} (see `cohort ls`)", name));
}

std::optional<json> CallApp(const std::string& name, json request) {
  Result<json> r = RequestApp(name, std::move(request));
  if (!r.ok()) {
    Fail(r.status().message());
    return std::nullopt;
  }
  return *r;
}

json ListApps(const std::string& home) {
  json apps = json::array();
  for (const std::string& path : ListAppSockets(home)) {
    Result<json> r = ControlCall(path, {{"cmd", "ls"}}, 5000);
    if (!r.ok() || !r->value("ok", false)) continue;  // a stale socket or a primary going away
    for (auto& app : (*r)["apps"]) apps.push_back(app);
  }
  return apps;
}

int LsCommand(bool as_json) {
  Result<std::string> home = CohortHome();
  if (!home.ok()) return Fail(home.status().message());
  json apps = ListApps(*home);
  if (as_json) {
    fmt::print("{}\n", json{{"apps", apps}}.dump(2));
    return 0;
  }
  fmt::print("{}", FormatAppTable(apps));
  return 0;
}

int SendCommand(const std::string& name, const std::string& text, std::optional<int> slot) {
  bool too_deep = false;
  json data = ParseJsonWithinDepth(text, &too_deep);
  if (too_deep) return Fail(fmt::format("the message is nested deeper than {} levels", kMaxJsonDepth));
  if (data.is_discarded()) return Fail(fmt::format("the message is not valid JSON: {}", text));
  json request = {{"cmd", "send"}, {"data", data}};
  if (slot) request["slot"] = *slot;
  auto r = CallApp(name, request);
  if (!r) return 1;
  int delivered = r->value("delivered", 0);
  fmt::print("{}: sent to {} worker(s)\n", name, delivered);
  return delivered > 0 ? 0 : 1;
}

int SignalCommand(const std::string& signal, const std::string& name, std::optional<int> slot) {
  Result<int> sig = ParseSignal(signal);
  if (!sig.ok()) return Fail(sig.status().message());
  json request = {{"cmd", "signal"}, {"signal", *sig}};
  if (slot) request["slot"] = *slot;
  auto r = CallApp(name, request);
  if (!r) return 1;
  int n = r->value("signalled", 0);
  fmt::print("{}: sent {} to {} worker(s){}\n", name, SignalName(*sig), n, slot ? fmt::format(" in slot {}", *slot) : "");
  return n > 0 ? 0 : 1;
}

int ScaleCommand(const std::string& name, const std::string& instances) {
  auto r = CallApp(name, {{"cmd", "scale"}, {"instances", instances}});
  if (!r) return 1;
  fmt::print("{}: scaling to {} worker(s)\n", name, r->value("instances", 0));
  return 0;
}

int DrainCommand(const std::string& name, bool drain, Millis wait) {
  auto r = CallApp(name, {{"cmd", drain ? "drain" : "undrain"}});
  if (!r) return 1;
  std::vector<std::string> names;
  if (r->contains("apps")) {
    for (const json& n : (*r)["apps"]) names.push_back(n.get<std::string>());
  } else {
    names.push_back(name);
  }
  if (names.empty()) fmt::print("no daemon app has a --health endpoint: nothing to {}\n", drain ? "drain" : "undrain");
  for (const std::string& n : names) {
    fmt::print("{}: {}\n", n, drain ? "drained: health answers 503, the workers serve on"
                                    : "undrained: health answers 200 while a worker is ready");
  }
  if (drain && wait.count() > 0) {
    // The proxies notice at their next failed checks; nothing here can tell when.
    fmt::print("waiting {} for the proxies' health checks\n", FormatDuration(wait));
    std::fflush(stdout);
    std::this_thread::sleep_for(wait);
  }
  return 0;
}

}  // namespace cohort
