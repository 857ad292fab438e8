// RoundRobinScheduler: each connection to the next candidate in turn.
#pragma once

#include "scheduler.h"

namespace cohort {

class RoundRobinScheduler : public Scheduler {
 public:
  const char* name() const override { return "rr"; }
  size_t Pick(std::span<const Candidate> candidates, const ConnectionInfo&) override {
    return next_++ % candidates.size();
  }

 private:
  size_t next_ = 0;
};

}  // namespace cohort
