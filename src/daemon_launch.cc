// Starting the daemon: `cohort daemon` runs it in the foreground;
// EnsureDaemon, called by the CLI, forks a detached one when none answers.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cohort_home.h"
#include "control_client.h"
#include "daemon.h"
#include "exit_status.h"
#include "rotating_log_file.h"

namespace cohort {

int DaemonMain() {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  Result<std::string> home = CohortHome();
  if (!home.ok()) {
    fmt::print(stderr, "cohort daemon: {}\n", home.status().message());
    return 1;
  }
  if (Result<std::string> run = EnsureRunDir(*home); !run.ok()) {
    fmt::print(stderr, "cohort daemon: {}\n", run.status().message());
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  int code;
  {
    Daemon daemon(&loop, *home);
    code = daemon.Run();
  }
  // A gzip of a rotated log may still run on the threadpool: let it finish
  // (it reports to this loop) rather than leave a .gz.tmp behind.
  while (RotatingLogFile::TidiesRunning() > 0 && uv_run(&loop, UV_RUN_ONCE) != 0) {
  }
  uv_run(&loop, UV_RUN_NOWAIT);
  uv_loop_close(&loop);
  return code;
}

Result<std::string> EnsureDaemon(const std::string& home) {
  std::string path = DaemonSocketPath(home);
  if (ControlCall(path, {{"cmd", "ping"}}, 2000).ok()) return path;
  if (Result<std::string> run = EnsureRunDir(home); !run.ok()) return run.status();
  std::string log = home + "/daemon.log";
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork");
  if (pid == 0) {
    ::setsid();
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::execl("/proc/self/exe", "cohort", "daemon", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait for it to answer (or for it to die, e.g. another daemon won the race).
  for (int i = 0; i < 250; ++i) {
    if (ControlCall(path, {{"cmd", "ping"}}, 1000).ok()) return path;
    int st;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      if (ControlCall(path, {{"cmd", "ping"}}, 1000).ok()) return path;
      return Status::Error(fmt::format("the cohort daemon exited at start ({}); see {}",
                                       DescribeExit(ExitStatusFromWait(st)), log));
    }
    ::usleep(20000);  // polling a socket that is not there yet: no event to wait on
  }
  return Status::Error(fmt::format("the cohort daemon did not answer within 5 s; see {}", log));
}

}  // namespace cohort
