// $COHORT_HOME: cohort's per-user directory (default ~/.cohort, mode 0700)
// holding the control sockets (run/<app>.sock) and, later, the daemon's
// state and logs. Only its owner may use it: that, plus SO_PEERCRED on each
// socket, is what keeps one user's CLI away from another user's apps.
#pragma once

#include <string>
#include <vector>

#include "status.h"

namespace cohort {

// $COHORT_HOME or $HOME/.cohort, created 0700 if missing. An existing one
// owned by another user is refused; one of ours that is group/other
// accessible is tightened to 0700.
Result<std::string> CohortHome();
// <home>/run, created 0700.
Result<std::string> EnsureRunDir(const std::string& home);
// 1-64 characters of [A-Za-z0-9._-], not starting with '.' or '-'; "all"
// and "daemon" are reserved.
Status ValidateAppName(const std::string& name);
// <home>/run/<name>.sock, checked against the 107-byte unix path limit.
Result<std::string> AppSocketPath(const std::string& home, const std::string& name);
// <home>/run/daemon.sock: the background daemon's control socket.
std::string DaemonSocketPath(const std::string& home);
// Every <home>/run/*.sock (foreground primaries and the daemon).
std::vector<std::string> ListAppSockets(const std::string& home);

}  // namespace cohort
