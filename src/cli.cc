#include "cli.h"

#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app_config.h"
#include "byte_size.h"
#include "config_file.h"
#include "control_commands.h"
#include "daemon.h"
#include "daemon_commands.h"
#include "duration.h"
#include "metrics_server.h"
#include "monit_command.h"
#include "run_command.h"
#include "store_command.h"

namespace cohort {
namespace {

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

int Usage(const std::string& message) {
  fmt::print(stderr, "cohort: {}\n", message);
  return 2;
}

struct RunArgs {
  std::string instances = "1";
  std::string name, interpreter, node_args, cwd, scheduler;
  std::string script;
  std::vector<std::string> args, env;
  std::string ready_timeout = "10s", kill_timeout = "5s";
  std::string sticky, trust_proxy, sticky_ttl = "0", sticky_timeout = "1s";
  std::string store;
  std::vector<std::string> listen;
  std::string ready, watchdog, stop_signal;
  std::string max_memory_restart, min_uptime = "1s";
  std::string metrics;
  int max_restarts = 16;
  bool quiet = false, json_logs = false, verbose = false;
};

void AddRunOptions(CLI::App* run, RunArgs& a) {
  run->add_option("script", a.script, "The program to run, e.g. server.js (or give the command after --)");
  run->add_option("args", a.args, "Arguments for the program (after --)");
  run->add_option("-i,--instances", a.instances, "Number of workers: N, max (one per CPU) or -N (CPUs minus N)")
      ->capture_default_str();
  run->add_option("-n,--name", a.name, "App name (default: the script's name without extension)");
  run->add_option("--interpreter", a.interpreter, "Program that runs the script (default: node; 'none' runs it directly)");
  run->add_option("--node-args", a.node_args, "Arguments for the interpreter, e.g. \"--max-old-space-size=512\"");
  run->add_option("--cwd", a.cwd, "Working directory of the workers (default: the current one)");
  run->add_option("-e,--env", a.env, "Environment variable for the workers, KEY=VALUE (repeatable)");
  run->add_option("-s,--scheduler", a.scheduler,
                  "Connection balancing: rr (round-robin; the default for Node apps), least, shared (kernel; the "
                  "default with --listen)");
  run->add_option("--sticky", a.sticky,
                  "Keep each user on one worker, by: ip, cookie:NAME, header:NAME or query:NAME");
  run->add_option("--trust-proxy", a.trust_proxy,
                  "Proxies (addresses, CIDRs, or 'loopback') whose PROXY header / X-Forwarded-For names the client");
  run->add_option("--sticky-ttl", a.sticky_ttl, "Forget keys workers declared (cohort:sticky) after this long; 0: never")
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
  run->add_flag("-q,--quiet", a.quiet, "Only warnings and errors from cohort itself (workers' output stays)");
  run->add_flag("--json-logs", a.json_logs, "Every log line as a JSON object on stdout");
  run->add_flag("-v,--verbose", a.verbose, "Also debug lines (messages from workers, channel events)");
}

Result<AppConfig> ToAppConfig(const RunArgs& a) {
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
  Result<Millis> ready = ParseDuration(a.ready_timeout);
  if (!ready.ok()) return Status::Error("--ready-timeout: " + ready.status().message());
  Result<Millis> kill = ParseDuration(a.kill_timeout);
  if (!kill.ok()) return Status::Error("--kill-timeout: " + kill.status().message());
  c.ready_timeout = *ready;
  c.kill_timeout = *kill;
  c.sticky = a.sticky;
  c.trust_proxy = a.trust_proxy;
  c.store = a.store;
  c.listen = a.listen;
  c.ready = a.ready;
  c.stop_signal = a.stop_signal;
  if (!a.watchdog.empty()) {
    Result<Millis> w = ParseWatchdog(a.watchdog);
    if (!w.ok()) return Status::Error("--watchdog: " + w.status().message());
    c.watchdog = *w;
  }
  Result<Millis> ttl = ParseDuration(a.sticky_ttl);
  if (!ttl.ok()) return Status::Error("--sticky-ttl: " + ttl.status().message());
  Result<Millis> peek = ParseDuration(a.sticky_timeout);
  if (!peek.ok()) return Status::Error("--sticky-timeout: " + peek.status().message());
  c.sticky_ttl = *ttl;
  c.sticky_timeout = *peek;
  if (!a.max_memory_restart.empty()) {
    Result<uint64_t> limit = ParseByteSize(a.max_memory_restart);
    if (!limit.ok()) return Status::Error("--max-memory-restart: " + limit.status().message());
    c.max_memory_restart = *limit;
  }
  Result<Millis> min_uptime = ParseDuration(a.min_uptime);
  if (!min_uptime.ok()) return Status::Error("--min-uptime: " + min_uptime.status().message());
  c.min_uptime = *min_uptime;
  c.max_restarts = a.max_restarts;
  Status s = ValidateAppConfig(c);
  if (!s.ok()) return s;
  return c;
}

}  // namespace

int CohortMain(int argc, char** argv) {
  CLI::App app{"cohort: run a server on every core, balanced, self-healing, reloadable without downtime"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", std::string("cohort ") + COHORT_VERSION);

  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "Run an app in the foreground; this process is its primary");
  AddRunOptions(run, run_args);
  CLI::App* start = app.add_subcommand(
      "start", "Start an app, or every app of a config file (cohort.config.{json,yaml,toml}, ecosystem.config.js), in the background daemon");
  AddRunOptions(start, run_args);

  std::string name, message, instances;
  std::optional<int> slot;
  bool json = false;
  CLI::App* ls = app.add_subcommand("ls", "List running apps and their workers");
  ls->alias("list");
  ls->add_flag("--json", json, "Machine-readable output");
  CLI::App* reload = app.add_subcommand("reload", "Rolling reload: replace every worker, one at a time, without downtime");
  reload->add_option("name", name, "App name, or all")->required();
  CLI::App* send = app.add_subcommand("send", "Send a JSON message to the workers' process.on('message')");
  send->add_option("name", name, "App name")->required();
  send->add_option("message", message, "The message, as JSON")->required();
  send->add_option("--id,--slot", slot, "Only the worker in this slot (0..N-1)");
  CLI::App* scale = app.add_subcommand("scale", "Change the number of workers: N, +N, -N or max");
  scale->add_option("name", name, "App name")->required();
  scale->add_option("instances", instances, "New worker count")->required();
  CLI::App* stop = app.add_subcommand("stop", "Stop an app gracefully (a daemon app stays listed)");
  stop->add_option("name", name, "App name, or all")->required();
  CLI::App* restart = app.add_subcommand("restart", "Stop and start a daemon app (hard; see reload for no downtime)");
  restart->add_option("name", name, "App name, or all")->required();
  CLI::App* del = app.add_subcommand("delete", "Stop a daemon app and forget it");
  del->alias("del");
  del->add_option("name", name, "App name, or all")->required();
  CLI::App* save = app.add_subcommand("save", "Remember the daemon's running apps for `cohort resurrect`");
  CLI::App* resurrect = app.add_subcommand("resurrect", "Start the saved apps again (after a reboot or `cohort kill`)");
  CLI::App* kill = app.add_subcommand("kill", "Stop every daemon app and the daemon itself");
  LogsOptions logs_opt;
  bool only_out = false, only_err = false, nostream = false;
  CLI::App* logs = app.add_subcommand("logs", "Show a daemon app's output and follow it");
  logs->add_option("name", logs_opt.name, "App name (default: every app)");
  logs->add_option("--lines", logs_opt.lines, "How many past lines of each log")->capture_default_str();
  logs->add_flag("--nostream", nostream, "Print the past lines and exit");
  logs->add_flag("--out", only_out, "Only standard output");
  logs->add_flag("--err", only_err, "Only standard error");
  CLI::App* daemon = app.add_subcommand("daemon", "Run the daemon in the foreground (the CLI starts it for you)");
  daemon->group("");  // hidden from --help
  CLI::App* monit = app.add_subcommand(
      "monit", "Live full-screen view of every app: cpu, memory, restarts, connections; keys reload and restart");
  CLI::App* version = app.add_subcommand("version", "Print cohort's version");

  StoreArgs store_args;
  CLI::App* store = app.add_subcommand("store", "Run the built-in Redis-compatible store (any Redis client works)");
  store->add_option("--port", store_args.port, "TCP port (0 = any free port)")->capture_default_str();
  store->add_option("--bind", store_args.bind, "Address to listen on")->capture_default_str();
  store->add_option("--unix", store_args.unix_path, "Also listen on this unix socket (mode 0600)");
  store->add_flag("--no-tcp", store_args.no_tcp, "Listen only on --unix");
  store->add_option("--dir", store_args.dir, "Directory of the append-only file")->capture_default_str();
  store->add_option("--appendonly", store_args.appendonly, "yes: keep every write in DIR/appendonly.aof; no: memory only")
      ->capture_default_str();
  store->add_option("--appendfsync", store_args.appendfsync,
                    "always: fsync before replying (nothing acknowledged is lost); everysec; no")
      ->capture_default_str();
  store->add_option("--requirepass", store_args.requirepass, "Clients must AUTH with this password");
  store->add_option("--maxmemory", store_args.maxmemory, "Memory limit, e.g. 100mb (0 = none)")->capture_default_str();
  store->add_option("--maxmemory-policy", store_args.maxmemory_policy,
                    "noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl")
      ->capture_default_str();
  store->add_option("--databases", store_args.databases, "Number of databases (SELECT 0..N-1)")->capture_default_str();
  store->add_option("--maxclients", store_args.maxclients, "Most clients at once")->capture_default_str();

  // Everything after the first "--" belongs to the script, untouched.
  std::vector<std::string> script_args;
  int cohort_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      cohort_argc = i;
      script_args.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    app.parse(cohort_argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  run_args.args.insert(run_args.args.end(), script_args.begin(), script_args.end());

  if (run->parsed()) {
    Result<AppConfig> config = ToAppConfig(run_args);
    if (!config.ok()) return Usage(config.status().message());
    LogOptions log;
    log.json = run_args.json_logs;
    log.min_level = run_args.verbose ? LogLevel::kDebug : run_args.quiet ? LogLevel::kWarn : LogLevel::kInfo;
    std::optional<MetricsAddress> metrics;
    if (!run_args.metrics.empty()) {
      Result<MetricsAddress> m = ParseMetricsAddress(run_args.metrics);
      if (!m.ok()) return Usage(m.status().message());
      metrics = *m;
    }
    return RunForeground(std::move(*config), log, metrics ? &*metrics : nullptr);
  }
  if (start->parsed()) {
    // The daemon's metrics endpoint: --metrics, else $COHORT_METRICS (checked here, opened by the daemon).
    if (run_args.metrics.empty()) {
      if (const char* env = std::getenv("COHORT_METRICS")) run_args.metrics = env;
    }
    if (!run_args.metrics.empty()) {
      if (Result<MetricsAddress> m = ParseMetricsAddress(run_args.metrics); !m.ok()) return Usage(m.status().message());
    }
    if (IsConfigFile(run_args.script)) {
      // PM2's `--env production` picks env_production; KEY=VALUE entries are not allowed here.
      std::string profile;
      for (const std::string& e : run_args.env) {
        if (e.find('=') != std::string::npos || !profile.empty()) {
          return Usage("with a config file, --env takes one profile name (env_<name> in the file)");
        }
        profile = e;
      }
      Result<LoadedConfig> loaded = LoadConfigFile(run_args.script, profile);
      if (!loaded.ok()) return Usage(loaded.status().message());
      for (const std::string& w : loaded->warnings) fmt::print(stderr, "cohort: warning: {}\n", w);
      return StartCommand(std::move(loaded->apps), run_args.metrics);
    }
    Result<AppConfig> config = ToAppConfig(run_args);
    if (!config.ok()) return Usage(config.status().message());
    return StartCommand({std::move(*config)}, run_args.metrics);
  }
  if (ls->parsed()) return LsCommand(json);
  if (send->parsed()) return SendCommand(name, message, slot);
  if (scale->parsed()) return ScaleCommand(name, instances);
  if (reload->parsed()) return AppActionCommand("reload", name);
  if (stop->parsed()) return AppActionCommand("stop", name);
  if (restart->parsed()) return AppActionCommand("restart", name);
  if (del->parsed()) return AppActionCommand("delete", name);
  if (save->parsed()) return SaveCommand();
  if (resurrect->parsed()) return ResurrectCommand();
  if (kill->parsed()) return KillCommand();
  if (daemon->parsed()) return DaemonMain();
  if (logs->parsed()) {
    logs_opt.stream = !nostream;
    if (only_out != only_err) {
      logs_opt.out = only_out;
      logs_opt.err = only_err;
    }
    return LogsCommand(logs_opt);
  }
  if (store->parsed()) return StoreCommand(store_args);
  if (monit->parsed()) return MonitCommand();
  if (version->parsed()) {
    fmt::print("cohort {}\n", COHORT_VERSION);
    return 0;
  }
  return 2;
}

}  // namespace cohort
