// The CLI's side of the control socket: commands that talk to a running
// primary (`cohort ls|reload|send|signal|scale|stop`). Each returns an exit code
// and prints what the user needs.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "restart_backoff.h"
#include "status.h"

namespace cohort {

// Prints "cohort: <message>" on stderr; returns 1 (an exit code).
int Fail(const std::string& message);
// The response if it came and says ok; otherwise prints why (`nobody_there`
// when no process listens on the socket) and returns nothing.
std::optional<nlohmann::json> Answered(const Result<nlohmann::json>& response,
                                       const std::string& nobody_there);

// Sends `request` (with "app": name) to whoever runs `name`: its foreground
// primary, else the daemon. The answer if it says ok, else why not.
Result<nlohmann::json> RequestApp(const std::string& name, nlohmann::json request);
// The same, printing the error and returning nothing on failure.
std::optional<nlohmann::json> CallApp(const std::string& name, nlohmann::json request);

// Every app of `home`: each foreground primary's and the daemon's `ls` answer.
nlohmann::json ListApps(const std::string& home);
int LsCommand(bool json);
int SendCommand(const std::string& name, const std::string& json_text, std::optional<int> slot);
int ScaleCommand(const std::string& name, const std::string& instances);
// `cohort signal SIG NAME [--id N]`: SIG as ParseSignal takes it.
int SignalCommand(const std::string& signal, const std::string& name, std::optional<int> slot);
// `cohort drain|undrain NAME|all`; after a drain, waits `wait` (the time the
// proxies' health checks take to notice) before returning.
int DrainCommand(const std::string& name, bool drain, Millis wait);

}  // namespace cohort
