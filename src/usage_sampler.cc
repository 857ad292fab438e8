#include "usage_sampler.h"

#include <vector>

namespace cohort {

UsageSampler::UsageSampler(uv_loop_t* loop, Millis interval, OnSample on_sample)
    : on_sample_(std::move(on_sample)) {
  uv_timer_init(loop, timer_.get());
  timer_->data = this;
  uint64_t every = static_cast<uint64_t>(interval.count());
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* h) {
        if (h->data) static_cast<UsageSampler*>(h->data)->SampleAll();
      },
      every, every);
  uv_unref(timer_.handle());  // sampling alone must not keep the loop running
}

void UsageSampler::Add(WorkerId id, pid_t pid, TimePoint started) {
  workers_.insert_or_assign(id, Tracked{pid, UsageMeter(started)});
}

const ProcessUsage* UsageSampler::Last(WorkerId id) const {
  auto it = workers_.find(id);
  if (it == workers_.end() || !it->second.meter.last()) return nullptr;
  return &*it->second.meter.last();
}

void UsageSampler::SampleAll() {
  TimePoint now = std::chrono::steady_clock::now();
  // Read everything first: a sample may lead to a spawn (a memory
  // replacement), which adds a worker here.
  std::vector<std::pair<WorkerId, ProcessUsage>> samples;
  for (auto& [id, w] : workers_) {
    Result<ProcStat> stat = ReadProcStat(w.pid);
    if (stat.ok()) samples.emplace_back(id, w.meter.Update(*stat, now));  // gone: its exit is on the way
  }
  for (const auto& [id, usage] : samples) {
    if (workers_.count(id) && on_sample_) on_sample_(id, usage);
  }
}

}  // namespace cohort
