// `cohort run`: the foreground primary. The cohort process itself is the
// primary of one app: it owns the loop, the signals (SIGINT/SIGTERM/SIGHUP
// stop gracefully, a second one kills; SIGUSR2 reloads), the child reaper and
// the app's control socket.
#pragma once

#include "app_config.h"
#include "logger.h"

namespace cohort {

struct MetricsAddress;

// Returns the process exit code. `metrics`: where to serve Prometheus metrics (or null).
int RunForeground(AppConfig config, LogOptions log, const MetricsAddress* metrics = nullptr);

}  // namespace cohort
