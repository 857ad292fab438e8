#include "worker_watchdog.h"

namespace cohort {

WorkerWatchdog::~WorkerWatchdog() {
  for (auto& [id, w] : watched_) host_->CancelTimer(w.timer);
}

void WorkerWatchdog::Watch(WorkerId id) {
  Watched& w = watched_[id];
  if (w.timer) host_->CancelTimer(w.timer);
  w.last_ping = host_->Now();
  Arm(id, w, period_);
}

// One timer per worker, not one per ping: a ping only records the time, and
// the timer, when it fires, re-arms itself for whatever is left of the period.
void WorkerWatchdog::Arm(WorkerId id, Watched& w, Millis delay) {
  w.timer = host_->StartTimer(delay, [this, id] { OnTimer(id); });
}

void WorkerWatchdog::Ping(WorkerId id) {
  auto it = watched_.find(id);
  if (it != watched_.end()) it->second.last_ping = host_->Now();
}

void WorkerWatchdog::OnTimer(WorkerId id) {
  auto it = watched_.find(id);
  if (it == watched_.end()) return;
  it->second.timer = 0;
  TimePoint deadline = it->second.last_ping + period_;
  TimePoint now = host_->Now();
  if (now < deadline) {
    Arm(id, it->second, std::chrono::ceil<Millis>(deadline - now));
    return;
  }
  Expire(id);
}

void WorkerWatchdog::Trigger(WorkerId id) {
  if (watched_.count(id)) Expire(id);
}

void WorkerWatchdog::Expire(WorkerId id) {
  auto it = watched_.find(id);
  Millis silent = std::chrono::duration_cast<Millis>(host_->Now() - it->second.last_ping);
  Forget(id);  // reported once
  on_expired_(id, silent);
}

void WorkerWatchdog::Forget(WorkerId id) {
  auto it = watched_.find(id);
  if (it == watched_.end()) return;
  if (it->second.timer) host_->CancelTimer(it->second.timer);
  watched_.erase(it);
}

}  // namespace cohort
