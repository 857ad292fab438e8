// UsageSampler: the CPU and memory of an app's workers, sampled on a libuv
// timer (one /proc/<pid>/stat read per worker per interval, never per
// connection), keeping each worker's last figures for `ls`, `monit` and the
// metrics, and reporting every sample (the Supervisor checks
// max_memory_restart with it). Runs on the loop thread.
#pragma once

#include <uv.h>

#include <functional>
#include <map>

#include "process_usage.h"
#include "restart_backoff.h"
#include "uv_handle.h"
#include "worker_host.h"

namespace cohort {

class UsageSampler {
 public:
  using OnSample = std::function<void(WorkerId id, const ProcessUsage& usage)>;
  UsageSampler(uv_loop_t* loop, Millis interval, OnSample on_sample);

  void Add(WorkerId id, pid_t pid, TimePoint started);
  void Remove(WorkerId id) { workers_.erase(id); }
  // The last figures, or nullptr before the first sample.
  const ProcessUsage* Last(WorkerId id) const;

 private:
  struct Tracked {
    pid_t pid;
    UsageMeter meter;
  };
  void SampleAll();

  UvHandle<uv_timer_t> timer_;
  OnSample on_sample_;
  std::map<WorkerId, Tracked> workers_;
};

}  // namespace cohort
