// ClusterPrimary::Describe: the app as `cohort ls`, `monit` and the metrics
// endpoint see it (docs/control-protocol.md lists the fields).
#include <unistd.h>

#include "cluster_primary.h"

namespace cohort {

using nlohmann::json;

json ClusterPrimary::DescribeWorkers() const {
  json workers = json::array();
  TimePoint now = Now();
  std::vector<SlotView> slots = supervisor_.Slots();
  for (const WorkerView& v : supervisor_.Workers()) {
    BalancerStats st = balancer_.stats(v.id);
    const SlotView* slot = v.slot < static_cast<int>(slots.size()) ? &slots[v.slot] : nullptr;
    json w = {{"slot", v.slot},
              {"id", v.id},
              {"pid", v.pid},
              {"state", v.incoming ? "starting (reload)" : WorkerStateName(v.state)},
              {"uptime_ms", std::chrono::duration_cast<Millis>(now - v.started).count()},
              {"restarts", slot ? slot->restarts : 0},
              {"memory_restarts", slot ? slot->memory_restarts : 0},
              {"connections", st.confirmed},
              {"handed", st.handed},
              {"in_flight", balancer_.in_flight(v.id)},
              {"hook_confirmed", nullptr},
              {"cpu_percent", nullptr},
              {"cpu_seconds", nullptr},
              {"rss_bytes", nullptr}};
    if (const ProcessUsage* u = usage_.Last(v.id)) {
      w["cpu_percent"] = u->cpu_percent;
      w["cpu_seconds"] = u->cpu_seconds;
      w["rss_bytes"] = u->rss_bytes;
    }
    if (auto it = workers_.find(v.id); it != workers_.end() && !program_) w["hook_confirmed"] = it->second.hook_confirmed;
    if (program_ && !program_->StatusOf(v.id).empty()) w["status"] = program_->StatusOf(v.id);
    workers.push_back(std::move(w));
  }
  return workers;
}

json ClusterPrimary::DescribeSticky() const {
  if (!peek_options_) return nullptr;
  StickyPeeker::Stats total;
  size_t waiting = 0;
  for (const auto& [key, p] : peekers_) {
    total.keyed += p->stats().keyed;
    total.unkeyed += p->stats().unkeyed;
    total.timed_out += p->stats().timed_out;
    total.proxied += p->stats().proxied;
    waiting += p->waiting();
  }
  return {{"mode", peek_options_->spec.Describe()},
          {"keyed", total.keyed},
          {"unkeyed", total.unkeyed},
          {"timed_out", total.timed_out},
          {"proxied", total.proxied},
          {"waiting", waiting},
          {"declared_keys", sticky_table_.size()}};
}

json ClusterPrimary::Describe() const {
  json waiting = json::array();
  json errored = json::array();
  for (const SlotView& s : supervisor_.Slots()) {
    if (s.waiting) waiting.push_back({{"slot", s.slot}, {"restarts", s.restarts}});
    if (!s.errored.empty()) errored.push_back({{"slot", s.slot}, {"restarts", s.restarts}, {"error", s.errored}});
  }
  json listeners = json::array();
  size_t queued = 0;
  for (const auto& [key, l] : listeners_) {
    json entry = {{"address", l->spec().Describe()}, {"key", key}};
    if (l->spec().kind != ListenSpec::Kind::kUnix) entry["sockname"] = SocknameJson(l->fd());
    listeners.push_back(entry);
    queued += balancer_.queued(key);
  }
  if (program_) program_->DescribeSockets(listeners);
  const BalancerStats& t = balancer_.totals();
  json store = nullptr;
  if (store_) {
    store = {{"pid", store_->pid()}, {"port", store_->port()}, {"restarts", store_->restarts()},
             {"socket", store_->socket_path()}};
  } else if (!config_.store.empty()) {
    store = {{"url", config_.store}};
  }
  json health = nullptr;
  if (health_) {
    HealthVerdict v = DecideHealth(Health());
    health = {{"address", health_->address()}, {"status", v.status}, {"state", v.state},
              {"drained", drained_}, {"answered", health_->answered()}};
  }
  json app = {{"name", config_.name},
              {"script", config_.script},
              {"status", "running"},
              {"store", store},
              {"health", health},
              {"primary_pid", ::getpid()},
              {"instances", supervisor_.instances()},
              {"scheduler", config_.scheduler},
              {"sticky", DescribeSticky()},
              {"reloading", supervisor_.reloading()},
              {"stopping", stop_requested_ || supervisor_.stopping()},
              {"reloads", {{"succeeded", supervisor_.reloads_succeeded()}, {"failed", supervisor_.reloads_failed()}}},
              {"connections", {{"handed", t.handed}, {"confirmed", t.confirmed}, {"bounced", t.bounced},
                               {"dropped", t.dropped}, {"queued", queued}}},
              {"limits", {{"max_memory_restart", config_.max_memory_restart}, {"max_restarts", config_.max_restarts},
                          {"min_uptime_ms", config_.min_uptime.count()}}},
              {"listeners", listeners},
              {"workers", DescribeWorkers()},
              {"waiting_slots", waiting},
              {"errored_slots", errored}};
  if (std::optional<std::string> why = supervisor_.errored()) {
    app["status"] = "errored";
    app["error"] = *why;
  }
  return app;
}

}  // namespace cohort
