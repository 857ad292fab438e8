// LeastConnectionsScheduler: power of two choices over in-flight handoffs.
//
// A worker busy in a CPU-heavy request confirms its handoffs late, so it has
// more in flight and gets fewer new connections than under round-robin.
// Two random candidates: a stalled one loses to one that is not, then the
// one with fewer in flight wins (ties: the first), which avoids the herd
// that a global minimum causes.
#pragma once

#include <random>

#include "scheduler.h"

namespace cohort {

class LeastConnectionsScheduler : public Scheduler {
 public:
  explicit LeastConnectionsScheduler(uint64_t seed = std::random_device{}()) : rng_(seed) {}
  const char* name() const override { return "least"; }
  size_t Pick(std::span<const Candidate> candidates, const ConnectionInfo&) override {
    if (candidates.size() == 1) return 0;
    std::uniform_int_distribution<size_t> d(0, candidates.size() - 1);
    size_t a = d(rng_), b = d(rng_);
    if (a == b) b = (a + 1) % candidates.size();
    const Candidate& x = candidates[a];
    const Candidate& y = candidates[b];
    if (x.stalled != y.stalled) return x.stalled ? b : a;
    return y.in_flight < x.in_flight ? b : a;
  }

 private:
  std::minstd_rand rng_;
};

}  // namespace cohort
