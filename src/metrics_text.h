// The Prometheus text exposition format (version 0.0.4) of cohort's apps:
// per worker restarts, resident memory, CPU seconds and connections handed;
// per app reloads by outcome, queued connections, workers by state and
// status; and the primary's (or daemon's) own memory and CPU. Rendered from
// the apps as the `ls` request describes them (ClusterPrimary::Describe), so
// the endpoint shows what `cohort ls` shows. Pure: unit-tested on JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "process_usage.h"

namespace cohort {

// `self`: the serving process's own figures (omitted when null).
std::string RenderMetrics(const nlohmann::json& apps, const ProcessUsage* self);
// The same, with this process's own figures read now.
std::string RenderMetricsWithSelf(const nlohmann::json& apps);

}  // namespace cohort
