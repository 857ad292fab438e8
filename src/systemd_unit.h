// The systemd unit `cohort startup` installs: it runs the daemon of one user
// and $COHORT_HOME in the foreground (Type=notify: the daemon says READY=1
// once it listens), then `cohort resurrect` brings back the saved apps; stop
// is `cohort kill` (every app stopped gracefully). A user unit
// (~/.config/systemd/user/cohort.service, started at boot with lingering),
// or a system unit (/etc/systemd/system/cohort-USER.service, User=USER).
// Text only: nothing here touches the system.
#pragma once

#include <string>

namespace cohort {

struct StartupSpec {
  bool system = false;     // a system unit with User=; else a user unit
  std::string user;        // who the daemon runs as (system units)
  std::string cohort_bin;  // absolute path of the cohort binary
  std::string home;        // $COHORT_HOME
  std::string path_env;    // PATH for the daemon and its apps (node must be found)
};

std::string SystemdUnitName(const StartupSpec& spec);  // "cohort.service" / "cohort-alice.service"
// Where it goes; `user_home` is the user's home directory (user units).
std::string SystemdUnitPath(const StartupSpec& spec, const std::string& user_home);
std::string SystemdUnit(const StartupSpec& spec);
// A word for a unit file: specifiers (%), variables ($) and quotes escaped,
// quoted when it has spaces.
std::string SystemdQuote(const std::string& word);

}  // namespace cohort
