#include "child_reaper.h"

#include <signal.h>
#include <sys/wait.h>

namespace cohort {

ExitStatus ExitStatusFromWait(int st) {
  if (WIFSIGNALED(st)) return {.code = 128 + WTERMSIG(st), .signal = WTERMSIG(st)};
  return {.code = WEXITSTATUS(st), .signal = 0};
}

ChildReaper::ChildReaper(uv_loop_t* loop, OnExit on_exit) : on_exit_(std::move(on_exit)) {
  uv_signal_init(loop, signal_.get());
  signal_->data = this;
  uv_signal_start(
      signal_.get(),
      [](uv_signal_t* h, int) {
        if (h->data) static_cast<ChildReaper*>(h->data)->ReapNow();
      },
      SIGCHLD);
  uv_unref(signal_.handle());  // watching for children alone must not keep the loop alive
}

void ChildReaper::ReapNow() {
  for (;;) {
    int st = 0;
    pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid <= 0) {
      if (pid < 0 && errno == EINTR) continue;
      return;
    }
    on_exit_(pid, ExitStatusFromWait(st));
  }
}

}  // namespace cohort
