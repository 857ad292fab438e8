// Spawning child processes: fork + exec with the fds, environment, process
// group and death signal cohort's workers need.
//
// Like libuv's uv__process_child_init, the child dups every fd into place
// before exec (so inherited fds land at 3, 4, ...), resets signal
// dispositions and the mask, and reports an exec failure back through a
// close-on-exec pipe, so Spawn() returns "ENOENT" synchronously instead of a
// child that exits with 127. Called on the loop thread; blocks only for the
// fork and that pipe read.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "status.h"

namespace cohort {

struct SpawnSpec {
  std::string file;               // program; searched in PATH (of `env`) when it has no '/'
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "KEY=VALUE" entries, the child's whole environment
  std::string cwd;                // empty: the parent's
  int stdin_fd = -1;              // -1: /dev/null
  int stdout_fd = -1;             // -1: /dev/null
  int stderr_fd = -1;             // -1: /dev/null
  std::vector<int> extra_fds;     // extra_fds[i] becomes fd 3+i in the child
  bool new_process_group = true;  // so a terminal's Ctrl-C reaches only the primary
  int parent_death_signal = 0;    // sent to the child when the primary dies; 0: none
  // Variables set to the child's own pid, written after fork (systemd's
  // LISTEN_PID and WATCHDOG_PID name the process they are meant for).
  std::vector<std::string> own_pid_env;
};

Result<pid_t> Spawn(const SpawnSpec& spec);

// The full path `file` resolves to using the PATH in `env` (or the primary's
// PATH), or an error saying it was not found.
Result<std::string> ResolveExecutable(const std::string& file, const std::vector<std::string>& env);

}  // namespace cohort
