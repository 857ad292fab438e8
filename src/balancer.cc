#include "balancer.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cohort {

Balancer::Balancer(SchedulerFactory schedulers, ConnectionSink* sink, Options options)
    : make_scheduler_(std::move(schedulers)), sink_(sink), opt_(options) {}

void Balancer::AddKey(const std::string& key) {
  auto [it, inserted] = keys_.try_emplace(key);
  if (inserted) {
    it->second.key_json = nlohmann::json(key).dump();
    it->second.scheduler = make_scheduler_();
  }
}

void Balancer::RemoveKey(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  for (Conn& c : it->second.queue) Drop(c, "its server was closed");
  keys_.erase(it);
}

void Balancer::Serve(WorkerId worker, int slot, const std::string& key) {
  AddKey(key);
  WorkerState& ws = workers_[worker];
  ws.slot = slot;
  if (ws.draining) return;
  KeyState& ks = keys_[key];
  if (std::find(ks.workers.begin(), ks.workers.end(), worker) == ks.workers.end()) {
    ks.workers.push_back(worker);
  }
  PumpQueue(ks, key);
  NotifyRoom(key);
}

void Balancer::StopServing(WorkerId worker, const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  auto& w = it->second.workers;
  w.erase(std::remove(w.begin(), w.end(), worker), w.end());
}

void Balancer::Drain(WorkerId worker) {
  workers_[worker].draining = true;
  for (auto& [key, ks] : keys_) {
    ks.workers.erase(std::remove(ks.workers.begin(), ks.workers.end(), worker), ks.workers.end());
  }
}

void Balancer::WorkerGone(WorkerId worker) {
  Drain(worker);
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;
  std::map<uint64_t, Conn> lost = std::move(it->second.in_flight);
  workers_.erase(it);
  for (auto& [seq, conn] : lost) Requeue(std::move(conn));
}

bool Balancer::KeyHasRoom(const KeyState& ks) const {
  for (WorkerId w : ks.workers) {
    auto it = workers_.find(w);
    if (it != workers_.end() && it->second.in_flight.size() < opt_.max_in_flight) return true;
  }
  return false;
}

bool Balancer::HasRoom(const std::string& key) const {
  auto it = keys_.find(key);
  return it != keys_.end() && it->second.queue.empty() && KeyHasRoom(it->second);
}

void Balancer::NotifyRoom(const std::string& key) {
  if (on_room && HasRoom(key)) on_room(key);
}

void Balancer::Dispatch(const std::string& key, UniqueFd fd, std::string sticky_key) {
  Conn c{.fd = std::move(fd), .key = key, .bounces = 0, .refused_by = std::nullopt, .sticky_key = std::move(sticky_key)};
  if (!keys_.count(key)) {
    Drop(c, "nobody serves its server");
    return;
  }
  Place(std::move(c));
}

void Balancer::Place(Conn conn) {
  auto kit = keys_.find(conn.key);
  if (kit == keys_.end()) {
    Drop(conn, "its server was closed");
    return;
  }
  KeyState& ks = kit->second;
  TimePoint now = opt_.clock ? opt_.clock() : TimePoint{};
  for (;;) {
    scratch_.clear();
    for (WorkerId w : ks.workers) {
      const WorkerState& ws = workers_[w];
      if (ws.in_flight.size() < opt_.max_in_flight) {
        // Sequence numbers grow: the map's first entry is the oldest handoff.
        bool stalled = opt_.clock && !ws.in_flight.empty() &&
                       now - ws.in_flight.begin()->second.handed > opt_.stall_after;
        scratch_.push_back({w, ws.slot, static_cast<uint32_t>(ws.in_flight.size()), stalled});
      }
    }
    // A worker that just refused it (full, closing) gets it back only if no
    // other can take it: it would answer the same, fast, and as the only
    // worker not looking stalled it would be offered it every time.
    if (conn.refused_by && scratch_.size() > 1) {
      std::erase_if(scratch_, [&](const Candidate& c) { return c.id == *conn.refused_by; });
    }
    if (scratch_.empty()) {
      if (ks.queue.size() >= opt_.max_queued) {
        Drop(conn, "too many connections are waiting for a worker");
        return;
      }
      ks.queue.push_back(std::move(conn));
      return;
    }
    WorkerId w = scratch_[ks.scheduler->Pick(scratch_, ConnectionInfo{conn.fd.get(), conn.sticky_key})].id;
    uint64_t seq = next_seq_++;
    Status sent = sink_->SendConnection(w, ks.key_json, seq, conn.fd.get());
    if (!sent.ok()) {
      // The channel is broken or full: stop using this worker for now.
      if (on_warning) on_warning(fmt::format("worker {}: {}", w, sent.message()));
      Drain(w);
      continue;
    }
    WorkerState& ws = workers_[w];
    ++ws.stats.handed;
    ++totals_.handed;
    conn.handed = now;
    ws.in_flight.emplace(seq, std::move(conn));
    return;
  }
}

void Balancer::Requeue(Conn conn) {
  ++totals_.bounced;
  if (++conn.bounces > opt_.max_bounces) {
    Drop(conn, "no worker accepted it");
    return;
  }
  std::string key = conn.key;
  Place(std::move(conn));
  NotifyRoom(key);
}

void Balancer::OnReply(WorkerId worker, uint64_t seq, bool accepted) {
  auto wit = workers_.find(worker);
  if (wit == workers_.end()) return;
  auto cit = wit->second.in_flight.find(seq);
  if (cit == wit->second.in_flight.end()) return;
  Conn conn = std::move(cit->second);
  wit->second.in_flight.erase(cit);
  std::string key = conn.key;
  if (accepted) {
    ++wit->second.stats.confirmed;
    ++totals_.confirmed;
    conn.fd.reset();  // the worker owns the connection now
  } else {
    ++wit->second.stats.bounced;
    conn.refused_by = worker;
    Requeue(std::move(conn));
    return;
  }
  auto kit = keys_.find(key);
  if (kit != keys_.end()) PumpQueue(kit->second, key);
  NotifyRoom(key);
}

void Balancer::PumpQueue(KeyState& ks, const std::string& key) {
  (void)key;
  while (!ks.queue.empty() && KeyHasRoom(ks)) {
    Conn c = std::move(ks.queue.front());
    ks.queue.pop_front();
    Place(std::move(c));
  }
}

void Balancer::Drop(Conn& conn, const char* why) {
  ++totals_.dropped;
  if (on_warning) on_warning(fmt::format("closed a connection to {}: {}", conn.key, why));
  conn.fd.reset();
}

size_t Balancer::queued(const std::string& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : it->second.queue.size();
}

uint32_t Balancer::in_flight(WorkerId worker) const {
  auto it = workers_.find(worker);
  return it == workers_.end() ? 0 : static_cast<uint32_t>(it->second.in_flight.size());
}

BalancerStats Balancer::stats(WorkerId worker) const {
  auto it = workers_.find(worker);
  return it == workers_.end() ? BalancerStats{} : it->second.stats;
}

}  // namespace cohort
