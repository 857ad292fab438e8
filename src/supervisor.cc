#include "supervisor.h"

#include <signal.h>
#include <string.h>

#include <algorithm>

#include <fmt/format.h>

#include "exit_status.h"

namespace cohort {

const char* WorkerStateName(WorkerState s) {
  switch (s) {
    case WorkerState::kStarting: return "starting";
    case WorkerState::kOnline: return "online";
    case WorkerState::kReady: return "ready";
    case WorkerState::kDraining: return "draining";
  }
  return "?";
}

Supervisor::Supervisor(SupervisorOptions options, WorkerHost* host, LogFn log)
    : opt_(std::move(options)), host_(host), log_(std::move(log)) {}

Supervisor::Worker* Supervisor::Find(WorkerId id) {
  auto it = workers_.find(id);
  return it == workers_.end() ? nullptr : &it->second;
}

std::string Supervisor::Describe(const Worker& w) const {
  return fmt::format("slot {}: worker {} (pid {})", w.slot, w.id, w.pid);
}

std::optional<WorkerId> Supervisor::StartWorker(int slot, std::set<std::string> required,
                                                bool ready_on_online) {
  WorkerId id = next_id_++;
  Result<pid_t> pid = host_->SpawnWorker(id, slot);
  if (!pid.ok()) {
    Log(kError, fmt::format("slot {}: cannot start worker: {}", slot, pid.status().message()));
    return std::nullopt;
  }
  Worker w{.id = id,
           .slot = slot,
           .pid = *pid,
           .state = WorkerState::kStarting,
           .started = host_->Now(),
           .listening = {},
           .required = std::move(required),
           .ready_on_online = ready_on_online,
           .generation = generation_};
  Log(kInfo, fmt::format("{}: started", Describe(w)));
  workers_.emplace(id, std::move(w));
  return id;
}

void Supervisor::Start(std::function<void(const std::string&)> on_start_failed,
                       std::function<void()> on_ready) {
  on_start_failed_ = std::move(on_start_failed);
  on_ready_ = std::move(on_ready);
  slots_.resize(opt_.instances, Slot(opt_.backoff));
  std::vector<int> failed;
  for (int s = 0; s < static_cast<int>(slots_.size()); ++s) {
    slots_[s].current = StartWorker(s, {}, false);
    if (!slots_[s].current) failed.push_back(s);
  }
  for (int s : failed) OnSlotFailure(s, Millis(0), "could not start");
}

void Supervisor::OnSlotFailure(int s, Millis uptime, const std::string& why) {
  Slot& sl = slots_[s];
  if (!ever_ready_ && !gave_up_) {
    sl.failed_initially = true;
    // A slot counts as failed while it has no worker that might still come up.
    bool all_failed = std::all_of(slots_.begin(), slots_.end(), [](const Slot& x) {
      return x.failed_initially || (!x.current && !x.incoming);
    });
    if (all_failed) {
      gave_up_ = true;
      Log(kError, fmt::format("no worker became ready (slot {}: {}); giving up", s, why));
      if (on_start_failed_) on_start_failed_(fmt::format("slot {}: {}", s, why));
      return;
    }
  }
  if (gave_up_) return;
  ScheduleRespawn(s, uptime, why);
}

void Supervisor::ScheduleRespawn(int s, Millis uptime, const std::string& why) {
  Slot& sl = slots_[s];
  Millis delay = sl.backoff.OnCrash(uptime);
  if (sl.backoff.fast_crashes() > opt_.max_restarts) {
    MarkErrored(s, why);
    return;
  }
  ++sl.restarts;
  if (delay.count() == 0) {
    Log(kWarn, fmt::format("slot {}: {}; restarting", s, why));
    RespawnNow(s);
    return;
  }
  Log(kWarn, fmt::format("slot {}: {}; {} fast crashes in a row, restarting in {} ms", s, why,
                         sl.backoff.fast_crashes(), delay.count()));
  sl.respawn_timer = host_->StartTimer(delay, [this, s] {
    if (s >= static_cast<int>(slots_.size())) return;
    slots_[s].respawn_timer = 0;
    if (!stopping_ && !slots_[s].current && !slots_[s].incoming) RespawnNow(s);
  });
}

void Supervisor::MarkErrored(int s, const std::string& why) {
  Slot& sl = slots_[s];
  sl.errored = fmt::format("crash loop: {} unstable restart(s) in a row (each worker lived less than {} ms); last: {}",
                           opt_.max_restarts, opt_.backoff.min_uptime.count(), why);
  Log(kError, fmt::format("slot {}: {}; not restarting it again (errored) until a reload or restart", s, sl.errored));
  std::optional<std::string> all = errored();
  if (!all) return;
  Log(kError, "every slot is errored: the app stays down until a reload or restart");
  if (on_errored) on_errored(*all);
}

std::optional<std::string> Supervisor::errored() const {
  if (slots_.empty()) return std::nullopt;
  for (const Slot& sl : slots_) {
    if (sl.errored.empty()) return std::nullopt;
  }
  return fmt::format("every slot is errored; slot {}: {}", slots_.size() - 1, slots_.back().errored);
}

void Supervisor::RespawnNow(int s) {
  slots_[s].current = StartWorker(s, {}, false);
  if (!slots_[s].current) ScheduleRespawn(s, Millis(0), "could not start");
}

void Supervisor::Retire(WorkerId id) {
  Worker* w = Find(id);
  if (!w || w->state == WorkerState::kDraining) return;
  w->state = WorkerState::kDraining;
  if (w->online_timer) host_->CancelTimer(w->online_timer);
  w->online_timer = 0;
  host_->DisconnectWorker(id);
  w->kill_timer = host_->StartTimer(opt_.kill_timeout, [this, id] {
    Worker* w = Find(id);
    if (!w) return;
    w->kill_timer = 0;
    Log(kWarn, fmt::format("{}: still running {} ms after it was asked to leave; killing it",
                           Describe(*w), opt_.kill_timeout.count()));
    host_->KillWorker(id, SIGKILL);
  });
}

void Supervisor::OnOnline(WorkerId id) {
  Worker* w = Find(id);
  if (!w || w->state != WorkerState::kStarting) return;
  w->state = WorkerState::kOnline;
  CheckReady(*w);
  if (w->state != WorkerState::kOnline || IsIncoming(*w)) return;
  // A worker that runs but never listens (a queue consumer, say) counts as
  // started once it has been online for ready_timeout.
  w->online_timer = host_->StartTimer(opt_.ready_timeout, [this, id] {
    Worker* w = Find(id);
    if (!w) return;
    w->online_timer = 0;
    if (w->state != WorkerState::kOnline) return;
    Log(kInfo, fmt::format("{}: online for {} ms without listening; counting it as started",
                           Describe(*w), opt_.ready_timeout.count()));
    BecameReady(*w);
  });
}

bool Supervisor::IsIncoming(const Worker& w) const {
  return w.slot < static_cast<int>(slots_.size()) && slots_[w.slot].incoming == w.id;
}

void Supervisor::OnListening(WorkerId id, const std::string& key) {
  Worker* w = Find(id);
  if (!w) return;
  w->listening.insert(key);
  if (w->state == WorkerState::kStarting) w->state = WorkerState::kOnline;  // listening implies online
  CheckReady(*w);
}

void Supervisor::OnServerClosed(WorkerId id, const std::string& key) {
  if (Worker* w = Find(id)) w->listening.erase(key);
}

void Supervisor::CheckReady(Worker& w) {
  if (w.state != WorkerState::kOnline) return;
  bool ready;
  if (w.ready_on_online) {
    ready = true;
  } else if (w.required.empty()) {
    ready = !w.listening.empty();
  } else {
    ready = std::includes(w.listening.begin(), w.listening.end(), w.required.begin(),
                          w.required.end());
  }
  if (ready) BecameReady(w);
}

void Supervisor::BecameReady(Worker& w) {
  w.state = WorkerState::kReady;
  if (w.online_timer) host_->CancelTimer(w.online_timer);
  w.online_timer = 0;
  ever_ready_ = true;
  Log(kInfo, fmt::format("{}: ready", Describe(w)));
  if (on_ready_) {
    started_slots_.insert(w.slot);
    bool all = true;
    for (int s = 0; s < static_cast<int>(slots_.size()); ++s) all = all && started_slots_.count(s);
    if (all) std::exchange(on_ready_, nullptr)();
  }
  if (w.slot >= static_cast<int>(slots_.size())) return;
  Slot& sl = slots_[w.slot];
  if (sl.incoming != w.id) return;
  // A reload's replacement is serving: it takes the slot, the old worker leaves.
  std::optional<WorkerId> old = sl.current;
  sl.current = w.id;
  sl.incoming.reset();
  if (!sl.errored.empty()) {  // a reload brought an errored slot back
    sl.errored.clear();
    sl.backoff = RestartBackoff(opt_.backoff);
  }
  if (reload_ && reload_->memory_slot == w.slot) {
    ++sl.memory_restarts;
    ++sl.restarts;
  }
  if (old) {
    if (Worker* o = Find(*old)) Log(kInfo, fmt::format("{}: replaced, asking it to leave", Describe(*o)));
    Retire(*old);
  }
  if (reload_ && reload_->slot == w.slot) {
    host_->CancelTimer(reload_->ready_timer);
    reload_->ready_timer = 0;
    reload_->slot.reset();
    ReloadNextSlot();
  }
}

void Supervisor::OnExit(WorkerId id, ExitStatus status) {
  auto it = workers_.find(id);
  if (it == workers_.end()) return;
  Worker w = std::move(it->second);
  workers_.erase(it);
  if (w.kill_timer) host_->CancelTimer(w.kill_timer);
  if (w.online_timer) host_->CancelTimer(w.online_timer);
  Millis uptime = std::chrono::duration_cast<Millis>(host_->Now() - w.started);
  std::string how = DescribeExit(status);

  if (stopping_) {
    Log(kInfo, fmt::format("{}: {}", Describe(w), how));
    MaybeFinishStop();
    return;
  }
  bool in_slot = w.slot < static_cast<int>(slots_.size());
  Slot* sl = in_slot ? &slots_[w.slot] : nullptr;
  if (sl && sl->incoming == id) {
    sl->incoming.reset();
    if (reload_ && reload_->slot == w.slot) {
      AbortReloadStep(fmt::format("slot {}: new worker {} (pid {}) {} before it was ready", w.slot,
                                  w.id, w.pid, how));
    }
    return;
  }
  if (sl && sl->current == id) {
    sl->current.reset();
    std::string why = fmt::format("worker {} (pid {}) {}{}", w.id, w.pid, how,
                                  w.state == WorkerState::kReady ? "" : " before it was ready");
    if (sl->incoming) {
      // A reload is already bringing this slot's replacement up.
      Log(kWarn, fmt::format("slot {}: {}; its replacement is starting", w.slot, why));
      return;
    }
    OnSlotFailure(w.slot, uptime, why);
    return;
  }
  Log(kInfo, fmt::format("{}: {}", Describe(w), how));  // a retired worker left
}

void Supervisor::Scale(int instances) {
  if (stopping_ || instances < 0) return;
  int old_n = static_cast<int>(slots_.size());
  if (instances == old_n) return;
  Log(kInfo, fmt::format("scaling from {} to {} worker(s)", old_n, instances));
  if (instances > old_n) {
    slots_.resize(instances, Slot(opt_.backoff));
    for (int s = old_n; s < instances; ++s) RespawnNow(s);
    return;
  }
  for (int s = instances; s < old_n; ++s) {
    Slot& sl = slots_[s];
    if (sl.respawn_timer) host_->CancelTimer(sl.respawn_timer);
    if (sl.incoming) Retire(*sl.incoming);
    if (sl.current) Retire(*sl.current);
  }
  bool reload_step_removed = reload_ && reload_->slot && *reload_->slot >= instances;
  slots_.erase(slots_.begin() + instances, slots_.end());
  if (reload_step_removed) {
    host_->CancelTimer(reload_->ready_timer);
    reload_->ready_timer = 0;
    reload_->slot.reset();
    ReloadNextSlot();
  }
}

void Supervisor::Stop(Done done) {
  stop_waiters_.push_back(std::move(done));
  if (stopping_) return;
  stopping_ = true;
  Log(kInfo, "stopping: asking every worker to leave");
  if (reload_) {
    if (reload_->ready_timer) host_->CancelTimer(reload_->ready_timer);
    reload_->ready_timer = 0;
    FinishReload(Status::Error("the app was stopped during the reload"));
  }
  for (auto& w : queued_reload_) w(Status::Error("the app was stopped"));
  queued_reload_.clear();
  reload_queued_ = false;
  for (Slot& sl : slots_) {
    if (sl.respawn_timer) host_->CancelTimer(sl.respawn_timer);
    sl.respawn_timer = 0;
  }
  std::vector<WorkerId> ids;
  for (const auto& [id, w] : workers_) ids.push_back(id);
  for (WorkerId id : ids) Retire(id);
  MaybeFinishStop();
}

void Supervisor::MaybeFinishStop() {
  if (!stopping_ || !workers_.empty()) return;
  std::vector<Done> waiters = std::move(stop_waiters_);
  stop_waiters_.clear();
  for (auto& done : waiters) done(Status::Ok());
}

std::vector<WorkerView> Supervisor::Workers() const {
  std::vector<WorkerView> out;
  for (const auto& [id, w] : workers_) {
    bool incoming = w.slot < static_cast<int>(slots_.size()) && slots_[w.slot].incoming == id;
    out.push_back({w.id, w.slot, w.pid, w.state, w.started, incoming});
  }
  return out;
}

std::vector<SlotView> Supervisor::Slots() const {
  std::vector<SlotView> out;
  for (int s = 0; s < static_cast<int>(slots_.size()); ++s) {
    const Slot& sl = slots_[s];
    out.push_back({.slot = s,
                   .restarts = sl.restarts,
                   .memory_restarts = sl.memory_restarts,
                   .unstable = sl.backoff.fast_crashes(),
                   .waiting = sl.respawn_timer != 0,
                   .errored = sl.errored});
  }
  return out;
}

std::optional<pid_t> Supervisor::PidOf(WorkerId id) const {
  auto it = workers_.find(id);
  if (it == workers_.end()) return std::nullopt;
  return it->second.pid;
}

std::optional<int> Supervisor::SlotOf(WorkerId id) const {
  auto it = workers_.find(id);
  if (it == workers_.end()) return std::nullopt;
  return it->second.slot;
}

}  // namespace cohort
