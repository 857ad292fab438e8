// Scheduler: which worker gets the next connection. One small interface, one
// file per policy (round_robin_scheduler.cc, least_connections_scheduler.cc),
// in the spirit of haproxy's lb_*.c. Policies see only candidates that are
// serving the connection's server and have room for another handoff.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "status.h"
#include "worker_host.h"

namespace cohort {

struct Candidate {
  WorkerId id;
  int slot;
  uint32_t in_flight;  // connections handed and not yet confirmed by the worker
  // Its oldest unconfirmed handoff waits longer than the Balancer's
  // stall_after: the worker's event loop is busy (a CPU-heavy request), so
  // more connections would queue behind it. Node's round-robin avoids this
  // by handing a worker one connection at a time.
  bool stalled = false;
};

struct ConnectionInfo {
  int fd;                       // the accepted connection (may be peeked, never read)
  std::string_view sticky_key;  // empty: the connection has none (see sticky_key.h)
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual const char* name() const = 0;
  // Returns an index into `candidates` (never empty).
  virtual size_t Pick(std::span<const Candidate> candidates, const ConnectionInfo& conn) = 0;
};

// "rr" (round-robin) or "least" (fewest in flight, power of two choices).
// ("shared" is not a Scheduler: the kernel balances, see ClusterPrimary.
// Sticky balancing wraps one of these: StickyScheduler.)
Result<std::unique_ptr<Scheduler>> MakeScheduler(std::string_view name);

}  // namespace cohort
