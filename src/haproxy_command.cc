#include "haproxy_command.h"

#include <fstream>

#include <fmt/format.h>

#include "duration.h"

namespace cohort {

void AddHaproxyOptions(CLI::App* cmd, HaproxyArgs& a) {
  HaproxyOptions& o = a.options;
  cmd->add_option("--host", a.hosts, "A host running cohort: ADDR:PORT[,health=[HOST:]PORT][,name=NAME] (repeatable)")
      ->required();
  cmd->add_option("--health-port", a.health_port, "The --health port of every host that does not name its own");
  cmd->add_option("--bind", o.bind, "Where HAProxy listens")->capture_default_str();
  cmd->add_option("--sticky", o.sticky,
                  "Keep each user on one host: cookie (HAProxy inserts one), source (client address) or none")
      ->capture_default_str();
  cmd->add_option("--cookie", o.cookie, "The cookie HAProxy inserts with --sticky cookie")->capture_default_str();
  cmd->add_flag("--proxy-protocol", o.proxy_protocol,
                "Send a PROXY v2 header to the hosts (run cohort with --trust-proxy) instead of X-Forwarded-For");
  cmd->add_option("--check-interval", a.check_interval, "How often HAProxy checks each host's health")
      ->capture_default_str();
  cmd->add_option("--fall", o.fall, "Failed checks before a host is out")->capture_default_str();
  cmd->add_option("--rise", o.rise, "Passed checks before a host is back")->capture_default_str();
  cmd->add_option("--stats-socket", o.stats_socket, "HAProxy's admin socket (show stat, set server ... state drain)");
  cmd->add_option("--backend", o.backend, "The backend's name")->capture_default_str();
  cmd->add_option("-o,--output", a.output, "Write the config to this file instead of standard output");
  cmd->footer("Example:\n  cohort haproxy-config --host 10.0.0.1:8080 --host 10.0.0.2:8080 --health-port 9000 "
              "> haproxy.cfg\n  haproxy -c -f haproxy.cfg\nSee docs/multi-host.md.");
}

int HaproxyConfigCommand(HaproxyArgs& a, const std::string& command_line) {
  auto usage = [](const std::string& message) {
    fmt::print(stderr, "cohort: {}\n", message);
    return 2;
  };
  HaproxyOptions& o = a.options;
  for (size_t i = 0; i < a.hosts.size(); ++i) {
    Result<HaproxyHost> h = ParseHaproxyHost(a.hosts[i], static_cast<int>(i + 1), a.health_port);
    if (!h.ok()) return usage(h.status().message());
    o.hosts.push_back(*h);
  }
  Result<Millis> inter = ParseDuration(a.check_interval);
  if (!inter.ok()) return usage("--check-interval: " + inter.status().message());
  o.check_interval = *inter;
  o.command_line = command_line;
  Result<std::string> config = HaproxyConfig(o);
  if (!config.ok()) return usage(config.status().message());
  if (a.output.empty()) {
    fmt::print("{}", *config);
    return 0;
  }
  std::ofstream f(a.output, std::ios::trunc);
  f << *config;
  f.flush();
  if (!f) return usage(fmt::format("cannot write {}", a.output));
  return 0;
}

}  // namespace cohort
