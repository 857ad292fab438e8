// `cohort startup`: make the daemon of this user and $COHORT_HOME start at
// boot, with its saved apps (systemd_unit.h). Prints the unit and how to
// install it; --install writes and enables it; --uninstall undoes that.
#pragma once

#include <string>

namespace cohort {

struct StartupOptions {
  bool install = false;
  bool uninstall = false;
  bool system = false;  // a system unit even when not root (default for root)
  std::string user;     // system units: run the daemon as this user (default: the caller)
};

int StartupCommand(const StartupOptions& options);

}  // namespace cohort
