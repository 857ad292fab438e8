// The CLI's side of the control socket: commands that talk to a running
// primary (`cohort ls|reload|send|scale|stop`). Each returns an exit code
// and prints what the user needs.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cohort {

// Sends `request` (with "app": name) to whoever runs `name`: its foreground
// primary, else the daemon. Prints the error and returns nothing on failure.
std::optional<nlohmann::json> CallApp(const std::string& name, nlohmann::json request);

int LsCommand(bool json);
int SendCommand(const std::string& name, const std::string& json_text, std::optional<int> slot);
int ScaleCommand(const std::string& name, const std::string& instances);

}  // namespace cohort
