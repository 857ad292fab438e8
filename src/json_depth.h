// JSON from outside (a worker's channel, a control request): parsed with a
// bound on nesting. Parsing is iterative, but dumping and walking a value
// recurse: a 100,000-deep array from a worker overflowed the primary's
// stack. Pure; used by the primary and by libcohort_worker.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace cohort {

constexpr int kMaxJsonDepth = 512;

// Parses `text`; discarded (is_discarded()) if malformed or deeper than
// kMaxJsonDepth, and then *too_deep says which.
nlohmann::json ParseJsonWithinDepth(std::string_view text, bool* too_deep = nullptr);

}  // namespace cohort
