// Human description of how a process ended: "exited with code 1",
// "was killed by SIGKILL".
#pragma once

#include <string>

#include "worker_host.h"

namespace cohort {

std::string DescribeExit(ExitStatus status);
std::string SignalName(int signal);  // "SIGKILL"

}  // namespace cohort
