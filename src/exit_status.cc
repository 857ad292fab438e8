#include "exit_status.h"

#include <string.h>

#include <fmt/format.h>

namespace cohort {

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

std::string DescribeExit(ExitStatus status) {
  if (status.signal != 0) return "was killed by " + SignalName(status.signal);
  return fmt::format("exited with code {}", status.code);
}

}  // namespace cohort
