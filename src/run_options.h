// The options `cohort run` and `cohort start` share (CLI11), and how they
// become an AppConfig.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app_config.h"
#include "status.h"

namespace cohort {

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
  std::string health, drain_delay;
  int max_restarts = 16;
  bool quiet = false, json_logs = false, verbose = false;
  // Logs (log files: `start` only).
  std::string out_file, error_file, log_file;
  bool time = false;
  std::string log_date_format;
  std::string log_max_size = "10M";
  int log_max_files = 5;
  bool log_compress = false;
  // The options only `start` takes (log files and their rotation), as added
  // to the subcommand being set up: `run` refuses them.
  std::vector<CLI::Option*> daemon_only;
  std::vector<CLI::Option*> log_options;  // -l of each subcommand: given without a path, <home>/logs/<name>.log
};

void AddRunOptions(CLI::App* command, RunArgs& args);
// Validated; `home` completes a bare -l/--log.
Result<AppConfig> ToAppConfig(const RunArgs& args, const std::string& home);
// `run` given an option only `start` takes: the message, else "".
std::string DaemonOnlyOptionGiven(const RunArgs& args);
// "--max-old-space-size=512 --inspect" -> words.
std::vector<std::string> SplitWords(const std::string& s);

}  // namespace cohort
