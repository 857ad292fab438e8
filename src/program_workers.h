// ProgramWorkers: the primary's side of --listen workers, programs in any
// language. It owns what they get and speaks with them:
//  - shared mode (the default): the listening sockets, bound once for the
//    primary's life, as systemd's socket activation gives them (LISTEN_FDS,
//    fds from 3, LISTEN_FDNAMES listen0:listen1..., LISTEN_PID); workers accept.
//  - balanced mode (--scheduler rr|least, --sticky): the primary accepts (its
//    Listeners, the Balancer) and each worker gets one channel, a socketpair
//    end at fd 3 (COHORT_CHANNEL_FD=3, LISTEN_FDNAMES=cohort), on which
//    connections, confirmations, messages, sticky keys, readiness and leave
//    requests travel (docs/worker-protocol.md).
// In both: NOTIFY_SOCKET (sd_notify: READY=1, STATUS=, STOPPING=1,
// WATCHDOG=1) with --ready notify or --watchdog; WATCHDOG_USEC/WATCHDOG_PID
// and the WorkerWatchdog; leaving by the stop signal (shared) or a "leave"
// line (balanced). The Supervisor, Balancer and sticky table stay the
// primary's; this reports to them. Runs on the loop thread.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_config.h"
#include "balancer.h"
#include "ipc_channel.h"
#include "listen_socket.h"
#include "log_throttle.h"
#include "logger.h"
#include "notify_socket.h"
#include "sticky_table.h"
#include "supervisor.h"
#include "worker_protocol.h"
#include "worker_watchdog.h"

namespace cohort {

class ProgramWorkers {
 public:
  struct Deps {
    uv_loop_t* loop = nullptr;
    WorkerHost* host = nullptr;  // timers, clock, KillWorker
    Supervisor* supervisor = nullptr;
    Balancer* balancer = nullptr;
    StickyTable* sticky = nullptr;  // nullptr without --sticky / --trust-proxy
    std::function<void(LogLevel, const std::string&)> log;
    // Balanced mode: the primary opens its accepting Listener for `key`.
    std::function<Status(const std::string& key, const ListenSpec& spec)> open_listener;
  };
  // What the next worker gets: fds from 3 and environment entries.
  struct SpawnPlan {
    std::vector<int> fds;                  // fd 3, 4, ... in the child (not owned)
    std::vector<std::string> env;          // "K=V"
    std::vector<std::string> own_pid_env;  // LISTEN_PID, WATCHDOG_PID: set in the child
    UniqueFd ours, theirs;                 // balanced: the channel's two ends
  };

  ProgramWorkers(const AppConfig& config, Deps deps);
  ~ProgramWorkers();
  ProgramWorkers(const ProgramWorkers&) = delete;
  ProgramWorkers& operator=(const ProgramWorkers&) = delete;

  bool balanced() const { return balanced_; }
  // Binds the sockets (or has the primary open its listeners) and the notify socket.
  Status Open();
  // After the last worker left: closes the sockets.
  void Close();

  Result<SpawnPlan> Plan();
  void Started(WorkerId id, int slot, pid_t pid, UniqueFd channel);
  // The Supervisor asks the worker to leave: no more connections, then the
  // stop signal or a leave line.
  void Leave(WorkerId id);
  // Reads what an exiting worker wrote last (its confirmations).
  void ReadBeforeExit(WorkerId id);
  void Exited(WorkerId id);

  Status SendConnection(WorkerId id, const std::string& key_json, uint64_t seq, int fd);
  // `cohort send`: to every worker, or the one in `slot`; how many got it.
  Result<int> SendMessage(const nlohmann::json& data, std::optional<int> slot);
  // Adds the shared-mode sockets to `listeners` (balanced: the primary's Listeners describe themselves).
  void DescribeSockets(nlohmann::json& listeners) const;
  // The worker's last STATUS= (or "status" line); "" if none.
  const std::string& StatusOf(WorkerId id) const;

 private:
  struct Socket {
    ListenSpec spec;
    std::string name;      // listen0, listen1, ...: LISTEN_FDNAMES and a connection's "listener"
    std::string key;       // "listen:ADDRESS": the Supervisor's and the Balancer's key
    std::string key_json;  // the key as a JSON string, as the Balancer passes it
    UniqueFd fd;           // shared mode: the listening socket (blocking, as systemd passes it)
  };
  struct Worker {
    WorkerId id;
    int slot;
    pid_t pid;
    std::unique_ptr<IpcChannel> channel;  // balanced mode
    bool ready = false;
    bool leaving = false;  // the Balancer gives it nothing more
    LogThrottle faults;    // its bad lines: a burst logged, then one a second
    std::string status;    // last STATUS= / "status"
  };

  void StartReadiness(WorkerId id);
  void ReportReady(WorkerId id);
  void OnNotify(pid_t pid, const NotifyFields& fields);
  void OnLine(Worker& w, std::string_view line);
  void OnBadLine(Worker& w, std::string_view line, const Status& why);
  void OnBroadcast(const Worker& from, const nlohmann::json& data);
  void OnSticky(const Worker& w, const std::string& key);
  void OnLeaveRequest(Worker& w);
  void OnChannelClosed(WorkerId id, const std::string& why);
  void OnWatchdogExpired(WorkerId id, Millis silent);
  void Send(Worker& w, std::string line);
  Worker* Find(WorkerId id);
  std::string Who(const Worker& w) const;
  void Log(LogLevel level, const std::string& line) const { deps_.log(level, line); }

  const AppConfig& config_;
  Deps deps_;
  bool balanced_;
  int stop_signal_;
  std::vector<Socket> sockets_;
  std::unique_ptr<NotifySocket> notify_;
  std::unique_ptr<WorkerWatchdog> watchdog_;  // --watchdog
  std::map<WorkerId, Worker> workers_;
};

}  // namespace cohort
