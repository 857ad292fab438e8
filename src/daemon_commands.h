// The CLI commands that manage apps in the background daemon (`cohort
// start|restart|delete|save|resurrect|kill`), PM2-style.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_config.h"

namespace cohort {

// Starts each app in the daemon (starting the daemon first if needed);
// `metrics` (if not empty): where the daemon serves its metrics.
int StartCommand(std::vector<AppConfig> apps, const std::string& metrics);
// stop / restart / reload / delete of NAME or "all". update_env (reload,
// restart): the app takes the caller's environment, as `start` does.
int AppActionCommand(const std::string& action, const std::string& name, bool update_env = false);
// The caller's environment, "K=V" entries (what `start` captures).
std::vector<std::string> CallerEnvironment();
// Calls the daemon (starting it first if start_it). Prints errors.
std::optional<nlohmann::json> CallDaemon(const nlohmann::json& request, bool start_it);
int SaveCommand();
int ResurrectCommand();
int KillCommand();

}  // namespace cohort
