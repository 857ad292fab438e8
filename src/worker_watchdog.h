// WorkerWatchdog: systemd's service watchdog, per worker (--watchdog). A
// watched worker must ping (sd_notify WATCHDOG=1, or "watchdog" on its
// channel) at least once per period; one that stays silent for a whole
// period is reported once through on_expired (the primary then kills it and
// its slot is restarted as after a crash). Timers and the clock come from the
// WorkerHost, so tests run it on FakeWorkerHost's fake clock. Loop thread.
#pragma once

#include <functional>
#include <map>

#include "worker_host.h"

namespace cohort {

class WorkerWatchdog {
 public:
  using OnExpired = std::function<void(WorkerId id, Millis silent)>;
  WorkerWatchdog(WorkerHost* host, Millis period, OnExpired on_expired)
      : host_(host), period_(period), on_expired_(std::move(on_expired)) {}
  ~WorkerWatchdog();
  WorkerWatchdog(const WorkerWatchdog&) = delete;
  WorkerWatchdog& operator=(const WorkerWatchdog&) = delete;

  // Starts the worker's first period now (it is spawned).
  void Watch(WorkerId id);
  // The worker is alive: its period starts again. Ignored for unwatched workers.
  void Ping(WorkerId id);
  // WATCHDOG=trigger: the worker asks to be treated as hung now.
  void Trigger(WorkerId id);
  // No longer watched (it exited, or it was asked to leave).
  void Forget(WorkerId id);
  bool watching(WorkerId id) const { return watched_.count(id) != 0; }
  Millis period() const { return period_; }

 private:
  struct Watched {
    TimePoint last_ping;
    TimerId timer = 0;
  };
  void Arm(WorkerId id, Watched& w, Millis delay);
  void OnTimer(WorkerId id);
  void Expire(WorkerId id);

  WorkerHost* host_;
  Millis period_;
  OnExpired on_expired_;
  std::map<WorkerId, Watched> watched_;
};

}  // namespace cohort
