#include "run_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "byte_size.h"
#include "duration.h"
#include "log_date_format.h"

namespace cohort {

std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

namespace {

void AddLogOptions(CLI::App* run, RunArgs& a) {
  const char* group = "Logs";
  auto daemon_only = [&](CLI::Option* o) {
    a.daemon_only.push_back(o->group(group));
    return o;
  };
  daemon_only(run->add_option("-o,--output,--out-file", a.out_file,
                              "start: the app's stdout log file (default: $COHORT_HOME/logs/NAME-out.log)"));
  daemon_only(run->add_option("--error,--error-file", a.error_file,
                              "start: the app's stderr log file (default: $COHORT_HOME/logs/NAME-err.log)"));
  a.log_options.push_back(daemon_only(
      run->add_option("-l,--log,--log-file", a.log_file,
                      "start: also write stdout and stderr to this file (alone: $COHORT_HOME/logs/NAME.log)")
          ->expected(0, 1)));
  run->add_flag("--time", a.time, "Prefix each line of the app with the time, as PM2's --time (YYYY-MM-DDTHH:mm:ss)")
      ->group(group);
  run->add_option("--log-date-format", a.log_date_format,
                  "Prefix each line with the time in this format (moment tokens, e.g. \"YYYY-MM-DD HH:mm:ss.SSS Z\")")
      ->group(group);
  daemon_only(run->add_option("--log-max-size", a.log_max_size,
                              "start: rotate a log file when it reaches this size (K, M, G; 0: never)")
                  ->capture_default_str());
  daemon_only(run->add_option("--log-max-files", a.log_max_files, "start: rotated files kept per log file")
                  ->capture_default_str());
  daemon_only(run->add_flag("--log-compress", a.log_compress, "start: gzip rotated log files"));
}

// Parses an option's text into *out, naming the option in the error.
template <typename T, typename Parse>
Status ParseOption(const char* option, const std::string& text, Parse parse, T* out) {
  auto value = parse(text);
  if (!value.ok()) return Status::Error(fmt::format("{}: {}", option, value.status().message()));
  *out = *value;
  return Status::Ok();
}

}  // namespace

std::string DaemonOnlyOptionGiven(const RunArgs& a) {
  for (CLI::Option* o : a.daemon_only) {
    if (o->count() > 0) {
      return fmt::format("{} applies to `cohort start`: `cohort run` writes the app's output to its terminal",
                         o->get_name());
    }
  }
  return "";
}

void AddRunOptions(CLI::App* run, RunArgs& a) {
  run->add_option("script", a.script, "The program to run, e.g. server.js (or give the command after --)");
  run->add_option("args", a.args, "Arguments for the program (after --)");
  run->add_option("-i,--instances", a.instances, "Number of workers: N, max (one per CPU) or -N (CPUs minus N)")
      ->capture_default_str();
  run->add_option("-n,--name", a.name, "App name (default: the script's name without extension)");
  run->add_option("--interpreter", a.interpreter,
                  "Program that runs the script (default: node; 'none' runs it directly)");
  run->add_option("--node-args", a.node_args, "Arguments for the interpreter, e.g. \"--max-old-space-size=512\"");
  run->add_option("--cwd", a.cwd, "Working directory of the workers (default: the current one)");
  run->add_option("-e,--env", a.env, "Environment variable for the workers, KEY=VALUE (repeatable)");
  run->add_option("-s,--scheduler", a.scheduler,
                  "Connection balancing: rr (round-robin; the default for Node apps), least, shared (kernel; the "
                  "default with --listen)");
  run->add_option("--sticky", a.sticky, "Keep each user on one worker, by: ip, cookie:NAME, header:NAME or query:NAME");
  run->add_option("--trust-proxy", a.trust_proxy,
                  "Proxies (addresses, CIDRs, or 'loopback') whose PROXY header / X-Forwarded-For names the client");
  run->add_option("--sticky-ttl", a.sticky_ttl,
                  "Forget keys workers declared (cohort:sticky) after this long; 0: never")
      ->capture_default_str();
  run->add_option("--sticky-timeout", a.sticky_timeout,
                  "How long to wait for a new connection's first bytes before placing it without a key")
      ->capture_default_str();
  run->add_option("--store", a.store,
                  "Shared store for the workers (REDIS_URL): alone, cohort's built-in one; or a redis:// URL")
      ->expected(0, 1)
      ->default_str("builtin");
  run->add_option("--listen", a.listen,
                  "Any program: own this socket (PORT, HOST:PORT, [V6]:PORT, unix:PATH; repeatable) and give it to "
                  "every worker systemd-style (LISTEN_FDS); with --scheduler rr|least or --sticky, pass each "
                  "connection over the worker's channel instead (docs/worker-protocol.md)");
  run->add_option("--ready", a.ready,
                  "With --listen: a worker is ready on READY=1 (notify: sd_notify via NOTIFY_SOCKET, or \"ready\" on "
                  "its channel) or after delay:DURATION; default at once");
  run->add_option("--watchdog", a.watchdog,
                  "With --listen: a worker that sends no WATCHDOG=1 (sd_notify) for this long is replaced; a plain "
                  "number is seconds");
  run->add_option("--stop-signal", a.stop_signal,
                  "With --listen: the signal that asks a worker to leave (default SIGTERM; SIGKILL after --kill-timeout)");
  run->add_option("--ready-timeout", a.ready_timeout, "How long a new worker may take to listen during a reload")
      ->capture_default_str();
  run->add_option("--kill-timeout", a.kill_timeout, "How long a leaving worker may take before SIGKILL")
      ->capture_default_str();
  run->add_option("--max-memory-restart", a.max_memory_restart,
                  "Replace a worker (rolling, no downtime) when its resident memory goes over this, e.g. 300M, 1G");
  run->add_option("--max-restarts", a.max_restarts,
                  "Unstable restarts in a row (workers that lived less than --min-uptime) before the app is errored")
      ->capture_default_str();
  run->add_option("--min-uptime", a.min_uptime, "A worker that exits sooner than this after starting is unstable")
      ->capture_default_str();
  run->add_option("--metrics", a.metrics,
                  "Serve Prometheus metrics at http://ADDR/metrics: PORT or 127.0.0.1:PORT (loopback), "
                  "public:HOST:PORT for another address; for `start`, the daemon's (default $COHORT_METRICS)");
  run->add_option("--health", a.health,
                  "Serve GET /health on this address (HOST:PORT or PORT) for load balancers: 200 while a worker is "
                  "ready, 503 while drained, stopping or none is");
  run->add_option("--drain-delay", a.drain_delay,
                  "On a graceful stop, answer 503 on --health and serve on this long before closing, so the "
                  "proxies notice (default: 3s with --health)");
  AddLogOptions(run, a);
  run->add_flag("-q,--quiet", a.quiet, "Only warnings and errors from cohort itself (workers' output stays)");
  run->add_flag("--json-logs", a.json_logs, "Every log line as a JSON object on stdout");
  run->add_flag("-v,--verbose", a.verbose, "Also debug lines (messages from workers, channel events)");
}

Result<AppConfig> ToAppConfig(const RunArgs& a, const std::string& home) {
  AppConfig c;
  c.script = a.script;
  c.args = a.args;
  if (c.script.empty() && !c.args.empty()) {  // `cohort run --listen 8080 -- ./server --flag`
    c.script = c.args.front();
    c.args.erase(c.args.begin());
  }
  c.name = a.name;
  c.interpreter = a.interpreter;
  c.interpreter_args = SplitWords(a.node_args);
  c.cwd = a.cwd;
  c.scheduler = a.scheduler;
  Result<int> n = ParseInstances(a.instances);
  if (!n.ok()) return n.status();
  c.instances = *n;
  for (const std::string& kv : a.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Error(fmt::format("--env {}: expected KEY=VALUE", kv));
    }
    c.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  uint64_t log_max_size = 0;
  for (Status s : {ParseOption("--ready-timeout", a.ready_timeout, ParseDuration, &c.ready_timeout),
                   ParseOption("--kill-timeout", a.kill_timeout, ParseDuration, &c.kill_timeout),
                   ParseOption("--sticky-ttl", a.sticky_ttl, ParseDuration, &c.sticky_ttl),
                   ParseOption("--sticky-timeout", a.sticky_timeout, ParseDuration, &c.sticky_timeout),
                   ParseOption("--min-uptime", a.min_uptime, ParseDuration, &c.min_uptime),
                   ParseOption("--log-max-size", a.log_max_size, ParseByteSize, &log_max_size),
                   // Off unless given:
                   a.watchdog.empty() ? Status::Ok() : ParseOption("--watchdog", a.watchdog, ParseWatchdog, &c.watchdog),
                   a.max_memory_restart.empty() ? Status::Ok()
                                                : ParseOption("--max-memory-restart", a.max_memory_restart,
                                                              ParseByteSize, &c.max_memory_restart)}) {
    if (!s.ok()) return s;
  }
  c.sticky = a.sticky;
  c.trust_proxy = a.trust_proxy;
  c.store = a.store;
  c.listen = a.listen;
  c.ready = a.ready;
  c.stop_signal = a.stop_signal;
  c.max_restarts = a.max_restarts;
  c.health = a.health;
  if (!a.drain_delay.empty()) {
    Result<Millis> d = ParseDuration(a.drain_delay);
    if (!d.ok()) return Status::Error("--drain-delay: " + d.status().message());
    c.drain_delay = *d;
  }
  c.out_file = a.out_file;
  c.error_file = a.error_file;
  c.log_file = a.log_file;
  c.log_date_format = !a.log_date_format.empty() ? a.log_date_format : a.time ? LogDateFormat::kPm2Time : "";
  c.log_rotation = {.max_size = log_max_size, .max_files = a.log_max_files, .compress = a.log_compress};
  Status s = ValidateAppConfig(c);
  if (!s.ok()) return s;
  bool bare_log =
      std::any_of(a.log_options.begin(), a.log_options.end(), [](CLI::Option* o) { return o->count() > 0; });
  if (bare_log && a.log_file.empty()) c.log_file = home + "/logs/" + c.name + ".log";
  return c;
}

}  // namespace cohort
