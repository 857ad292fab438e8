#include "restart_backoff.h"

#include <algorithm>

namespace cohort {

Millis RestartBackoff::OnCrash(Millis uptime) {
  if (uptime >= policy_.min_uptime) {
    fast_crashes_ = 0;
    return Millis(0);
  }
  ++fast_crashes_;
  if (fast_crashes_ == 1) return Millis(0);
  Millis delay = policy_.base;
  for (int i = 2; i < fast_crashes_ && delay < policy_.cap; ++i) delay *= 2;
  return std::min(delay, policy_.cap);
}

}  // namespace cohort
