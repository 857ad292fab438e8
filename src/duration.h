// Durations as users type them: "10s", "1500ms", "2m", "1h", or a plain
// number of milliseconds.
#pragma once

#include <string>

#include "restart_backoff.h"
#include "status.h"

namespace cohort {

Result<Millis> ParseDuration(const std::string& text);
// "1h02m", "3m05s", "12s", "850ms": for uptimes in tables.
std::string FormatDuration(Millis d);

}  // namespace cohort
