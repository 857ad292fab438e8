// The CLI's side of the control socket: commands that talk to a running
// primary (`cohort ls|reload|send|scale|stop`). Each returns an exit code
// and prints what the user needs.
#pragma once

#include <optional>
#include <string>

namespace cohort {

int LsCommand(bool json);
int ReloadCommand(const std::string& name);
int SendCommand(const std::string& name, const std::string& json_text, std::optional<int> slot);
int ScaleCommand(const std::string& name, const std::string& instances);
int StopCommand(const std::string& name);

}  // namespace cohort
