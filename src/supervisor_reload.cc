// The Supervisor's rolling replacements: a reload (every slot, one at a
// time) and a max_memory_restart replacement (one slot), which share the
// steps: start an incoming worker, wait until it is ready, retire the old one;
// an incoming worker that exits or misses ready_timeout aborts the run.
#include <signal.h>

#include <algorithm>

#include <fmt/format.h>

#include "byte_size.h"
#include "supervisor.h"

namespace cohort {

void Supervisor::Reload(Done done) {
  if (stopping_) {
    done(Status::Error("the app is stopping"));
    return;
  }
  if (reload_) {
    reload_queued_ = true;
    queued_reload_.push_back(std::move(done));
    Log(kInfo, "reload requested during a reload: queued to run after it");
    return;
  }
  BeginReload({std::move(done)});
}

void Supervisor::BeginReload(std::vector<Done> waiters) {
  ++generation_;
  reload_ = ReloadRun{.next_slot = 0, .slot = {}, .ready_timer = 0, .waiters = std::move(waiters), .memory_slot = {}};
  Log(kInfo, fmt::format("rolling reload of {} slot(s) started", slots_.size()));
  ReloadNextSlot();
}

void Supervisor::OnMemorySample(WorkerId id, uint64_t rss_bytes) {
  if (opt_.max_memory == 0 || rss_bytes <= opt_.max_memory) return;
  if (stopping_ || reload_) return;  // a reload replaces every worker anyway
  Worker* w = Find(id);
  if (!w || w->state != WorkerState::kReady || w->slot >= static_cast<int>(slots_.size())) return;
  Slot& sl = slots_[w->slot];
  if (sl.current != id || sl.incoming || host_->Now() < sl.memory_retry_after) return;
  Log(kWarn, fmt::format("{}: resident memory {} is over max_memory_restart {}; replacing it", Describe(*w),
                         FormatBytes(rss_bytes), FormatBytes(opt_.max_memory)));
  reload_ = ReloadRun{.next_slot = w->slot, .slot = {}, .ready_timer = 0, .waiters = {}, .memory_slot = w->slot};
  ReloadNextSlot();
}

void Supervisor::ReloadNextSlot() {
  int end = static_cast<int>(slots_.size());
  if (reload_->memory_slot) end = std::min(end, *reload_->memory_slot + 1);
  while (reload_->next_slot < end) {
    int s = reload_->next_slot++;
    Slot& sl = slots_[s];
    if (sl.incoming) continue;
    const Worker* old = sl.current ? Find(*sl.current) : nullptr;
    // Started during this reload: it runs the new code already.
    if (!reload_->memory_slot && old && old->generation == generation_) continue;
    std::set<std::string> required;
    bool ready_on_online;
    if (old) {
      required = old->listening;
      ready_on_online = old->listening.empty();  // the old one served no socket
    } else {
      required = ServingKeys();
      ready_on_online = false;
    }
    if (sl.respawn_timer) {
      host_->CancelTimer(sl.respawn_timer);
      sl.respawn_timer = 0;
    }
    std::optional<WorkerId> id = StartWorker(s, std::move(required), ready_on_online);
    if (!id) {
      if (!sl.current) ScheduleRespawn(s, Millis(0), "could not start");
      FinishReload(Status::Error(fmt::format("slot {}: could not start a new worker", s)));
      return;
    }
    sl.incoming = id;
    reload_->slot = s;
    WorkerId wid = *id;
    reload_->ready_timer = host_->StartTimer(opt_.ready_timeout, [this, s, wid] {
      if (!reload_ || reload_->slot != s) return;
      reload_->ready_timer = 0;
      const Worker* w = Find(wid);
      AbortReloadStep(fmt::format("slot {}: new worker {} (pid {}) did not become ready within {} ms",
                                  s, wid, w ? w->pid : 0, opt_.ready_timeout.count()));
    });
    return;
  }
  FinishReload(Status::Ok());
}

std::set<std::string> Supervisor::ServingKeys() const {
  std::set<std::string> keys;
  for (const auto& [id, w] : workers_) {
    if (w.state == WorkerState::kReady) keys.insert(w.listening.begin(), w.listening.end());
  }
  return keys;
}

void Supervisor::AbortReloadStep(const std::string& why) {
  int s = *reload_->slot;
  reload_->slot.reset();
  if (reload_->ready_timer) host_->CancelTimer(reload_->ready_timer);
  reload_->ready_timer = 0;
  Slot& sl = slots_[s];
  if (sl.incoming) {
    WorkerId id = *sl.incoming;
    sl.incoming.reset();
    if (Worker* w = Find(id)) {
      w->state = WorkerState::kDraining;
      host_->DisconnectWorker(id);
      host_->KillWorker(id, SIGKILL);
    }
  }
  if (reload_->memory_slot) {
    Log(kError, fmt::format("memory replacement aborted: {}; the old worker keeps serving", why));
  } else {
    Log(kError, fmt::format("reload aborted: {}; the old workers keep serving", why));
  }
  if (!sl.current && !sl.respawn_timer && sl.errored.empty()) {
    ScheduleRespawn(s, Millis(0), "no worker after the aborted reload");
  }
  FinishReload(Status::Error(why));
}

void Supervisor::FinishReload(Status outcome) {
  std::vector<Done> waiters = std::move(reload_->waiters);
  std::optional<int> memory_slot = reload_->memory_slot;
  reload_.reset();
  if (memory_slot) {
    // Try again later, not on the next sample: a replacement that fails once
    // (crashes, misses ready_timeout) would fail in a tight loop.
    if (!outcome.ok() && *memory_slot < static_cast<int>(slots_.size())) {
      slots_[*memory_slot].memory_retry_after = host_->Now() + opt_.ready_timeout;
    }
  } else if (outcome.ok()) {
    ++reloads_ok_;
    Log(kInfo, "rolling reload finished");
  } else {
    ++reloads_failed_;
  }
  for (auto& done : waiters) done(outcome);
  if (reload_queued_ && !stopping_ && !reload_) {
    reload_queued_ = false;
    Log(kInfo, "starting the queued reload");
    BeginReload(std::move(queued_reload_));
    queued_reload_.clear();
  }
}

}  // namespace cohort
