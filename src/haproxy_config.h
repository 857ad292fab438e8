// `cohort haproxy-config`: an HAProxy 2.6 configuration for several hosts
// that each run cohort. HAProxy checks every host's --health endpoint (so a
// drained or stopping host leaves the rotation before its listeners close),
// keeps each user on one host (a cookie HAProxy inserts, or the client
// address), opens one server connection per client connection (cohort
// decides per-worker stickiness per connection) and tells cohort the real
// client (X-Forwarded-For, or a PROXY v2 header, for --trust-proxy).
// Pure text generation; no I/O.
#pragma once

#include <string>
#include <vector>

#include "restart_backoff.h"
#include "status.h"

namespace cohort {

struct HaproxyHost {
  std::string name;          // HAProxy's server name, also the cookie value: host1, host2, ...
  std::string address;       // where cohort's app listens: 10.0.0.1:8080, [2001:db8::1]:8080, app1.lan:8080
  std::string health_host;   // "" = the address's host
  int health_port = 0;
};

struct HaproxyOptions {
  std::vector<HaproxyHost> hosts;
  std::string bind = "*:80";
  std::string backend = "cohort";
  std::string sticky = "cookie";  // cookie (HAProxy inserts one) | source (client address) | none
  std::string cookie = "SERVERID";
  bool proxy_protocol = false;    // send-proxy-v2 instead of option forwardfor
  Millis check_interval{1000};
  int fall = 2;
  int rise = 2;
  std::string stats_socket;       // "" = none
  std::string command_line;       // for the header comment
};

// "ADDR:PORT[,health=[HOST:]PORT][,name=NAME]"; `index` (from 1) names it
// hostN by default, `health_port` (0 = none) is --health-port.
Result<HaproxyHost> ParseHaproxyHost(const std::string& text, int index, int health_port);
Result<std::string> HaproxyConfig(const HaproxyOptions& options);

}  // namespace cohort
