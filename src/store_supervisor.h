// StoreSupervisor: runs an app's built-in store (`cohort store`) as a child
// of the primary, before the workers, and keeps it running.
//
// The store listens on a loopback port it picks (and a unix socket in
// <home>/store/<app>/, next to its append-only file). Its "ready on" line
// tells the primary the port; workers then get COHORT_STORE_URL and
// REDIS_URL. If the store dies it is restarted at once on the same port (with
// backoff if it keeps dying); its data survives in the log. Runs on the loop
// thread; the primary's reaper hands it child exits.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "logger.h"
#include "output_pipe.h"
#include "restart_backoff.h"
#include "status.h"
#include "uv_handle.h"
#include "worker_host.h"

namespace cohort {

struct StoreSupervisorOptions {
  std::string app;          // for logs
  std::string data_dir;     // append-only file and unix socket; created 0700
  std::string exe = "/proc/self/exe";
  std::string appendfsync = "always";
};

class StoreSupervisor {
 public:
  StoreSupervisor(uv_loop_t* loop, Logger* logger, StoreSupervisorOptions options);
  ~StoreSupervisor();

  // Starts the store. on_ready(env) once, when it first serves, with the
  // variables workers need; on_fail(why) if it cannot start at all.
  void Start(std::function<void(std::vector<std::pair<std::string, std::string>> env)> on_ready,
             std::function<void(std::string why)> on_fail);
  // True when pid was the store (then it is restarted unless stopping).
  bool OnChildExit(pid_t pid, ExitStatus status);
  // SIGTERM (the store flushes its log); done() when it has exited.
  void Stop(std::function<void()> done);

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  int restarts() const { return restarts_; }
  std::string socket_path() const { return options_.data_dir + "/store.sock"; }

 private:
  void Spawn();
  void OnLine(std::string_view line, bool is_err);

  uv_loop_t* loop_;
  Logger* logger_;
  StoreSupervisorOptions options_;
  pid_t pid_ = -1;            // -1 when not running
  int port_ = 0;              // 0 until the first start reports it; then kept
  bool ready_ = false;        // the first start has reported ready
  bool stopping_ = false;
  int restarts_ = 0;
  std::string last_error_;
  std::chrono::steady_clock::time_point started_;
  RestartBackoff backoff_;
  std::unique_ptr<OutputPipe> out_, err_;
  UvHandle<uv_timer_t> timer_;
  std::function<void(std::vector<std::pair<std::string, std::string>>)> on_ready_;
  std::function<void(std::string)> on_fail_;
  std::function<void()> on_stopped_;
};

}  // namespace cohort
