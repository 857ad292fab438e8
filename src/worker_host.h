// WorkerHost: the seam between the Supervisor's decisions and the outside
// world (processes, IPC channels, timers, clock).
//
// ClusterPrimary implements it with real processes on a libuv loop;
// FakeWorkerHost (supervisor_test) records effects so supervision, backoff
// and reload logic run deterministically without processes or sleeps.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>

#include "restart_backoff.h"
#include "status.h"

namespace cohort {

using WorkerId = uint32_t;  // NODE_UNIQUE_ID: unique for the primary's life, never reused.
using TimerId = uint64_t;
using TimePoint = std::chrono::steady_clock::time_point;

struct ExitStatus {
  int code = 0;    // exit code when signal == 0
  int signal = 0;  // terminating signal, or 0
};

class WorkerHost {
 public:
  virtual ~WorkerHost() = default;
  // Starts worker `id` in `slot`; returns its pid, or why it could not start
  // (for example the interpreter is missing).
  virtual Result<pid_t> SpawnWorker(WorkerId id, int slot) = 0;
  // Stops giving the worker connections and asks it to leave gracefully.
  virtual void DisconnectWorker(WorkerId id) = 0;
  virtual void KillWorker(WorkerId id, int signal) = 0;
  virtual TimerId StartTimer(Millis delay, std::function<void()> fn) = 0;
  virtual void CancelTimer(TimerId id) = 0;
  virtual TimePoint Now() const = 0;
};

}  // namespace cohort
