// StickyScheduler: connections with a sticky key go to the worker that
// declared the key (StickyTable), else to the slot the key hashes to
// (rendezvous.h); connections without a key, and keys whose worker has no
// room or is gone, go where the fallback policy (rr or least) says. The
// table is the primary's and outlives every scheduler.
#pragma once

#include <functional>
#include <memory>

#include "rendezvous.h"
#include "scheduler.h"
#include "sticky_table.h"

namespace cohort {

class StickyScheduler : public Scheduler {
 public:
  StickyScheduler(std::unique_ptr<Scheduler> fallback, StickyTable* table, std::function<TimePoint()> now)
      : fallback_(std::move(fallback)), table_(table), now_(std::move(now)) {}
  const char* name() const override { return "sticky"; }
  size_t Pick(std::span<const Candidate> candidates, const ConnectionInfo& conn) override {
    if (conn.sticky_key.empty()) return fallback_->Pick(candidates, conn);
    if (std::optional<WorkerId> owner = table_->Find(conn.sticky_key, now_())) {
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (candidates[i].id == *owner) return i;
      }
    }
    return RendezvousPick(StickyHash(conn.sticky_key), candidates);
  }

 private:
  std::unique_ptr<Scheduler> fallback_;
  StickyTable* table_;
  std::function<TimePoint()> now_;
};

}  // namespace cohort
