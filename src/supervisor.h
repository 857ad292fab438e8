// Supervisor: the life of one app's workers, as decisions.
//
// (supervisor.cc: slots, respawns, crash loops, scale, stop; supervisor_reload.cc:
// rolling replacements.)
//
// It keeps one worker per slot (0..N-1; the slot is the stable instance
// number given to workers as COHORT_INSTANCE), respawns crashed workers with
// RestartBackoff, runs rolling reloads one slot at a time, scales and stops.
// It does no I/O: effects go through WorkerHost, and events come in through
// the On* methods. Runs on the primary's loop thread; not thread-safe.
//
// A rolling reload, per slot: start an incoming worker; when it is ready
// (listening on every server the slot's old worker listened on) make it the
// slot's current worker and ask the old one to leave (kill after
// kill_timeout). An incoming worker that exits or misses ready_timeout aborts
// the reload; the old workers keep serving.
//
// max_memory_restart runs the same steps for one slot: a serving worker whose
// resident memory (sampled by the host, OnMemorySample) is over the limit is
// replaced, the old one leaving only once the new one is ready.
//
// Crash loops: a worker that exits within backoff.min_uptime of starting is
// unstable; after max_restarts unstable restarts in a row its slot stops
// respawning and is errored (until a reload brings it back). When every slot
// is errored, on_errored runs.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "restart_backoff.h"
#include "worker_host.h"

namespace cohort {

struct SupervisorOptions {
  std::string app_name = "app";
  int instances = 1;
  Millis ready_timeout{10000};
  Millis kill_timeout{5000};
  BackoffPolicy backoff;      // backoff.min_uptime: shorter lives are unstable
  int max_restarts = 16;      // unstable restarts in a row before a slot is errored (PM2's default)
  uint64_t max_memory = 0;    // bytes; a serving worker over it is replaced (0: no limit)
};

enum class WorkerState {
  kStarting,   // spawned, not yet online
  kOnline,     // running, not listening on every server yet
  kReady,      // listening (serving)
  kDraining,   // asked to leave; finishing in-flight work
};
const char* WorkerStateName(WorkerState s);

struct WorkerView {
  WorkerId id;
  int slot;
  pid_t pid;
  WorkerState state;
  TimePoint started;
  bool incoming;  // a reload's replacement, not yet serving as the slot's worker
};

struct SlotView {
  int slot;
  int restarts;         // respawns after unexpected exits, and memory replacements
  int memory_restarts;  // replacements for max_memory_restart
  int unstable;         // unstable exits in a row
  bool waiting;         // backing off before a respawn
  std::string errored;  // why the slot stopped respawning (crash loop); empty otherwise
};

class Supervisor {
 public:
  using Done = std::function<void(Status)>;
  // Lines for the primary's log ("slot 1: worker 7 (pid 123) exited with code 1; restarting").
  using LogFn = std::function<void(int level, const std::string& line)>;
  enum LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

  Supervisor(SupervisorOptions options, WorkerHost* host, LogFn log);

  // Starts every slot. on_start_failed runs once if every slot's first worker
  // exits before any worker of this run became ready (bad script, busy port);
  // on_ready runs once when every slot has had a ready worker.
  void Start(std::function<void(const std::string& why)> on_start_failed,
             std::function<void()> on_ready = nullptr);
  // Rolling reload. `done` gets the outcome. A reload requested during one is
  // queued (several requests coalesce into one more run) and `done` waits for it.
  void Reload(Done done);
  void Scale(int instances);
  // Graceful stop of all workers; `done` runs when the last has exited.
  void Stop(Done done);

  // Events from the host.
  void OnOnline(WorkerId id);
  // The worker listens on server `key` (Node's queryServer key, stable
  // across workers). A worker is ready when it listens on every key its
  // slot's previous worker listened on (at least one).
  void OnListening(WorkerId id, const std::string& key);
  void OnServerClosed(WorkerId id, const std::string& key);
  void OnExit(WorkerId id, ExitStatus status);
  // The worker's resident memory, sampled by the host (about once a second).
  void OnMemorySample(WorkerId id, uint64_t rss_bytes);

