// ClusterPrimary: one app's primary. Spawns its Node workers with the IPC
// channel Node expects, answers their cluster protocol (design.md §2), owns
// the app's listening sockets for its whole life and balances connections
// (Balancer), and carries out the Supervisor's decisions as the real
// WorkerHost. Workers that are not Node (--listen) are ProgramWorkers' to
// speak with. Runs on one libuv loop; never blocks on a worker.
//
// Owns: the Supervisor, the Balancer and its Scheduler, every Listener and
// every worker's channel and output pipes. Child exits come from outside
// (the process's ChildReaper) through OnChildExit().
//
// cluster_primary.cc: start, spawn, stop, the WorkerHost and ConnectionSink;
// cluster_primary_node.cc: Node's protocol on the workers' channels;
// cluster_primary_describe.cc: the app as `ls` and the metrics see it.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_config.h"
#include "balancer.h"
#include "health.h"
#include "http_server.h"
#include "ipc_channel.h"
#include "lazy_reply_reader.h"
#include "listener.h"
#include "log_throttle.h"
#include "logger.h"
#include "output_pipe.h"
#include "sticky_peeker.h"
#include "sticky_table.h"
#include "supervisor.h"
#include "timer_set.h"
#include "usage_sampler.h"
#include "program_workers.h"
#include "store_supervisor.h"
#include "uv_handle.h"

namespace cohort {

class ClusterPrimary : public WorkerHost, public ConnectionSink {
 public:
  using Done = Supervisor::Done;

  ClusterPrimary(uv_loop_t* loop, AppConfig config, Logger* logger);
  ~ClusterPrimary() override;

  // Starts the workers. on_start_failed: no worker of this start became
  // ready; on_ready: every slot's worker did.
  Status Start(std::function<void(const std::string& why)> on_start_failed,
               std::function<void()> on_ready = nullptr);
  void Reload(Done done);
  void Scale(int instances) { supervisor_.Scale(instances); }
  // Graceful stop: with --health, the endpoint answers 503 at once and the
  // workers serve on for --drain-delay (less the time already drained), so
  // the proxies' checks take the host out before its listeners close. Then
  // the workers leave, the sockets close and `done` runs.
  void Stop(Done done);
  // Kills every worker at once (second Ctrl-C); cuts a drain delay short.
  void KillAll();
  // `cohort drain` / `undrain`: out of the proxies' rotation on purpose
  // (health 503) while the workers keep serving whatever still arrives.
  // An error if the app has no --health endpoint.
  Status SetDrained(bool drained);
  // Sends a user message to every worker, or to the one in `slot`. Returns how
  // many got it.
  Result<int> SendMessage(const nlohmann::json& message, std::optional<int> slot);
  // Sends `signal` to every worker process, or to those in `slot`. Returns
  // how many got it.
  Result<int> SignalWorkers(int signal, std::optional<int> slot);
  // The environment workers start from (`reload --update-env`): applies to
  // every worker spawned from now on.
  void SetEnvironment(std::vector<std::string> environment);
  // True if `pid` was one of this app's workers.
  bool OnChildExit(pid_t pid, ExitStatus status);

  // What `ls` shows (cluster_primary_describe.cc).
  nlohmann::json Describe() const;
  // Runs when every slot is errored (a crash loop).
  void OnErrored(std::function<void(const std::string& why)> fn) { supervisor_.on_errored = std::move(fn); }
  const AppConfig& config() const { return config_; }
  const Supervisor& supervisor() const { return supervisor_; }

  // WorkerHost
  Result<pid_t> SpawnWorker(WorkerId id, int slot) override;
  void DisconnectWorker(WorkerId id) override;
  void KillWorker(WorkerId id, int signal) override;
  TimerId StartTimer(Millis delay, std::function<void()> fn) override;
  void CancelTimer(TimerId id) override;
  TimePoint Now() const override;
  // ConnectionSink
  Status SendConnection(WorkerId worker, const std::string& key_json, uint64_t seq, int fd) override;

