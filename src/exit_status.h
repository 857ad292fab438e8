// Human description of how a process ended: "exited with code 1",
// "was killed by SIGKILL"; signal names both ways.
#pragma once

#include <string>
#include <string_view>

#include "status.h"

#include "worker_host.h"

namespace cohort {

std::string DescribeExit(ExitStatus status);
std::string SignalName(int signal);  // "SIGKILL"
// "SIGQUIT", "QUIT", "quit" or "3" -> 3; errors quote the text.
Result<int> ParseSignal(std::string_view text);

}  // namespace cohort
