// Config files for `cohort start FILE`: cohort.config.{json,yaml,yml,toml}
// and PM2's ecosystem.config.{js,cjs} (evaluated with node, as PM2 does).
// Each has an `apps` list; every app maps to an AppConfig, field by field.
// Errors name the file and the field ("cohort.config.yaml: apps[1].instances:
// ..."), or the line for syntax errors; fields cohort does not use are
// reported as warnings, never dropped silently.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_config.h"
#include "status.h"

namespace cohort {

struct LoadedConfig {
  std::vector<AppConfig> apps;        // validated, paths resolved against the file's directory
  std::vector<std::string> warnings;  // "apps[0].max_memory_restart: not supported yet; ignored"
};

// True for names `cohort start` treats as config files rather than scripts.
bool IsConfigFile(const std::string& path);
// `profile` picks env_<profile> (PM2's --env production); empty: none.
// `home` ($COHORT_HOME) places a `log_file: true`.
Result<LoadedConfig> LoadConfigFile(const std::string& path, const std::string& profile,
                                    const std::string& home = "");
// The mapping itself, from an already parsed document (tested directly).
Result<LoadedConfig> AppsFromDocument(const nlohmann::json& doc, const std::string& file,
                                      const std::string& base_dir, const std::string& profile,
                                      const std::string& home = "");

}  // namespace cohort
