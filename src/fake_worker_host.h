// FakeWorkerHost: a WorkerHost for tests. Records every effect (spawns,
// disconnects, kills) and runs timers on a fake clock that only moves when
// the test calls Advance(), so supervision tests are instant and exact.
// Header-only: it is test support, not part of cohort_core.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "worker_host.h"

namespace cohort {

class FakeWorkerHost : public WorkerHost {
 public:
  struct Spawned {
    WorkerId id;
    int slot;
    pid_t pid;
  };
  struct Killed {
    WorkerId id;
    int signal;
  };

  Result<pid_t> SpawnWorker(WorkerId id, int slot) override;
  void DisconnectWorker(WorkerId id) override { disconnected.push_back(id); }
  void KillWorker(WorkerId id, int signal) override { killed.push_back({id, signal}); }
  TimerId StartTimer(Millis delay, std::function<void()> fn) override;
  void CancelTimer(TimerId id) override { timers_.erase(id); }
  TimePoint Now() const override { return now_; }

  // Moves the clock forward, firing due timers in deadline order.
  void Advance(Millis d);
  size_t pending_timers() const { return timers_.size(); }
  // The id of the worker spawned most recently in `slot`.
  std::optional<WorkerId> LastIn(int slot) const;
  bool WasDisconnected(WorkerId id) const;
  bool WasKilled(WorkerId id, int signal) const;

  std::vector<Spawned> spawned;
  std::vector<WorkerId> disconnected;
  std::vector<Killed> killed;
  int fail_next_spawns = 0;  // that many SpawnWorker calls fail

 private:
  struct Timer {
    TimePoint at;
    std::function<void()> fn;
  };
  TimePoint now_{};
  std::map<TimerId, Timer> timers_;
  TimerId next_timer_ = 1;
  pid_t next_pid_ = 1000;
};

inline Result<pid_t> FakeWorkerHost::SpawnWorker(WorkerId id, int slot) {
  if (fail_next_spawns > 0) {
    --fail_next_spawns;
    return Status::Error("node was not found in PATH", ENOENT);
  }
  pid_t pid = next_pid_++;
  spawned.push_back({id, slot, pid});
  return pid;
}

inline TimerId FakeWorkerHost::StartTimer(Millis delay, std::function<void()> fn) {
  TimerId id = next_timer_++;
  timers_[id] = Timer{now_ + delay, std::move(fn)};
  return id;
}

inline void FakeWorkerHost::Advance(Millis d) {
  TimePoint end = now_ + d;
  for (;;) {
    auto due = std::min_element(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) {
      return std::pair(a.second.at, a.first) < std::pair(b.second.at, b.first);
    });
    if (due == timers_.end() || due->second.at > end) break;
    now_ = std::max(now_, due->second.at);
    std::function<void()> fn = std::move(due->second.fn);
    timers_.erase(due);
    fn();
  }
  now_ = end;
}

inline std::optional<WorkerId> FakeWorkerHost::LastIn(int slot) const {
  for (auto it = spawned.rbegin(); it != spawned.rend(); ++it) {
    if (it->slot == slot) return it->id;
  }
  return std::nullopt;
}

inline bool FakeWorkerHost::WasDisconnected(WorkerId id) const {
  return std::find(disconnected.begin(), disconnected.end(), id) != disconnected.end();
}

inline bool FakeWorkerHost::WasKilled(WorkerId id, int signal) const {
  return std::any_of(killed.begin(), killed.end(),
                     [&](const Killed& k) { return k.id == id && k.signal == signal; });
}

}  // namespace cohort
