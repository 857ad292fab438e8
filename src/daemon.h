// Daemon: the background primary of many apps (`cohort start`), one per
// $COHORT_HOME. It hosts one ClusterPrimary per running app on a single
// libuv loop, answers the CLI on $COHORT_HOME/run/daemon.sock, writes each
// app's output to its log files (AppLog: $COHORT_HOME/logs/<app>-{out,err}.log
// unless configured, rotated by size) and keeps the app
// list in $COHORT_HOME/state.json as it changes (so it can come back after a
// crash or a reboot: `cohort resurrect`).
// Runs on the loop thread; owns every app, their logs and the control socket.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app_config.h"
#include "app_log.h"
#include "child_reaper.h"
#include "cluster_primary.h"
#include "control_server.h"
#include "logger.h"
#include "metrics_server.h"
#include "timer_set.h"

namespace cohort {

class Daemon {
 public:
  Daemon(uv_loop_t* loop, std::string home);
  ~Daemon();
  // Listens and runs the loop until `cohort kill` or SIGTERM (`cohort
  // resurrect` brings back what dump.json or state.json says was running).
  // Returns the exit code.
  int Run();

 private:
  enum class AppStatus { kRunning, kStopped, kErrored };
  struct App {
    AppConfig config;
    AppStatus status = AppStatus::kStopped;
    std::string error;  // why it is errored
    // Declared before the primary, which logs through them until it is gone.
    std::unique_ptr<AppLog> log;
    std::unique_ptr<Logger> logger;
    std::unique_ptr<ClusterPrimary> primary;
    uint64_t generation = 0;  // bumps on every start; stale callbacks check it
  };

  void Handle(const nlohmann::json& req, ControlServer::Reply reply);
  void Start(const nlohmann::json& req, ControlServer::Reply reply);
  void StartApp(App& app, std::function<void(const std::string& error)> started);
  void StopApp(App& app, std::function<void()> stopped);
  // Stops (if running) and starts the app again: `restart`, and `reload` of an errored app.
  void RestartApp(App& app, std::function<void(std::string error)> done);
  // Runs `op` on the named app or on every app ("all"), replying once all are done.
  void ForEachApp(const std::string& name, const ControlServer::Reply& reply,
                  const std::function<void(App&, std::function<void(std::string)>)>& op);
  nlohmann::json Describe(const App& app) const;
  // Requests about one app that need more than its primary: describe,
  // flush, and reload/restart with a new environment.
  void Flush(const std::string& name, const ControlServer::Reply& reply);
  // Another app already writing to one of `config`'s log files, or "".
  std::string LogFileConflict(const AppConfig& config) const;
  void Persist();
  void Resurrect(const std::string& file, std::function<void(const std::vector<std::string>& errors)> done);
  void Shutdown(std::function<void()> done);
  cohort::Status OpenLogs(App& app);
  void Later(std::function<void()> fn);  // runs fn on a later loop turn
  void ReleaseSetupCode();  // drops resident code pages (code_pages.h)
  nlohmann::json WithMetrics(nlohmann::json state) const;  // + the metrics address, if any
  // Serves the metrics of every app at `address` (moves the endpoint if it was elsewhere).
  cohort::Status OpenMetrics(const std::string& address);

  uv_loop_t* loop_;
  std::string home_;
  Logger logger_;  // the daemon's own events (daemon.log, via stderr)
  std::map<std::string, App> apps_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<MetricsServer> metrics_;  // --metrics / $COHORT_METRICS
  std::unique_ptr<ChildReaper> reaper_;
  std::vector<UvHandle<uv_signal_t>> signals_;
  TimerSet later_;
  bool shutting_down_ = false;
};

// Connects to the daemon of `home`, starting it first if none answers.
Result<std::string> EnsureDaemon(const std::string& home);
// `cohort daemon`: becomes the daemon in the foreground (the CLI detaches it).
int DaemonMain();

}  // namespace cohort
