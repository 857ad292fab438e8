// RestartBackoff: how long to wait before respawning a slot's crashed worker.
//
// The first crash is answered at once. A worker that dies within min_uptime
// of starting is a "fast crash"; consecutive fast crashes wait base, 2*base,
// 4*base, ... up to cap. A worker that lived min_uptime or longer resets the
// tally. Pure logic: the caller passes in how long the worker lived.
#pragma once

#include <chrono>

namespace cohort {

using Millis = std::chrono::milliseconds;

struct BackoffPolicy {
  Millis min_uptime{1000};
  Millis base{100};
  Millis cap{10000};
};

class RestartBackoff {
 public:
  explicit RestartBackoff(BackoffPolicy policy = {}) : policy_(policy) {}

  // Records a crash of a worker that lived `uptime`; returns the delay before
  // the next start.
  Millis OnCrash(Millis uptime);
  // Consecutive fast crashes so far (0 after a stable run).
  int fast_crashes() const { return fast_crashes_; }

 private:
  BackoffPolicy policy_;
  int fast_crashes_ = 0;
};

}  // namespace cohort
