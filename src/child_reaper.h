// ChildReaper: one place where the primary learns that a child ended.
//
// Watches SIGCHLD on the loop (uv_signal) and reaps with waitpid(-1, WNOHANG)
// until none is left, calling on_exit(pid, status) for each. Start it before
// spawning the first child. One per process; runs on the loop thread.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <functional>

#include "uv_handle.h"
#include "worker_host.h"

namespace cohort {

class ChildReaper {
 public:
  using OnExit = std::function<void(pid_t pid, ExitStatus status)>;
  ChildReaper(uv_loop_t* loop, OnExit on_exit);
  // Reaps whatever has exited now (also done on every SIGCHLD).
  void ReapNow();

 private:
  OnExit on_exit_;
  UvHandle<uv_signal_t> signal_;
};

ExitStatus ExitStatusFromWait(int wait_status);

}  // namespace cohort
