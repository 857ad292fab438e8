#include "cluster_primary.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "exit_status.h"
#include "listen_socket.h"
#include "node_protocol.h"
#include "process_spawner.h"
#include "round_robin_scheduler.h"
#include "cohort_home.h"
#include "drain_hook.h"
#include "handoff_hook.h"
#include "node_preload.h"
#include "sticky_cookie_hook.h"
#include "sticky_scheduler.h"
#include "store_url.h"

extern char** environ;

namespace cohort {
namespace {

// In shared mode the kernel balances and the Balancer is idle; rr stands in.
// With --sticky, the configured policy places connections without a key.
Balancer::SchedulerFactory SchedulersFor(const AppConfig& config, StickyTable* table) {
  std::string name = config.scheduler;
  bool sticky = !config.sticky.empty() || !config.trust_proxy.empty();
  return [name, sticky, table]() -> std::unique_ptr<Scheduler> {
    auto s = MakeScheduler(name == "shared" ? "rr" : name);
    std::unique_ptr<Scheduler> base = s.ok() ? std::move(*s) : std::make_unique<RoundRobinScheduler>();
    if (!sticky) return base;
    return std::make_unique<StickyScheduler>(std::move(base), table,
                                             [] { return std::chrono::steady_clock::now(); });
  };
}

SupervisorOptions SupervisorOptionsFor(const AppConfig& c) {
  SupervisorOptions o;
  o.app_name = c.name;
  o.instances = c.instances;
  o.ready_timeout = c.ready_timeout;
  o.kill_timeout = c.kill_timeout;
  o.backoff.min_uptime = c.min_uptime;
  o.max_restarts = c.max_restarts;
  o.max_memory = c.max_memory_restart;
  return o;
}

Balancer::Options BalancerOptions() {
  Balancer::Options o;
  o.clock = [] { return std::chrono::steady_clock::now(); };
  return o;
}

bool IsNodeInterpreter(const std::string& interpreter) {
  std::string_view base(interpreter);
  if (size_t slash = base.rfind('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);
  return base.starts_with("node");
}

bool IsReservedEnv(std::string_view entry) {
  for (std::string_view name : {"NODE_UNIQUE_ID=", "NODE_CHANNEL_FD=",
                                "NODE_CHANNEL_SERIALIZATION_MODE=", "COHORT_INSTANCE=",
                                "NODE_APP_INSTANCE=", "COHORT_STICKY=", "LISTEN_FDS=", "LISTEN_PID=",
                                "LISTEN_FDNAMES=", "COHORT_CHANNEL_FD=", "NOTIFY_SOCKET=", "WATCHDOG_USEC=",
                                "WATCHDOG_PID="}) {
    if (entry.substr(0, name.size()) == name) return true;
  }
  return false;
}

}  // namespace

ClusterPrimary::ClusterPrimary(uv_loop_t* loop, AppConfig config, Logger* logger)
    : loop_(loop),
      config_(std::move(config)),
      logger_(logger),
      timers_(loop),
      lazy_replies_(loop, Millis(3)),
      balancer_(SchedulersFor(config_, &sticky_table_), this, BalancerOptions()),
      supervisor_(SupervisorOptionsFor(config_), this,
                  [this](int level, const std::string& line) {
                    Log(static_cast<LogLevel>(level), line);
                  }),
      usage_(loop, Millis(1000),
             [this](WorkerId id, const ProcessUsage& u) { supervisor_.OnMemorySample(id, u.rss_bytes); }),
      sticky_table_({.max_keys = 1'000'000, .ttl = config_.sticky_ttl}),
      shared_(config_.scheduler == "shared") {
  if (!config_.sticky.empty() || !config_.trust_proxy.empty()) {
    // Validated in ValidateAppConfig; without --sticky, --trust-proxy keys by client address.
    StickyPeeker::Options o;
    if (Result<StickySpec> spec = ParseStickySpec(config_.sticky.empty() ? "ip" : config_.sticky); spec.ok()) {
      o.spec = *spec;
    }
    if (Result<AddressSet> set = AddressSet::Parse(config_.trust_proxy); set.ok()) o.trusted = *set;
    o.timeout = config_.sticky_timeout;
    peek_options_ = std::move(o);
  }
  balancer_.on_room = [this](const std::string& key) {
    auto it = listeners_.find(key);
    if (it != listeners_.end()) it->second->Resume();
  };
  balancer_.on_warning = [this](const std::string& line) { Log(LogLevel::kWarn, line); };
  ComputeBaseEnv();
}

void ClusterPrimary::ComputeBaseEnv() {
  // The caller's environment, then --env overrides; cohort's own variables last.
  base_env_.clear();
  std::map<std::string, std::string> overrides(config_.env.begin(), config_.env.end());
  std::vector<std::string> inherited;
  if (config_.environment.empty()) {
    for (char** e = environ; *e; ++e) inherited.emplace_back(*e);
  } else {
    inherited = config_.environment;
  }
  for (const std::string& e : inherited) {
    std::string_view entry(e);
    if (IsReservedEnv(entry)) continue;
    std::string name(entry.substr(0, entry.find('=')));
    if (!overrides.count(name)) base_env_.emplace_back(entry);
  }
  for (const auto& [k, v] : overrides) base_env_.push_back(k + "=" + v);
  if (!config_.listen.empty()) {
    ProgramWorkers::Deps deps;
    deps.loop = loop_;
    deps.host = this;
    deps.supervisor = &supervisor_;
    deps.balancer = &balancer_;
    deps.sticky = peek_options_ ? &sticky_table_ : nullptr;
    deps.log = [this](LogLevel level, const std::string& line) { Log(level, line); };
    deps.open_listener = [this](const std::string& key, const ListenSpec& spec) {
      Status error;
      return FindOrOpenListener(key, spec, &error) ? Status::Ok() : error;
    };
    program_ = std::make_unique<ProgramWorkers>(config_, std::move(deps));
  }
}

ClusterPrimary::~ClusterPrimary() {
  for (auto& [id, w] : workers_) ::kill(w.pid, SIGKILL);
}

void ClusterPrimary::Log(LogLevel level, const std::string& line) const {
  logger_->Event(level, config_.name, line);
}

Status ClusterPrimary::Start(std::function<void(const std::string&)> on_start_failed,
                             std::function<void()> on_ready) {
  Log(LogLevel::kInfo, fmt::format("starting {} worker(s): {} (scheduler: {})", config_.instances,
                                   fmt::join(WorkerArgv(config_), " "), config_.scheduler));
  if (IsNodeInterpreter(config_.interpreter)) InstallPreloads();
  if (program_) {
    if (Status s = program_->Open(); !s.ok()) return s;
  }
  if (Status s = OpenHealthEndpoint(); !s.ok()) return s;
  if (config_.store.starts_with("redis")) {
    // An external store that is down is an error now, not in every worker later.
    Result<StoreUrl> url = ParseStoreUrl(config_.store);
    if (!url.ok()) return url.status();
    if (Status s = CheckStoreReachable(*url); !s.ok()) {
      return Status::Error(fmt::format("cannot reach the store {}: {}", config_.store, s.message()));
    }
    store_env_ = {"COHORT_STORE_URL=" + config_.store, "REDIS_URL=" + config_.store};
  } else if (config_.store == "builtin") {
    // The store must serve before the first worker connects to it.
    Result<std::string> home = CohortHome();
    if (!home.ok()) return home.status();
    StoreSupervisorOptions options;
    options.app = config_.name;
    options.data_dir = *home + "/store/" + config_.name;
    store_ = std::make_unique<StoreSupervisor>(loop_, logger_, options);
    auto failed = std::make_shared<std::function<void(const std::string&)>>(std::move(on_start_failed));
    store_->Start(
        [this, failed, on_ready = std::move(on_ready)](std::vector<std::pair<std::string, std::string>> env) mutable {
          for (const auto& [k, v] : env) store_env_.push_back(k + "=" + v);
          supervisor_.Start(*failed, std::move(on_ready));
        },
        [failed](const std::string& why) { (*failed)("store: " + why); });
    return Status::Ok();
  }
  supervisor_.Start(std::move(on_start_failed), std::move(on_ready));
  return Status::Ok();
}

void ClusterPrimary::InstallPreloads() {
  struct Hook {
    const char* name;
    std::string_view source;
    const char* without;  // what the app loses if it cannot be installed
  };
  std::vector<Hook> hooks = {{"drain", DrainHookSource(), "keep-alive connections are cut when a worker leaves"}};
  if (!shared_) {
    hooks.push_back({"handoff", HandoffHookSource(), "connections take Node's slower handle-passing path"});
  }
  if (config_.sticky.starts_with("cookie:")) {
    hooks.push_back({"sticky-cookie", StickyCookieHookSource(), "sessions must be declared with cohort:sticky"});
  }
  Result<std::string> home = CohortHome();
  for (const Hook& h : hooks) {
    Result<std::string> path = home.ok() ? InstallNodePreload(*home, h.name, h.source) : Result<std::string>(home.status());
    if (path.ok()) {
      preloads_.push_back(*path);
    } else {
      Log(LogLevel::kWarn, fmt::format("cannot install the {} hook ({}); {}", h.name, path.status().message(), h.without));
    }
  }
}

std::vector<std::string> ClusterPrimary::WorkerEnv(WorkerId id, int slot) const {
  std::vector<std::string> env = base_env_;
  if (!program_) {
    env.push_back(fmt::format("NODE_UNIQUE_ID={}", id));
    env.push_back("NODE_CHANNEL_FD=3");
    env.push_back("NODE_CHANNEL_SERIALIZATION_MODE=json");
    if (!shared_) env.push_back("COHORT_HANDOFF_HOOK=1");  // handoff_hook.h: this worker's primary is cohort
  }
  env.push_back(fmt::format("COHORT_INSTANCE={}", slot));
  env.push_back(fmt::format("NODE_APP_INSTANCE={}", slot));
  env.push_back("COHORT_APP=" + config_.name);
  if (!config_.sticky.empty()) env.push_back("COHORT_STICKY=" + config_.sticky);
  env.insert(env.end(), store_env_.begin(), store_env_.end());
  return env;
}

Result<pid_t> ClusterPrimary::SpawnWorker(WorkerId id, int slot) {
  // Node workers get an IPC channel at fd 3; --listen workers what ProgramWorkers plans.
  ProgramWorkers::SpawnPlan plan;
  if (program_) {
    Result<ProgramWorkers::SpawnPlan> p = program_->Plan();
    if (!p.ok()) return p.status();
    plan = std::move(*p);
  } else {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Status::FromErrno("socketpair");
    plan.ours.reset(sv[0]);
    plan.theirs.reset(sv[1]);
    plan.fds.push_back(plan.theirs.get());
  }
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::FromErrno("pipe2");
  UniqueFd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return Status::FromErrno("pipe2");
  UniqueFd err_r(err[0]), err_w(err[1]);

  std::vector<std::string> argv = WorkerArgv(config_);
  for (auto p = preloads_.rbegin(); p != preloads_.rend(); ++p) argv.insert(argv.begin() + 1, {"--require", *p});
  std::vector<std::string> env = WorkerEnv(id, slot);
  env.insert(env.end(), plan.env.begin(), plan.env.end());
  SpawnSpec spec{.file = argv[0],
                 .argv = argv,
                 .env = std::move(env),
                 .cwd = config_.cwd,
                 .stdin_fd = -1,
                 .stdout_fd = out_w.get(),
                 .stderr_fd = err_w.get(),
                 .extra_fds = plan.fds,
                 .new_process_group = true,
                 .parent_death_signal = SIGTERM,
                 .own_pid_env = plan.own_pid_env};
  Result<pid_t> pid = Spawn(spec);
  if (!pid.ok()) return pid;

  Worker& w = RecordWorker(id, slot, *pid, std::move(out_r), std::move(err_r));
  if (program_) {
    program_->Started(id, slot, *pid, std::move(plan.ours));
  } else {
    OpenNodeChannel(w, std::move(plan.ours));
  }
  return pid;
}

ClusterPrimary::Worker& ClusterPrimary::RecordWorker(WorkerId id, int slot, pid_t pid, UniqueFd out_r,
                                                     UniqueFd err_r) {
  Worker& w = workers_[id];
  w.id = id;
  w.slot = slot;
  w.pid = pid;
  w.started = Now();
  usage_.Add(id, pid, w.started);
  w.out = std::make_unique<OutputPipe>(loop_, std::move(out_r), [this, slot, pid](std::string_view l) {
    logger_->WorkerLine(config_.name, slot, pid, false, l);
  });
  w.err = std::make_unique<OutputPipe>(loop_, std::move(err_r), [this, slot, pid](std::string_view l) {
    logger_->WorkerLine(config_.name, slot, pid, true, l);
  });
  return w;
}

ClusterPrimary::Worker* ClusterPrimary::FindWorker(WorkerId id) {
  auto it = workers_.find(id);
  return it == workers_.end() ? nullptr : &it->second;
}

void ClusterPrimary::LogWorkerFault(Worker& w, LogLevel level, std::string line) {
  if (!w.faults.Allow(Now())) return;
  if (uint64_t n = w.faults.TakeSuppressed()) line += fmt::format(" ({} more like it not logged)", n);
  Log(level, line);
}

Listener* ClusterPrimary::FindOrOpenListener(const std::string& key, const ListenSpec& spec,
                                             Status* error) {
  auto it = listeners_.find(key);
  if (it != listeners_.end()) return it->second.get();
  Result<UniqueFd> fd = BindListener(spec);
  if (!fd.ok()) {
    *error = fd.status();
    return nullptr;
  }
  Listener::Callbacks cb;
  cb.has_room = [this, key] {
    if (balancer_.HasRoom(key)) return true;
    lazy_replies_.Collect();  // replies not read yet may make room
    return balancer_.HasRoom(key);
  };
  // Replies that came since the last batch, so the scheduler sees who has room.
  cb.before_batch = [this] { lazy_replies_.Collect(); };
  if (peek_options_) {
    auto peeker = std::make_unique<StickyPeeker>(loop_, *peek_options_, [this, key](UniqueFd conn, std::string sticky) {
      balancer_.Dispatch(key, std::move(conn), std::move(sticky));
    });
    StickyPeeker* p = peeker.get();
    peekers_[key] = std::move(peeker);
    cb.on_accept = [p](UniqueFd conn) { p->Add(std::move(conn)); };
  } else {
    cb.on_accept = [this, key](UniqueFd conn) { balancer_.Dispatch(key, std::move(conn)); };
  }
  cb.on_warning = [this](const std::string& line) { Log(LogLevel::kWarn, line); };
  auto listener = std::make_unique<Listener>(loop_, spec, std::move(*fd), std::move(cb));
  Listener* l = listener.get();
  listeners_.emplace(key, std::move(listener));
  balancer_.AddKey(key);
  std::string where = spec.Describe();
  if (spec.kind == ListenSpec::Kind::kTcp && spec.port == 0) {
    nlohmann::json name = SocknameJson(l->fd());
    if (name.is_object()) where += fmt::format(" (port {})", name.value("port", 0));
  }
  Log(LogLevel::kInfo, fmt::format("listening on {}", where));
  return l;
}

void ClusterPrimary::ForgetWorker(WorkerId id) {
  balancer_.WorkerGone(id);
  sticky_table_.ForgetWorker(id);
}

void ClusterPrimary::SetEnvironment(std::vector<std::string> environment) {
  config_.environment = std::move(environment);
  ComputeBaseEnv();
  Log(LogLevel::kInfo, fmt::format("environment updated ({} variables); new workers start with it",
                                   config_.environment.size()));
}

Result<int> ClusterPrimary::SignalWorkers(int signal, std::optional<int> slot) {
  if (slot && (*slot < 0 || *slot >= supervisor_.instances())) {
    return Status::Error(fmt::format("no slot {} (the app has slots 0..{})", *slot, supervisor_.instances() - 1));
  }
  int sent = 0;
  for (auto& [id, w] : workers_) {
    if (slot && w.slot != *slot) continue;
    if (::kill(w.pid, signal) == 0) ++sent;
  }
  Log(LogLevel::kInfo, fmt::format("sent {} to {} worker(s){}", SignalName(signal), sent,
                                   slot ? fmt::format(" in slot {}", *slot) : ""));
  return sent;
}

Result<int> ClusterPrimary::SendMessage(const nlohmann::json& message, std::optional<int> slot) {
  if (slot && (*slot < 0 || *slot >= supervisor_.instances())) {
    return Status::Error(fmt::format("no slot {} (the app has slots 0..{})", *slot, supervisor_.instances() - 1));
  }
  if (program_) return program_->SendMessage(message, slot);
  if (IsNodeInternal(message)) {
    return Status::Error("messages whose cmd starts with NODE_ are reserved for Node's own protocol");
  }
  std::string line = ToLine(message);
  int delivered = 0;
  for (auto& [id, w] : workers_) {
    if (w.disconnect_sent || !w.channel || !w.channel->open()) continue;
    if (slot && w.slot != *slot) continue;
    SendLine(w, line);
    ++delivered;
  }
  return delivered;
}

bool ClusterPrimary::OnChildExit(pid_t pid, ExitStatus status) {
  if (store_ && store_->OnChildExit(pid, status)) return true;
  for (auto it = workers_.begin(); it != workers_.end(); ++it) {
    if (it->second.pid != pid) continue;
    Worker& w = it->second;
    WorkerId id = w.id;
    // Read what it wrote before dying (an accepted:true among it) before
    // re-dispatching its unconfirmed connections.
    if (w.channel && w.channel->open()) w.channel->Drain();
    if (program_) program_->ReadBeforeExit(id);
    if (w.out) w.out->Finish();
    if (w.err) w.err->Finish();
    if (uint64_t n = w.faults.TakeSuppressed()) {
      Log(LogLevel::kWarn, fmt::format("slot {}: worker {} sent {} more bad message(s), not logged", w.slot, id, n));
    }
    ForgetWorker(id);
    if (w.channel) lazy_replies_.Forget(w.channel.get());
    usage_.Remove(id);
    if (program_) program_->Exited(id);
    workers_.erase(it);
    supervisor_.OnExit(id, status);
    return true;
  }
  return false;
}

void ClusterPrimary::DisconnectWorker(WorkerId id) {
  Worker* w = FindWorker(id);
  if (!w) return;
  if (program_) return program_->Leave(id);
  balancer_.Drain(id);
  if (w->disconnect_sent) return;
  w->disconnect_sent = true;
  if (w->channel && w->channel->open()) {
    SendLine(*w, ClusterLine({{"act", "disconnect"}}, next_seq_++));
  } else {
    ::kill(w->pid, SIGTERM);
  }
}

void ClusterPrimary::KillWorker(WorkerId id, int signal) {
  Worker* w = FindWorker(id);
  if (!w) return;
  // Workers lead their own process group: SIGKILL takes their children too.
  if (signal == SIGKILL) ::kill(-w->pid, SIGKILL);
  ::kill(w->pid, signal);
}

void ClusterPrimary::KillAll() {
  if (drain_delay_timer_) {
    timers_.Cancel(std::exchange(drain_delay_timer_, 0));
    StopNow(std::exchange(delayed_stop_, {}));
  }
  for (auto& [id, w] : workers_) KillWorker(id, SIGKILL);
}

TimerId ClusterPrimary::StartTimer(Millis delay, std::function<void()> fn) {
  return timers_.Start(delay, std::move(fn));
}

void ClusterPrimary::CancelTimer(TimerId id) { timers_.Cancel(id); }

TimePoint ClusterPrimary::Now() const { return std::chrono::steady_clock::now(); }

Status ClusterPrimary::SendConnection(WorkerId worker, const std::string& key_json, uint64_t seq, int fd) {
  if (program_) return program_->SendConnection(worker, key_json, seq, fd);
  Worker* w = FindWorker(worker);
  if (!w || !w->channel || !w->channel->open()) return Status::Error("the worker's channel is closed");
  std::string line = NewConnLine(key_json, seq);
  w->unacked.push_back({line, fd});
  Status s = w->channel->Send(std::move(line), fd);
  if (!s.ok()) {
    w->unacked.pop_back();
    return s;
  }
  lazy_replies_.Handed(w->channel.get());
  return s;
}

}  // namespace cohort
