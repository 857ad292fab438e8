#include "cli.h"

#include <algorithm>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app_config.h"
#include "cohort_home.h"
#include "config_file.h"
#include "control_commands.h"
#include "daemon.h"
#include "daemon_commands.h"
#include "describe_command.h"
#include "duration.h"
#include "haproxy_command.h"
#include "logs_command.h"
#include "metrics_server.h"
#include "monit_command.h"
#include "run_command.h"
#include "run_options.h"
#include "startup_command.h"
#include "store_command.h"

namespace cohort {
namespace {

int Usage(const std::string& message) {
  fmt::print(stderr, "cohort: {}\n", message);
  return 2;
}

// Every subcommand, and the variables its options fill.
struct Commands {
  RunArgs run_args;
  CLI::App *run, *start;
  std::string name, message, instances, signal, drain_wait = "0";
  std::optional<int> slot;
  bool json = false, update_env = false;
  CLI::App *ls, *describe, *monit, *reload, *restart, *stop, *del, *scale, *send, *signal_cmd, *drain, *undrain;
  LogsOptions logs_opt;
  bool only_out = false, only_err = false, nostream = false, follow = false;
  CLI::App *logs, *flush;
  StartupOptions startup_opt;
  CLI::App *save, *resurrect, *startup, *kill, *daemon;
  StoreArgs store_args;
  CLI::App *store, *version;
  HaproxyArgs haproxy_args;
  CLI::App* haproxy;
  std::string command_line;  // for haproxy-config's header
};

constexpr const char* kStartGroup = "Start apps";
constexpr const char* kManageGroup = "Manage apps (foreground or daemon)";
constexpr const char* kLogsGroup = "Logs";
constexpr const char* kDaemonGroup = "Daemon and boot";
constexpr const char* kMoreGroup = "More";

void AddStartCommands(CLI::App& app, Commands& c) {
  c.run = app.add_subcommand("run", "Run an app in the foreground; this process is its primary")->group(kStartGroup);
  AddRunOptions(c.run, c.run_args);
  c.run->footer("Examples:\n  cohort run server.js -i max\n  cohort run -i 4 --listen 8080 -- python3 app.py");
  c.start = app.add_subcommand("start",
                               "Start an app, or every app of a config file (cohort.config.{json,yaml,toml}, "
                               "ecosystem.config.js), in the background daemon")
                ->group(kStartGroup);
  AddRunOptions(c.start, c.run_args);
  c.start->footer(
      "Examples:\n  cohort start server.js -i max --name web --time --log-max-size 50M --log-compress\n"
      "  cohort start ecosystem.config.js --env production");
}

void AddManageCommands(CLI::App& app, Commands& c) {
  c.ls = app.add_subcommand("ls", "List apps and their workers")->group(kManageGroup);
  c.ls->alias("list");
  c.ls->add_flag("--json", c.json, "Machine-readable output");
  c.describe = app.add_subcommand("describe", "Show one app: config, workers, restarts, logs, listeners")->group(kManageGroup);
  c.describe->alias("show");
  c.describe->add_option("name", c.name, "App name")->required();
  c.describe->add_flag("--json", c.json, "Machine-readable output");
  c.monit = app.add_subcommand(
                   "monit", "Live full-screen view of every app: cpu, memory, restarts, connections; keys reload and restart")
                ->group(kManageGroup);
  c.reload = app.add_subcommand("reload", "Rolling reload: replace every worker, one at a time, without downtime")
                 ->group(kManageGroup);
  c.reload->add_option("name", c.name, "App name, or all")->required();
  c.reload->add_flag("--update-env", c.update_env, "New workers get your current environment (kept for later starts)");
  c.restart = app.add_subcommand("restart", "Stop and start a daemon app (hard; see reload for no downtime)")
                  ->group(kManageGroup);
  c.restart->add_option("name", c.name, "App name, or all")->required();
  c.restart->add_flag("--update-env", c.update_env, "Start it with your current environment (kept for later starts)");
  c.stop = app.add_subcommand("stop", "Stop an app gracefully (a daemon app stays listed)")->group(kManageGroup);
  c.stop->add_option("name", c.name, "App name, or all")->required();
  c.del = app.add_subcommand("delete", "Stop a daemon app and forget it")->group(kManageGroup);
  c.del->alias("del");
  c.del->add_option("name", c.name, "App name, or all")->required();
  c.scale = app.add_subcommand("scale", "Change the number of workers: N, +N, -N or max")->group(kManageGroup);
  c.scale->add_option("name", c.name, "App name")->required();
  c.scale->add_option("instances", c.instances, "New worker count")->required();
  c.send = app.add_subcommand("send", "Send a JSON message to the workers' process.on('message')")->group(kManageGroup);
  c.send->add_option("name", c.name, "App name")->required();
  c.send->add_option("message", c.message, "The message, as JSON")->required();
  c.send->add_option("--id,--slot", c.slot, "Only the worker in this slot (0..N-1)");
  c.signal_cmd = app.add_subcommand("signal", "Send a signal to an app's workers")->group(kManageGroup);
  c.signal_cmd->add_option("signal", c.signal, "SIGUSR1, USR1 or 10 (any name `kill -l` lists)")->required();
  c.signal_cmd->add_option("name", c.name, "App name")->required();
  c.signal_cmd->add_option("--id,--slot", c.slot, "Only the worker in this slot (0..N-1)");
  c.signal_cmd->footer("Examples:\n  cohort signal SIGUSR2 web\n  cohort signal usr1 web --id 0");
  c.drain = app.add_subcommand(
                   "drain", "Take an app out of the proxies' rotation before a deploy: --health answers 503, the workers serve on")
                ->group(kManageGroup);
  c.drain->add_option("name", c.name, "App name, or all (the daemon's apps with --health)")->required();
  c.drain->add_option("--wait", c.drain_wait, "Then wait this long for the proxies' checks to notice, e.g. 3s")
      ->capture_default_str();
  c.drain->footer("Example (one host of several, see docs/multi-host.md):\n"
                  "  cohort drain web --wait 3s && cohort reload web && cohort undrain web");
  c.undrain = app.add_subcommand("undrain", "Put a drained app back: --health answers 200 again")->group(kManageGroup);
  c.undrain->add_option("name", c.name, "App name, or all")->required();
}

void AddLogCommands(CLI::App& app, Commands& c) {
  c.logs = app.add_subcommand("logs", "Show daemon apps' output, then follow it live")->group(kLogsGroup);
  c.logs->add_option("name", c.logs_opt.name, "App name (default: every app)");
  c.logs->add_option("--lines", c.logs_opt.lines, "How many past lines of each log")->capture_default_str();
  c.logs->add_flag("-f,--follow", c.follow, "Follow new lines as they come, across rotations (the default)");
  c.logs->add_flag("--nostream", c.nostream, "Print the past lines and exit");
  c.logs->add_flag("--out", c.only_out, "Only standard output (and cohort's events)");
  c.logs->add_flag("--err", c.only_err, "Only standard error");
  c.logs->footer(
      "Each line starts with [app:slot] ([app] for cohort's own events); on a terminal each app has its color\n"
      "and stderr is red. Log files: `cohort describe NAME`.\n\nExamples:\n  cohort logs\n"
      "  cohort logs web --err --lines 100\n  cohort logs web --nostream | grep ERROR");
  c.flush = app.add_subcommand("flush", "Empty the log files of an app (or of all), rotated ones included")
                ->group(kLogsGroup);
  c.flush->add_option("name", c.name, "App name (default: every app)");
}

void AddDaemonCommands(CLI::App& app, Commands& c) {
  c.save = app.add_subcommand("save", "Remember the daemon's running apps for `cohort resurrect`")->group(kDaemonGroup);
  c.resurrect = app.add_subcommand("resurrect", "Start the saved apps again (after a reboot or `cohort kill`)")
                    ->group(kDaemonGroup);
  c.startup = app.add_subcommand("startup", "Start the daemon and its saved apps at boot (a systemd unit)")
                  ->group(kDaemonGroup);
  c.startup->add_flag("--install", c.startup_opt.install,
                      "Write the unit and enable it (as root: a system unit; else a user unit)");
  c.startup->add_flag("--system", c.startup_opt.system, "A system unit (/etc/systemd/system) even when not root");
  c.startup->add_option("-u,--user", c.startup_opt.user, "With --system: the user the daemon runs as (default: you)");
  c.startup->add_flag("--uninstall", c.startup_opt.uninstall, "Disable and remove the unit");
  c.startup->footer(
      "Without --install, prints the unit and the commands that install it.\n\nExamples:\n"
      "  cohort startup --install          # a user unit (+ loginctl enable-linger)\n"
      "  sudo env PATH=$PATH cohort startup --install --system --user $USER");
  c.kill = app.add_subcommand("kill", "Stop every daemon app and the daemon itself")->group(kDaemonGroup);
  c.daemon = app.add_subcommand("daemon", "Run the daemon in the foreground (the CLI starts it for you)");
  c.daemon->group("");  // hidden from --help
}

void AddOtherCommands(CLI::App& app, Commands& c) {
  StoreArgs& store_args = c.store_args;
  CLI::App* store = c.store =
      app.add_subcommand("store", "Run the built-in Redis-compatible store (any Redis client works)")->group(kMoreGroup);
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
  c.haproxy = app.add_subcommand("haproxy-config",
                                 "Print an HAProxy 2.6 config for several hosts running cohort (health checks, stickiness)")
                  ->group(kMoreGroup);
  AddHaproxyOptions(c.haproxy, c.haproxy_args);
  c.version = app.add_subcommand("version", "Print cohort's version")->group(kMoreGroup);
}

int StartApps(Commands& c) {
  RunArgs& a = c.run_args;
  Result<std::string> home = CohortHome();
  if (!home.ok()) return Usage(home.status().message());
  // The daemon's metrics endpoint: --metrics, else $COHORT_METRICS (checked here, opened by the daemon).
  if (a.metrics.empty()) {
    if (const char* env = std::getenv("COHORT_METRICS")) a.metrics = env;
  }
  if (!a.metrics.empty()) {
    if (Result<MetricsAddress> m = ParseMetricsAddress(a.metrics); !m.ok()) return Usage(m.status().message());
  }
  if (!IsConfigFile(a.script)) {
    Result<AppConfig> config = ToAppConfig(a, *home);
    if (!config.ok()) return Usage(config.status().message());
    return StartCommand({std::move(*config)}, a.metrics);
  }
  // PM2's `--env production` picks env_production; KEY=VALUE entries are not allowed here.
  std::string profile;
  for (const std::string& e : a.env) {
    if (e.find('=') != std::string::npos || !profile.empty()) {
      return Usage("with a config file, --env takes one profile name (env_<name> in the file)");
    }
    profile = e;
  }
  Result<LoadedConfig> loaded = LoadConfigFile(a.script, profile, *home);
  if (!loaded.ok()) return Usage(loaded.status().message());
  for (const std::string& w : loaded->warnings) fmt::print(stderr, "cohort: warning: {}\n", w);
  return StartCommand(std::move(loaded->apps), a.metrics);
}

int RunApp(Commands& c) {
  RunArgs& a = c.run_args;
  if (std::string refused = DaemonOnlyOptionGiven(a); !refused.empty()) return Usage(refused);
  Result<AppConfig> config = ToAppConfig(a, "");
  if (!config.ok()) return Usage(config.status().message());
  LogOptions log;
  log.json = a.json_logs;
  log.min_level = a.verbose ? LogLevel::kDebug : a.quiet ? LogLevel::kWarn : LogLevel::kInfo;
  log.date_format = config->log_date_format;
  std::optional<MetricsAddress> metrics;
  if (!a.metrics.empty()) {
    Result<MetricsAddress> m = ParseMetricsAddress(a.metrics);
    if (!m.ok()) return Usage(m.status().message());
    metrics = *m;
  }
  return RunForeground(std::move(*config), log, metrics ? &*metrics : nullptr);
}

int Dispatch(Commands& c) {
  if (c.run->parsed()) return RunApp(c);
  if (c.start->parsed()) return StartApps(c);
  if (c.ls->parsed()) return LsCommand(c.json);
  if (c.describe->parsed()) return DescribeCommand(c.name, c.json);
  if (c.monit->parsed()) return MonitCommand();
  if (c.send->parsed()) return SendCommand(c.name, c.message, c.slot);
  if (c.signal_cmd->parsed()) return SignalCommand(c.signal, c.name, c.slot);
  if (c.scale->parsed()) return ScaleCommand(c.name, c.instances);
  if (c.reload->parsed()) return AppActionCommand("reload", c.name, c.update_env);
  if (c.drain->parsed() || c.undrain->parsed()) {
    Result<Millis> wait = ParseDuration(c.drain_wait);
    if (!wait.ok()) return Usage("--wait: " + wait.status().message());
    return DrainCommand(c.name, c.drain->parsed(), *wait);
  }
  if (c.stop->parsed()) return AppActionCommand("stop", c.name);
  if (c.restart->parsed()) return AppActionCommand("restart", c.name, c.update_env);
  if (c.del->parsed()) return AppActionCommand("delete", c.name);
  if (c.save->parsed()) return SaveCommand();
  if (c.resurrect->parsed()) return ResurrectCommand();
  if (c.startup->parsed()) return StartupCommand(c.startup_opt);
  if (c.kill->parsed()) return KillCommand();
  if (c.daemon->parsed()) return DaemonMain();
  if (c.logs->parsed()) {
    if (c.follow && c.nostream) return Usage("logs: --follow and --nostream contradict each other");
    c.logs_opt.stream = !c.nostream;
    if (c.only_out != c.only_err) {
      c.logs_opt.out = c.only_out;
      c.logs_opt.err = c.only_err;
    }
    return LogsCommand(c.logs_opt);
  }
  if (c.flush->parsed()) return FlushCommand(c.name);
  if (c.store->parsed()) return StoreCommand(c.store_args);
  if (c.haproxy->parsed()) return HaproxyConfigCommand(c.haproxy_args, c.command_line);
  if (c.version->parsed()) {
    fmt::print("cohort {}\n", COHORT_VERSION);
    return 0;
  }
  return 2;
}

}  // namespace

int CohortMain(int argc, char** argv) {
  CLI::App app{"cohort: run a server on every core, balanced, self-healing, reloadable without downtime"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", std::string("cohort ") + COHORT_VERSION);
  Commands c;
  AddStartCommands(app, c);
  AddManageCommands(app, c);
  AddLogCommands(app, c);
  AddDaemonCommands(app, c);
  AddOtherCommands(app, c);
  // After the subcommands: they would inherit it.
  app.footer("`cohort COMMAND --help` tells more about each. $COHORT_HOME (default ~/.cohort) holds the daemon's "
             "sockets, state and logs.");

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
  c.run_args.args.insert(c.run_args.args.end(), script_args.begin(), script_args.end());
  c.command_line = "cohort";
  for (int i = 1; i < argc; ++i) c.command_line += std::string(" ") + argv[i];
  std::replace(c.command_line.begin(), c.command_line.end(), '\n', ' ');
  return Dispatch(c);
}

}  // namespace cohort
