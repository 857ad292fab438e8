#include "primary_control.h"

#include <signal.h>

#include <fmt/format.h>

#include "app_config.h"

namespace cohort {
namespace {

nlohmann::json Error(const std::string& message) { return {{"ok", false}, {"error", message}}; }

// "4", "+2", "-1" (relative) or "max".
Result<int> TargetInstances(const nlohmann::json& value, int current) {
  if (value.is_number_integer()) return value.get<int>();
  if (!value.is_string()) return Status::Error("instances must be a number, +N, -N or max");
  std::string s = value.get<std::string>();
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    Result<int> delta = ParseInstances(s.substr(1));
    if (!delta.ok() || s.size() < 2) return Status::Error(fmt::format("invalid instance count '{}'", s));
    return s[0] == '+' ? current + *delta : current - *delta;
  }
  return ParseInstances(s);
}

}  // namespace

void HandlePrimaryRequest(ClusterPrimary& primary, const nlohmann::json& req, ControlReply reply) {
  if (!req.is_object()) return reply(Error("a request must be a JSON object"));
  std::string cmd = req.value("cmd", "");
  const std::string& name = primary.config().name;
  if (req.contains("app") && req["app"] != name) {
    return reply(Error(fmt::format("no app named {} here", req["app"].dump())));
  }
  if (cmd == "ping") {
    return reply({{"ok", true}, {"pid", ::getpid()}, {"version", COHORT_VERSION}});
  }
  if (cmd == "ls") {
    return reply({{"ok", true}, {"apps", nlohmann::json::array({primary.Describe()})}});
  }
  if (cmd == "describe") {
    nlohmann::json app = primary.Describe();
    app["config"] = ConfigForDescribe(primary.config());
    return reply({{"ok", true}, {"app", app}});
  }
  if (cmd == "reload") {
    if (req.contains("environment")) {  // --update-env
      if (!req["environment"].is_array()) return reply(Error("environment must be a list of KEY=VALUE strings"));
      std::vector<std::string> environment;
      for (const auto& e : req["environment"]) {
        if (e.is_string()) environment.push_back(e.get<std::string>());
      }
      primary.SetEnvironment(std::move(environment));
    }
    primary.Reload([reply, name](Status s) {
      if (s.ok()) {
        reply({{"ok", true}});
      } else {
        reply(Error(fmt::format("reload of {} failed: {}", name, s.message())));
      }
    });
    return;
  }
  if (cmd == "send") {
    if (!req.contains("data")) return reply(Error("send needs data"));
    std::optional<int> slot;
    if (req.contains("slot")) {
      if (!req["slot"].is_number_integer()) return reply(Error("slot must be a number"));
      slot = req["slot"].get<int>();
    }
    Result<int> n = primary.SendMessage(req["data"], slot);
    if (!n.ok()) return reply(Error(n.status().message()));
    return reply({{"ok", true}, {"delivered", *n}});
  }
  if (cmd == "signal") {
    if (!req.contains("signal") || !req["signal"].is_number_integer()) return reply(Error("signal needs a signal number"));
    int sig = req["signal"].get<int>();
    if (sig < 1 || sig >= NSIG) return reply(Error(fmt::format("no signal {}", sig)));
    std::optional<int> slot;
    if (req.contains("slot")) {
      if (!req["slot"].is_number_integer()) return reply(Error("slot must be a number"));
      slot = req["slot"].get<int>();
    }
    Result<int> n = primary.SignalWorkers(sig, slot);
    if (!n.ok()) return reply(Error(fmt::format("{}: {}", name, n.status().message())));
    return reply({{"ok", true}, {"signalled", *n}});
  }
  if (cmd == "scale") {
    if (!req.contains("instances")) return reply(Error("scale needs instances"));
    Result<int> n = TargetInstances(req["instances"], primary.supervisor().instances());
    if (!n.ok()) return reply(Error(n.status().message()));
    if (*n < 1 || *n > 1024) return reply(Error(fmt::format("cannot scale to {} (1..1024)", *n)));
    primary.Scale(*n);
    return reply({{"ok", true}, {"instances", *n}});
  }
  if (cmd == "drain" || cmd == "undrain") {
    Status s = primary.SetDrained(cmd == "drain");
    if (!s.ok()) return reply(Error(s.message()));
    nlohmann::json health = primary.Describe()["health"];
    return reply({{"ok", true}, {"app", name}, {"health", health}});
  }
  if (cmd == "restart" || cmd == "delete") {
    return reply(Error(fmt::format("{} runs in the foreground (cohort run): {} is for daemon apps; use reload, or "
                                   "stop it there", name, cmd)));
  }
  reply(Error(fmt::format("unknown command '{}'", cmd)));
}

}  // namespace cohort
