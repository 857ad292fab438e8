// Node preloads: small CommonJS modules cohort writes to $COHORT_HOME/lib and
// loads into its Node workers with `node --require`, so that an unmodified
// app gets behaviour Node's cluster worker lacks (drain_hook.h,
// sticky_cookie_hook.h). Files are named by a hash of their content: a new
// cohort never runs an old hook, and workers of a running cohort keep theirs.
#pragma once

#include <string>
#include <string_view>

#include "status.h"

namespace cohort {

// Writes `source` to <home>/lib/<name>-<hash>.cjs (mode 0600, atomically,
// once per content) and returns its path.
Result<std::string> InstallNodePreload(const std::string& home, std::string_view name, std::string_view source);

}  // namespace cohort
