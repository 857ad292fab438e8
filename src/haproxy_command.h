// `cohort haproxy-config`: its options (CLI11) and the command, which prints
// or writes the configuration haproxy_config.h generates.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "haproxy_config.h"

namespace cohort {

struct HaproxyArgs {
  HaproxyOptions options;
  std::vector<std::string> hosts;
  int health_port = 0;
  std::string check_interval = "1s";
  std::string output;
};

void AddHaproxyOptions(CLI::App* command, HaproxyArgs& args);
// `command_line` goes into the config's header comment. Returns an exit code.
int HaproxyConfigCommand(HaproxyArgs& args, const std::string& command_line);

}  // namespace cohort
