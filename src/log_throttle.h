// LogThrottle: keeps one noisy source (a worker writing bad messages on its
// channel, thousands a second) from flooding the log and the disk behind
// it: a burst of lines, then at most one per interval. What it holds back
// is counted, so the next line let through (or a last word when the source
// goes) can say how many were not logged. Pure logic: the caller passes the
// time.
#pragma once

#include <chrono>
#include <cstdint>

namespace cohort {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogThrottle(int burst = 10, std::chrono::milliseconds interval = std::chrono::seconds(1))
      : burst_(burst), interval_(interval), tokens_(burst) {}

  // True if a line may be logged at `now`; false counts it as held back.
  bool Allow(Clock::time_point now);
  // Lines held back since the last call.
  uint64_t TakeSuppressed();

 private:
  int burst_;
  std::chrono::milliseconds interval_;
  int tokens_;                 // lines that may go out now, up to burst_
  Clock::time_point refilled_{};  // when tokens_ last grew (or the first Allow)
  bool started_ = false;
  uint64_t suppressed_ = 0;
};

}  // namespace cohort
