// `cohort monit`: a full-screen live view (ncurses) of every app the CLI can
// reach, foreground primaries and the daemon alike, through their control
// sockets as `ls` does; refreshed about once a second. Keys: up/down (or
// k/j) select an app, r reloads it, R restarts it, q quits.
#pragma once

namespace cohort {

int MonitCommand();

}  // namespace cohort
