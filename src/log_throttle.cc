#include "log_throttle.h"

#include <algorithm>

namespace cohort {

bool LogThrottle::Allow(Clock::time_point now) {
  if (!started_) {
    started_ = true;
    refilled_ = now;
  }
  if (tokens_ < burst_ && now - refilled_ >= interval_) {
    auto earned = (now - refilled_) / interval_;
    tokens_ = static_cast<int>(std::min<decltype(earned)>(burst_, tokens_ + earned));
    refilled_ += earned * interval_;
  }
  if (tokens_ == burst_) refilled_ = now;  // a full bucket earns nothing while it waits
  if (tokens_ > 0) {
    --tokens_;
    return true;
  }
  ++suppressed_;
  return false;
}

uint64_t LogThrottle::TakeSuppressed() {
  uint64_t n = suppressed_;
  suppressed_ = 0;
  return n;
}

}  // namespace cohort