  // Runs when every slot is errored (the app is in a crash loop).
  std::function<void(const std::string& why)> on_errored;

  std::vector<WorkerView> Workers() const;
  std::vector<SlotView> Slots() const;
  int instances() const { return static_cast<int>(slots_.size()); }
  bool reloading() const { return reload_.has_value(); }
  bool stopping() const { return stopping_; }
  // Every slot gave up respawning; the reason of the last one.
  std::optional<std::string> errored() const;
  uint64_t reloads_succeeded() const { return reloads_ok_; }
  uint64_t reloads_failed() const { return reloads_failed_; }
  std::optional<pid_t> PidOf(WorkerId id) const;
  std::optional<int> SlotOf(WorkerId id) const;

 private:
  struct Worker {
    WorkerId id;
    int slot;
    pid_t pid;
    WorkerState state;
    TimePoint started;
    std::set<std::string> listening;  // server keys it listens on now
    std::set<std::string> required;   // keys it must listen on to be ready (empty: any one)
    bool ready_on_online = false;     // replaces a worker that never listened
    TimerId kill_timer = 0;           // set while draining; 0 otherwise
    TimerId online_timer = 0;         // online, not listening: counts as started when it fires
    uint64_t generation = 0;          // reloads begun before it was spawned
  };
  struct Slot {
    explicit Slot(BackoffPolicy policy) : backoff(policy) {}
    std::optional<WorkerId> current;   // serving or starting worker
    std::optional<WorkerId> incoming;  // reload replacement
    RestartBackoff backoff;
    TimerId respawn_timer = 0;
    int restarts = 0;
    int memory_restarts = 0;
    bool failed_initially = false;
    std::string errored;            // crash loop: no more respawns until a reload
    TimePoint memory_retry_after{};  // after a failed memory replacement
  };
  // A rolling replacement: a reload (every slot), or for max_memory_restart
  // one slot (`memory_slot`; not counted as a reload, nobody waits for it).
  struct ReloadRun {
    int next_slot = 0;
    std::optional<int> slot;  // slot being replaced
    TimerId ready_timer = 0;
    std::vector<Done> waiters;
    std::optional<int> memory_slot;
  };

  std::optional<WorkerId> StartWorker(int slot, std::set<std::string> required,
                                      bool ready_on_online);
  void OnSlotFailure(int slot, Millis uptime, const std::string& why);
  void ScheduleRespawn(int slot, Millis uptime, const std::string& why);
  void MarkErrored(int slot, const std::string& why);
  void RespawnNow(int slot);
  void BeginReload(std::vector<Done> waiters);
  std::set<std::string> ServingKeys() const;
  void Retire(WorkerId id);  // disconnect + kill timer
  void CheckReady(Worker& w);
  void BecameReady(Worker& w);
  void ReloadNextSlot();
  void FinishReload(Status outcome);
  void AbortReloadStep(const std::string& why);
  void MaybeFinishStop();
  Worker* Find(WorkerId id);
  bool IsIncoming(const Worker& w) const;
  std::string Describe(const Worker& w) const;
  void Log(int level, const std::string& line) const { if (log_) log_(level, line); }

  SupervisorOptions opt_;
  WorkerHost* host_;
  LogFn log_;
  std::vector<Slot> slots_;
  std::map<WorkerId, Worker> workers_;  // every live worker, including draining ones
  WorkerId next_id_ = 1;
  bool ever_ready_ = false;
  bool gave_up_ = false;     // the first start failed on every slot; no more respawns
  uint64_t generation_ = 0;  // incremented when a reload begins
  std::function<void(const std::string&)> on_start_failed_;
  std::function<void()> on_ready_;
  std::set<int> started_slots_;  // slots ready since Start(), until on_ready runs
  std::optional<ReloadRun> reload_;
  std::vector<Done> queued_reload_;  // waiters for the reload after the current one
  bool reload_queued_ = false;
  bool stopping_ = false;
  std::vector<Done> stop_waiters_;
  uint64_t reloads_ok_ = 0;
  uint64_t reloads_failed_ = 0;
};

}  // namespace cohort
