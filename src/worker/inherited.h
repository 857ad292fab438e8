// What cohort gave a worker process, read from its environment as systemd's
// sd_listen_fds() would, plus cohort's channel:
//  COHORT_CHANNEL_FD=N (balanced mode), or LISTEN_FDS=n with fds 3..3+n-1 and
//  LISTEN_FDNAMES (shared mode); either only if LISTEN_PID is this process
//  (a child the worker forks must not take them); NOTIFY_SOCKET; and
//  WATCHDOG_USEC (if WATCHDOG_PID, when set, is this process).
// The fds it takes are made close-on-exec. Part of libcohort_worker.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "status.h"
#include "unique_fd.h"
#include "worker/notify.h"

namespace cohort {

struct InheritedFds {
  UniqueFd channel;                 // balanced mode
  std::vector<UniqueFd> listening;  // shared mode
  std::vector<std::string> names;   // shared mode: LISTEN_FDNAMES, one per socket
  std::chrono::microseconds watchdog{0};
  NotifyTarget notify;
};

// Errors say what is missing or wrong, naming the variable.
Result<InheritedFds> InheritedFromEnvironment();

}  // namespace cohort
