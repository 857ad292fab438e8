// The CLI's blocking client for a control socket: one request line out, one
// response line back.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "status.h"

namespace cohort {

// timeout_ms < 0 waits as long as it takes (a reload may take minutes).
// Connection errors keep their errno (ENOENT, ECONNREFUSED: nobody runs there).
Result<nlohmann::json> ControlCall(const std::string& socket_path, const nlohmann::json& request,
                                   int timeout_ms);

}  // namespace cohort
