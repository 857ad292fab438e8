#include "metrics_text.h"

#include <map>
#include <vector>

#include <fmt/format.h>

namespace cohort {
namespace {

using nlohmann::json;
using Labels = std::vector<std::pair<std::string, std::string>>;

// Label values escape backslash, double quote and newline (the format's rule).
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// A number as the format writes it: integers without a fraction.
std::string Value(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 9e15 && v > -9e15) {
    return fmt::format("{}", static_cast<int64_t>(v));
  }
  return fmt::format("{}", v);
}

class Family {
 public:
  Family(std::string name, std::string type, std::string help)
      : name_(std::move(name)), type_(std::move(type)), help_(std::move(help)) {}
  void Add(const Labels& labels, double value) { samples_.emplace_back(labels, value); }
  void AppendTo(std::string& out) const {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, help_, name_, type_);
    for (const auto& [labels, value] : samples_) {
      out += name_;
      if (!labels.empty()) {
        out += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
          out += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, Escape(labels[i].second));
        }
        out += '}';
      }
      out += ' ' + Value(value) + '\n';
    }
  }

 private:
  std::string name_, type_, help_;
  std::vector<std::pair<Labels, double>> samples_;
};

double Number(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

struct AppFamilies {
  Family status{"cohort_app_status", "gauge", "1 for the app's status (running, stopped, errored), 0 for the others"};
  Family workers{"cohort_workers", "gauge", "Workers by state; slots waiting to respawn and errored slots too"};
  Family reloads{"cohort_reloads_total", "counter", "Rolling reloads by outcome"};
  Family queued{"cohort_connections_queued", "gauge", "Accepted connections waiting for a worker with room"};
  Family handed{"cohort_connections_handed_total", "counter", "Connections handed to workers (re-sends included)"};
  Family bounced{"cohort_connections_bounced_total", "counter",
                 "Connections a worker refused or died holding, sent to another"};
  Family dropped{"cohort_connections_dropped_total", "counter", "Connections closed unserved"};
  Family restarts{"cohort_worker_restarts_total", "counter", "Restarts of the worker in the slot: respawns and memory replacements"};
  Family memory_restarts{"cohort_worker_memory_restarts_total", "counter",
                         "Replacements of the worker in the slot for max_memory_restart"};
  Family rss{"cohort_worker_resident_memory_bytes", "gauge", "Resident memory of the worker process"};
  Family cpu{"cohort_worker_cpu_seconds_total", "counter", "User and system CPU time of the worker process"};
  Family worker_handed{"cohort_worker_connections_handed_total", "counter", "Connections handed to the worker"};
};

// "starting (reload)" is a starting worker.
std::string StateOf(const json& w) {
  std::string s = w.value("state", "starting");
  return s.rfind("starting", 0) == 0 ? "starting" : s;
}

void AddApp(const json& app, AppFamilies& f) {
  std::string name = app.value("name", "?");
  std::string status = app.value("status", "running");
  for (const char* s : {"running", "stopped", "errored"}) f.status.Add({{"app", name}, {"status", s}}, status == s);
  std::map<std::string, int> states = {{"starting", 0}, {"online", 0}, {"ready", 0},
                                       {"draining", 0}, {"waiting", 0}, {"errored", 0}};
  std::map<int, std::pair<double, double>> slots;  // slot -> restarts, memory restarts
  for (const json& w : app.value("workers", json::array())) {
    ++states[StateOf(w)];
    int slot = w.value("slot", 0);
    slots[slot] = {Number(w, "restarts"), Number(w, "memory_restarts")};
    Labels labels = {{"app", name}, {"slot", std::to_string(slot)}, {"pid", std::to_string(w.value("pid", 0))}};
    if (w.value("rss_bytes", json()).is_number()) f.rss.Add(labels, Number(w, "rss_bytes"));
    if (w.value("cpu_seconds", json()).is_number()) f.cpu.Add(labels, Number(w, "cpu_seconds"));
    f.worker_handed.Add(labels, Number(w, "handed"));
  }
  for (auto [field, state] : {std::pair{"waiting_slots", "waiting"}, std::pair{"errored_slots", "errored"}}) {
    for (const json& s : app.value(field, json::array())) {
      ++states[state];
      slots.try_emplace(s.value("slot", 0), Number(s, "restarts"), 0);
    }
  }
  for (const auto& [state, n] : states) f.workers.Add({{"app", name}, {"state", state}}, n);
  for (const auto& [slot, counts] : slots) {
    f.restarts.Add({{"app", name}, {"slot", std::to_string(slot)}}, counts.first);
    f.memory_restarts.Add({{"app", name}, {"slot", std::to_string(slot)}}, counts.second);
  }
  json reloads = app.value("reloads", json::object());
  f.reloads.Add({{"app", name}, {"outcome", "succeeded"}}, Number(reloads, "succeeded"));
  f.reloads.Add({{"app", name}, {"outcome", "failed"}}, Number(reloads, "failed"));
  json conns = app.value("connections", json::object());
  f.queued.Add({{"app", name}}, Number(conns, "queued"));
  f.handed.Add({{"app", name}}, Number(conns, "handed"));
  f.bounced.Add({{"app", name}}, Number(conns, "bounced"));
  f.dropped.Add({{"app", name}}, Number(conns, "dropped"));
}

}  // namespace

std::string RenderMetrics(const json& apps, const ProcessUsage* self) {
  AppFamilies f;
  for (const json& app : apps) AddApp(app, f);
  std::string out;
  for (const Family* family : {&f.status, &f.workers, &f.reloads, &f.queued, &f.handed, &f.bounced, &f.dropped,
                               &f.restarts, &f.memory_restarts, &f.rss, &f.cpu, &f.worker_handed}) {
    family->AppendTo(out);
  }
  if (self) {
    Family rss("process_resident_memory_bytes", "gauge", "Resident memory of this cohort process (primary or daemon)");
    rss.Add({}, static_cast<double>(self->rss_bytes));
    rss.AppendTo(out);
    Family cpu("process_cpu_seconds_total", "counter", "User and system CPU time of this cohort process");
    cpu.Add({}, self->cpu_seconds);
    cpu.AppendTo(out);
  }
  return out;
}

std::string RenderMetricsWithSelf(const json& apps) {
  Result<ProcessUsage> self = ReadOwnUsage();
  return RenderMetrics(apps, self.ok() ? &*self : nullptr);
}

}  // namespace cohort
