// AcceptPacer: whether a Listener accepts as each connection arrives, or in
// batches on a short tick, as network cards coalesce interrupts.
//
// Under a high rate of new connections, waking the primary for each one is
// the dominant cost of balancing on a small machine: every wakeup is a
// sleep/wake pair of the primary (a context switch, in a VM an idle exit),
// and the worker it hands the connection to is woken once per connection
// too. Accepting on a 1 ms tick instead gathers the connections that arrived
// meanwhile (they wait in the kernel backlog, as they would for a busy
// server) and hands them out together: one wakeup of the primary and of
// each worker per tick. A connection waits at most one tick more, and only
// while connections arrive faster than `enter_events` per tick; below that
// (and whenever a tick finds fewer than `leave_below`), each connection is
// accepted the moment it arrives. Pure logic: time comes in as arguments.
#pragma once

#include "worker_host.h"

namespace cohort {

class AcceptPacer {
 public:
  struct Options {
    Millis tick{1};
    int enter_events = 4;  // readable events with connections within one tick: switch to ticking
    int leave_below = 2;   // a tick that accepts fewer: back to accepting on events
  };
  enum class Mode { kOnEvent, kOnTick };

  AcceptPacer() : AcceptPacer(Options()) {}
  explicit AcceptPacer(Options options) : opt_(options) {}

  // In kOnEvent mode: a readable event at `now` accepted `accepted` connections.
  Mode OnEvent(TimePoint now, int accepted);
  // In kOnTick mode: a tick accepted `accepted` connections.
  Mode OnTick(int accepted);
  Mode mode() const { return mode_; }
  Millis tick() const { return opt_.tick; }

 private:
  Options opt_;
  Mode mode_ = Mode::kOnEvent;
  TimePoint window_start_{};
  int events_in_window_ = 0;
};

}  // namespace cohort