 private:
  // How long a leaving worker may take to exit after closing its channel
  // before it is sent SIGTERM (cluster_primary_node.cc, OnChannelClosed).
  static constexpr Millis kLeaveGrace{1000};
  struct HandleSend {  // an fd-carrying line not yet acknowledged (resent on NACK)
    std::string line;
    int fd;
  };
  struct Worker {
    WorkerId id;
    int slot;
    pid_t pid;
    TimePoint started;
    std::unique_ptr<IpcChannel> channel;
    std::unique_ptr<OutputPipe> out, err;
    std::set<std::string> keys;  // servers it asked for
    std::deque<HandleSend> unacked;
    uint64_t hook_confirmed = 0;  // connections confirmed by the handoff hook (handoff_hook.h)
    bool disconnect_sent = false;
    LogThrottle faults;  // its bad messages: a burst logged, then one a second
  };
  Status OpenHealthEndpoint();
  HealthSnapshot Health() const;
  Millis DrainDelayLeft() const;
  void StopNow(std::vector<Done> waiters);
  // The record of a just-spawned worker, with its output forwarded to the log.
  Worker& RecordWorker(WorkerId id, int slot, pid_t pid, UniqueFd out_r, UniqueFd err_r);
  void OpenNodeChannel(Worker& w, UniqueFd ours);
  void InstallPreloads();  // Node workers: drain hook, handoff hook, sticky-cookie hook

  void OnLine(Worker& w, std::string_view line, int& fd);
  // Something the worker got wrong (bad message, bad listen), throttled per worker.
  void LogWorkerFault(Worker& w, LogLevel level, std::string line);
  void OnCluster(Worker& w, const nlohmann::json& msg);
  void OnQueryServer(Worker& w, const nlohmann::json& msg);
  void OnListening(Worker& w, const nlohmann::json& msg);
  void OnUserMessage(Worker& w, const nlohmann::json& msg);
  void OnStickyDeclaration(Worker& w, const nlohmann::json& msg);
  void ForgetWorker(WorkerId id);
  void OnChannelClosed(WorkerId id, const std::string& why);
  Listener* FindOrOpenListener(const std::string& key, const ListenSpec& spec, Status* error);
  void SendLine(Worker& w, std::string line, int fd = -1);
  Worker* FindWorker(WorkerId id);
  void Log(LogLevel level, const std::string& line) const;
  nlohmann::json DescribeWorkers() const;
  nlohmann::json DescribeSticky() const;
  std::vector<std::string> WorkerEnv(WorkerId id, int slot) const;
  void ComputeBaseEnv();  // base_env_ from config_.environment and config_.env

  uv_loop_t* loop_;
  AppConfig config_;
  std::unique_ptr<StoreSupervisor> store_;  // --store (built-in): started before the workers
  std::unique_ptr<HttpServer> health_;      // --health; closed with the listeners
  bool drained_ = false;
  TimePoint drained_since_;
  bool stop_requested_ = false;             // Stop() was called: health says "stopping" from then on
  TimerId drain_delay_timer_ = 0;           // set while a stop waits out --drain-delay
  std::vector<Done> delayed_stop_;          // Stop() callers waiting for that delay and the stop
  std::vector<std::string> store_env_;      // "K=V" for the workers: COHORT_STORE_URL, REDIS_URL
  Logger* logger_;
  TimerSet timers_;
  LazyReplyReader lazy_replies_;  // workers' replies to handoffs, read without a wakeup each
  Balancer balancer_;
  Supervisor supervisor_;
  UsageSampler usage_;  // every worker's cpu and memory, once a second
  std::map<WorkerId, Worker> workers_;
  std::map<std::string, std::unique_ptr<Listener>> listeners_;  // by server key
  // With --sticky / --trust-proxy: one peeker per listener, and the keys
  // workers declared (shared by every server of the app).
  std::optional<StickyPeeker::Options> peek_options_;
  std::map<std::string, std::unique_ptr<StickyPeeker>> peekers_;  // by server key
  StickyTable sticky_table_;
  std::vector<std::string> preloads_;  // paths of the hooks Node workers get with --require
  uint64_t next_seq_ = 1;  // for the primary's own cluster messages
  bool shared_ = false;
  std::vector<std::string> base_env_;
  // --listen programs (declared last: it reports to the members above).
  std::unique_ptr<ProgramWorkers> program_;
};

}  // namespace cohort
