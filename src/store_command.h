// `cohort store`: the built-in Redis-compatible store as a foreground process.
// Runs on its own loop; SIGINT/SIGTERM flush the append log and exit 0.
// Prints one "ready" line on stdout once it accepts connections, which is
// what a supervising primary waits for.
#pragma once

#include <cstdint>
#include <string>

namespace cohort {

struct StoreArgs {
  std::string bind = "127.0.0.1";
  int port = 6380;
  std::string unix_path;
  std::string dir = ".";
  std::string appendonly = "yes";
  std::string appendfsync = "always";
  std::string requirepass;
  std::string maxmemory = "0";
  std::string maxmemory_policy = "noeviction";
  int databases = 16;
  int64_t maxclients = 10000;
  bool no_tcp = false;
};

int StoreCommand(const StoreArgs& args);

}  // namespace cohort
