// Balancer: hands accepted connections to workers and keeps them safe until
// a worker confirms it took them.
//
// For each server key (one listening socket) it knows which workers serve it
// (they answered listen() for it and are not draining) and has its own
// Scheduler (so round-robin turns per server). A connection goes to the
// worker that key's Scheduler picks among those with room (fewer than
// max_in_flight unconfirmed handoffs); several handoffs per worker are in
// flight at once (Node copes, design.md §2). The primary keeps its copy of
// each connection's fd until the worker answers accepted:true; on
// accepted:false, or if the worker dies first, the connection goes to another
// worker, so no queued connection is lost. Connections nobody can take wait
// in a per-key queue; the listener pauses (the kernel backlog holds the rest)
// until on_room says there is room again. Runs on the loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler.h"
#include "status.h"
#include "unique_fd.h"
#include "worker_host.h"

namespace cohort {

// Where connections go: the primary's side of each worker's channel.
class ConnectionSink {
 public:
  virtual ~ConnectionSink() = default;
  // Sends `fd` to the worker as Node's newconn for `key_json` (the key as a
  // JSON string) with message number `seq`. The fd stays the Balancer's.
  virtual Status SendConnection(WorkerId worker, const std::string& key_json, uint64_t seq,
                                int fd) = 0;
};

struct BalancerStats {
  uint64_t handed = 0;     // connections sent
  uint64_t confirmed = 0;  // accepted:true
  uint64_t bounced = 0;    // accepted:false, or lost with a dying worker and re-sent
  uint64_t dropped = 0;    // closed unserved (bounced too often, or queue full)
};

class Balancer {
 public:
  struct Options {
    uint32_t max_in_flight = 128;  // per worker
    uint32_t max_bounces = 8;      // per connection, then it is closed
    size_t max_queued = 4096;      // per key, connections waiting for a worker
    // A worker whose oldest unconfirmed handoff is older than this is
    // stalled (Candidate::stalled). Needs `clock`; without one nobody is.
    Millis stall_after{2};
    std::function<TimePoint()> clock = nullptr;
  };
  using SchedulerFactory = std::function<std::unique_ptr<Scheduler>()>;
  Balancer(SchedulerFactory schedulers, ConnectionSink* sink, Options options);
  Balancer(SchedulerFactory schedulers, ConnectionSink* sink) : Balancer(std::move(schedulers), sink, Options()) {}

  // Called when a key that had no room has room again (resume accepting).
  std::function<void(const std::string& key)> on_room;
  // Log lines for unusual events (drops).
  std::function<void(const std::string& line)> on_warning;

  void AddKey(const std::string& key);
  void RemoveKey(const std::string& key);  // queued connections are closed
  void Serve(WorkerId worker, int slot, const std::string& key);
  void StopServing(WorkerId worker, const std::string& key);
  // No new connections for this worker; its in-flight ones are still honoured.
  void Drain(WorkerId worker);
  // The worker is gone: every connection it had not confirmed goes elsewhere.
  void WorkerGone(WorkerId worker);

  // `sticky_key` (may be empty) stays with the connection if it is re-sent.
  void Dispatch(const std::string& key, UniqueFd conn, std::string sticky_key = {});
  void OnReply(WorkerId worker, uint64_t seq, bool accepted);

  bool HasRoom(const std::string& key) const;
  size_t queued(const std::string& key) const;
  uint32_t in_flight(WorkerId worker) const;
  BalancerStats stats(WorkerId worker) const;
  const BalancerStats& totals() const { return totals_; }

 private:
  struct Conn {
    UniqueFd fd;
    std::string key;
    uint32_t bounces = 0;
    std::optional<WorkerId> refused_by;  // the last worker that refused it: not offered it again next
    std::string sticky_key;
    TimePoint handed{};  // when it was last sent to a worker (with a clock)
  };
  struct KeyState {
    std::string key_json;
    std::unique_ptr<Scheduler> scheduler;
    std::vector<WorkerId> workers;  // serving, not draining
    std::deque<Conn> queue;
  };
  struct WorkerState {
    int slot = 0;
    bool draining = false;
    std::map<uint64_t, Conn> in_flight;  // by newconn seq
    BalancerStats stats;
  };

  void Place(Conn conn);          // send to a worker or queue
  void Requeue(Conn conn);        // after a bounce
  void PumpQueue(KeyState& ks, const std::string& key);
  void Drop(Conn& conn, const char* why);
  bool KeyHasRoom(const KeyState& ks) const;
  void NotifyRoom(const std::string& key);

  SchedulerFactory make_scheduler_;
  ConnectionSink* sink_;
  Options opt_;
  std::unordered_map<std::string, KeyState> keys_;
  std::unordered_map<WorkerId, WorkerState> workers_;
  std::vector<Candidate> scratch_;
  uint64_t next_seq_ = 1;
  BalancerStats totals_;
};

}  // namespace cohort
