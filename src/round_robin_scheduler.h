// RoundRobinScheduler: each connection to the next candidate in turn,
// skipping stalled ones (busy workers) unless every candidate is stalled.
#pragma once

#include "scheduler.h"

namespace cohort {

class RoundRobinScheduler : public Scheduler {
 public:
  const char* name() const override { return "rr"; }
  size_t Pick(std::span<const Candidate> candidates, const ConnectionInfo&) override {
    size_t n = candidates.size();
    for (size_t k = 0; k < n; ++k) {
      size_t i = (next_ + k) % n;
      if (!candidates[i].stalled) {
        next_ = i + 1;
        return i;
      }
    }
    return next_++ % n;
  }

 private:
  size_t next_ = 0;
};

}  // namespace cohort
