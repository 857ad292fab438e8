// The CLI commands that manage apps in the background daemon (`cohort
// start|restart|delete|save|resurrect|kill|logs`), PM2-style.
#pragma once

#include <string>
#include <vector>

#include "app_config.h"

namespace cohort {

// Starts each app in the daemon (starting the daemon first if needed);
// `metrics` (if not empty): where the daemon serves its metrics.
int StartCommand(std::vector<AppConfig> apps, const std::string& metrics);
// stop / restart / reload / delete of NAME or "all".
int AppActionCommand(const std::string& action, const std::string& name);
int SaveCommand();
int ResurrectCommand();
int KillCommand();
struct LogsOptions {
  std::string name;  // empty: every app
  int lines = 15;
  bool stream = true;
  bool out = true, err = true;
};
int LogsCommand(const LogsOptions& options);

}  // namespace cohort
