// `cohort describe NAME`: one app, foreground or daemon, in detail: its
// configuration, workers, restarts, reloads, listeners, log files, status.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cohort {

int DescribeCommand(const std::string& name, bool json);
// The human view of a `describe` response's app object.
std::string FormatDescription(const nlohmann::json& app);

}  // namespace cohort
