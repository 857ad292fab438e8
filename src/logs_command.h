// `cohort logs` and `cohort flush`: the daemon apps' log files, found from
// the daemon (`ls` carries each app's log paths) or, when no daemon runs,
// from $COHORT_HOME/state.json.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app_log.h"
#include "status.h"

namespace cohort {

struct LogsOptions {
  std::string name;  // empty: every app
  int lines = 15;
  bool stream = true;
  bool out = true, err = true;
};
int LogsCommand(const LogsOptions& options);
// Empties the logs of `name` (empty or "all": every app), rotated files
// included, so that flushing frees the disk.
int FlushCommand(const std::string& name);

struct AppLogs {
  std::string name;
  AppLogPaths paths;
};
// Every daemon app's log paths (also of stopped ones), by name.
Result<std::vector<AppLogs>> DaemonAppLogs(const std::string& home);

// A log line for a terminal: its "[app:slot]" (or "[app]") prefix in the
// app's color (`color` picks one), and for stderr the rest in red.
std::string PaintLogLine(std::string_view line, std::string_view app, size_t color, bool is_stderr);

}  // namespace cohort
