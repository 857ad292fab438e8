// The control requests a primary answers about its app (ping, ls, describe,
// reload, send, signal, scale), shared by `cohort run` and the daemon.
// Request/response: one JSON object each, see docs/control-protocol.md.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "cluster_primary.h"

namespace cohort {

using ControlReply = std::function<void(const nlohmann::json&)>;

void HandlePrimaryRequest(ClusterPrimary& primary, const nlohmann::json& request, ControlReply reply);

}  // namespace cohort
