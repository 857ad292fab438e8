// AppConfig: everything that describes one app cohort runs (from the command
// line now; from config files and the daemon later), and its validation.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "log_rotation.h"
#include "restart_backoff.h"
#include "status.h"

namespace cohort {

struct AppConfig {
  std::string name;                    // default: script basename without extension
  std::string script;                  // absolute after Validate()
  std::string interpreter;             // "" = pick from the script ("node" for .js/.mjs/.cjs); "none" = exec the script
  std::vector<std::string> interpreter_args;  // --node-args
  std::vector<std::string> args;       // after --
  std::string cwd;                     // absolute after Validate(); default: the caller's
  std::vector<std::pair<std::string, std::string>> env;  // --env K=V, over the caller's environment
  // The environment the workers start from ("K=V" entries), captured by
  // `cohort start` from the caller as PM2 does; empty: the primary's own.
  std::vector<std::string> environment;
  int instances = 1;
  // rr | least | shared; "" until Validate() picks the default: rr for Node
  // apps; for --listen programs shared (they accept from LISTEN_FDS), or rr
  // with --sticky / --trust-proxy (balanced: connections come over a channel).
  std::string scheduler;
  // Sticky balancing (sticky_key.h): "" (none), ip, cookie:NAME, header:NAME,
  // query:NAME; with it, `scheduler` places connections that have no key.
  std::string sticky;
  std::string trust_proxy;             // --trust-proxy: addresses/CIDRs ("" = none)
  Millis sticky_ttl{0};                // declared keys expire; 0 = when their worker goes
  Millis sticky_timeout{1000};         // how long to wait for a connection's first bytes
  // Shared store (--store): "" none, "builtin" (cohort's own, a supervised
  // child started before the workers), or redis://host:port[/db] (external).
  std::string store;
  // Any-language mode (--listen): the primary owns these sockets. In shared
  // mode it hands them to every worker systemd-style (LISTEN_FDS, fds from 3)
  // and workers accept themselves; in balanced mode (scheduler rr|least) it
  // accepts and passes each connection over the worker's channel
  // (docs/worker-protocol.md). Entries as ParseListenAddress takes them.
  std::vector<std::string> listen;
  // When a --listen worker counts as ready: "" at once, "notify" on READY=1
  // (sd_notify via NOTIFY_SOCKET), "delay:DURATION" after that long.
  std::string ready;
  // --listen workers: systemd's watchdog (WATCHDOG_USEC); one silent for this
  // long is killed and restarted. 0 = off.
  Millis watchdog{0};
  // --listen workers: the signal that asks one to leave ("SIGTERM" after
  // Validate() when none was given); SIGKILL follows after kill_timeout.
  std::string stop_signal;
  Millis ready_timeout{10000};
  Millis kill_timeout{5000};
  // max_memory_restart: a serving worker whose resident memory goes over this
  // many bytes is replaced the rolling way; 0 = no limit.
  uint64_t max_memory_restart = 0;
  // Crash loop: after max_restarts restarts in a row of workers that lived
  // less than min_uptime, the app is errored and stops respawning (PM2's names).
  int max_restarts = 16;
  Millis min_uptime{1000};
  // Log files of a daemon app (`cohort run` writes to its terminal): "" is
  // $COHORT_HOME/logs/<name>-out.log / -err.log (app_log.h); absolute after
  // Validate() (a relative path is taken from cwd, as PM2 does).
  std::string out_file, error_file;
  std::string log_file;         // both streams also go here ("" = none)
  std::string log_date_format;  // a timestamp on each worker line ("" = none); LogDateFormat tokens
  LogRotation log_rotation;
  // --health HOST:PORT: an HTTP endpoint for load balancers' checks (health.h).
  std::string health;
  // How long a graceful stop serves on after health turns 503, so the
  // proxies' checks notice first. Unset: 3s with --health, 0 without (set
  // by ValidateAppConfig).
  std::optional<Millis> drain_delay;
};

// Checks and completes `config`: resolves the script against cwd (error names
// the missing file), picks the interpreter, defaults the name, checks limits.
Status ValidateAppConfig(AppConfig& config);

// True for --listen programs that get their connections over a channel
// (balanced) rather than the listening sockets (shared). After Validate().
bool IsBalancedProgram(const AppConfig& config);

// --watchdog's value: a plain number is seconds (systemd's WatchdogSec=),
// otherwise a duration ("500ms", "2s").
Result<Millis> ParseWatchdog(const std::string& text);

// "max" or 0 = one per CPU, "-N" = CPUs minus N (at least 1), "N" = N.
Result<int> ParseInstances(const std::string& text);
int CpuCount();

// The worker command line: interpreter, its args, script, script args.
std::vector<std::string> WorkerArgv(const AppConfig& config);

// For the daemon's state file and the start request.
nlohmann::json AppConfigToJson(const AppConfig& config);
// For `cohort describe`: AppConfigToJson, with the captured environment as
// names only ("environment_keys"): it holds whatever the caller's shell had,
// tokens included. The explicit env (--env, a config file's env) is shown.
nlohmann::json ConfigForDescribe(const AppConfig& config);
// Reads what AppConfigToJson wrote; unknown fields are ignored, wrong types
// are errors naming the field. The result still needs ValidateAppConfig().
Result<AppConfig> AppConfigFromJson(const nlohmann::json& j);

}  // namespace cohort
