// TimerSet: one-shot libuv timers identified by number, each running a
// callback once. Cancelling an id that fired or never existed is harmless.
// A callback may start or cancel timers, and may destroy the TimerSet's
// owner only if nothing else touches it afterwards. Runs on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>

#include "restart_backoff.h"
#include "uv_handle.h"

namespace cohort {

class TimerSet {
 public:
  using Id = uint64_t;  // never 0
  explicit TimerSet(uv_loop_t* loop) : loop_(loop) {}
  Id Start(Millis delay, std::function<void()> fn);
  void Cancel(Id id) { timers_.erase(id); }
  size_t size() const { return timers_.size(); }

 private:
  struct Timer {
    TimerSet* owner = nullptr;
    Id id = 0;
    UvHandle<uv_timer_t> handle;
    std::function<void()> fn;
  };
  uv_loop_t* loop_;
  std::map<Id, Timer> timers_;  // std::map: an entry's address is stable until erased
  Id next_ = 1;
};

}  // namespace cohort
