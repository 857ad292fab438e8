#include "program_workers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "cohort_home.h"
#include "duration.h"
#include "exit_status.h"

namespace cohort {
namespace {

using FromWorker = channel::FromWorker;

channel::Peer PeerOf(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return channel::PeerFromSockaddr(ss);
}

// For log lines: a worker's bad line, short and printable.
std::string Excerpt(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (line.size() > 80) out += "...";
  return out;
}

}  // namespace

ProgramWorkers::ProgramWorkers(const AppConfig& config, Deps deps)
    : config_(config), deps_(std::move(deps)), balanced_(IsBalancedProgram(config)) {
  Result<int> sig = ParseSignal(config_.stop_signal.empty() ? "SIGTERM" : config_.stop_signal);
  stop_signal_ = sig.ok() ? *sig : SIGTERM;  // validated in ValidateAppConfig
  if (config_.watchdog.count() > 0) {
    watchdog_ = std::make_unique<WorkerWatchdog>(
        deps_.host, config_.watchdog, [this](WorkerId id, Millis silent) { OnWatchdogExpired(id, silent); });
  }
}

ProgramWorkers::~ProgramWorkers() = default;

std::string ProgramWorkers::Who(const Worker& w) const {
  return fmt::format("slot {}: worker {} (pid {})", w.slot, w.id, w.pid);
}

ProgramWorkers::Worker* ProgramWorkers::Find(WorkerId id) {
  auto it = workers_.find(id);
  return it == workers_.end() ? nullptr : &it->second;
}

Status ProgramWorkers::Open() {
  for (const std::string& text : config_.listen) {
    Result<ListenSpec> spec = ParseListenAddress(text);
    if (!spec.ok()) return spec.status();
    Socket s;
    s.spec = *spec;
    s.name = fmt::format("listen{}", sockets_.size());
    s.key = "listen:" + spec->Describe();
    s.key_json = nlohmann::json(s.key).dump();
    if (balanced_) {
      if (Status st = deps_.open_listener(s.key, s.spec); !st.ok()) return st;
    } else {
      Result<UniqueFd> fd = BindListener(*spec);
      if (!fd.ok()) return fd.status();
      // systemd passes blocking sockets unless told otherwise; programs expect that.
      int flags = ::fcntl(fd->get(), F_GETFL);
      ::fcntl(fd->get(), F_SETFL, flags & ~O_NONBLOCK);
      Log(LogLevel::kInfo, fmt::format("listening on {} (handed to the workers as LISTEN_FDS)", spec->Describe()));
      s.fd = std::move(*fd);
    }
    sockets_.push_back(std::move(s));
  }
  if (config_.ready == "notify" || watchdog_) {
    Result<std::string> home = CohortHome();
    if (!home.ok()) return home.status();
    Result<std::string> dir = EnsureRunDir(*home);
    if (!dir.ok()) return dir.status();
    auto sock = NotifySocket::Open(deps_.loop, *dir + "/" + config_.name + ".notify",
                                   [this](pid_t pid, const NotifyFields& f) { OnNotify(pid, f); });
    if (!sock.ok()) return sock.status();
    notify_ = std::move(*sock);
  }
  return Status::Ok();
}

void ProgramWorkers::Close() {
  sockets_.clear();
  notify_.reset();
}

Result<ProgramWorkers::SpawnPlan> ProgramWorkers::Plan() {
  SpawnPlan plan;
  plan.own_pid_env.push_back("LISTEN_PID");
  if (balanced_) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Status::FromErrno("socketpair");
    plan.ours.reset(sv[0]);
    plan.theirs.reset(sv[1]);
    plan.fds.push_back(plan.theirs.get());
    plan.env = {"LISTEN_FDS=1", "LISTEN_FDNAMES=cohort", "COHORT_CHANNEL_FD=3"};
  } else {
    std::vector<std::string> names;
    for (const Socket& s : sockets_) {
      plan.fds.push_back(s.fd.get());
      names.push_back(s.name);
    }
    plan.env = {fmt::format("LISTEN_FDS={}", sockets_.size()), fmt::format("LISTEN_FDNAMES={}", fmt::join(names, ":"))};
  }
  if (notify_) plan.env.push_back("NOTIFY_SOCKET=" + notify_->path());
  if (watchdog_) {
    plan.env.push_back(fmt::format("WATCHDOG_USEC={}", watchdog_->period().count() * 1000));
    plan.own_pid_env.push_back("WATCHDOG_PID");
  }
  return plan;
}

void ProgramWorkers::Started(WorkerId id, int slot, pid_t pid, UniqueFd channel) {
  Worker& w = workers_[id];
  w.id = id;
  w.slot = slot;
  w.pid = pid;
  if (channel) {
    IpcChannel::Callbacks cb;
    cb.on_line = [this, id](std::string_view line, int& fd) {
      (void)fd;  // workers send no fds; the channel closes any that come
      if (Worker* w = Find(id)) OnLine(*w, line);
    };
    cb.on_oversized = [this, id](size_t n) {
      if (Worker* w = Find(id)) {
        OnBadLine(*w, "", Status::Error(fmt::format("a line over {} bytes ({})", channel::kMaxLine, n)));
      }
    };
    cb.on_close = [this, id](const std::string& why) {
      // Deferred: the channel must not be destroyed inside its own callback.
      deps_.host->StartTimer(Millis(0), [this, id, why] { OnChannelClosed(id, why); });
    };
    w.channel = std::make_unique<IpcChannel>(deps_.loop, std::move(channel), std::move(cb), channel::kMaxLine);
  }
  if (watchdog_) watchdog_->Watch(id);
  StartReadiness(id);
}

void ProgramWorkers::StartReadiness(WorkerId id) {
  // Deferred: the Supervisor is in the middle of spawning this worker.
  if (config_.ready.empty()) {
    deps_.host->StartTimer(Millis(0), [this, id] { ReportReady(id); });
  } else if (config_.ready.starts_with("delay:")) {
    Result<Millis> d = ParseDuration(config_.ready.substr(6));
    deps_.host->StartTimer(d.ok() ? *d : Millis(0), [this, id] { ReportReady(id); });
  }
}

void ProgramWorkers::ReportReady(WorkerId id) {
  Worker* w = Find(id);
  if (w == nullptr || w->ready) return;
  w->ready = true;
  for (const Socket& s : sockets_) {
    if (balanced_ && !w->leaving) deps_.balancer->Serve(id, w->slot, s.key);
    deps_.supervisor->OnListening(id, s.key);
  }
}

void ProgramWorkers::OnNotify(pid_t pid, const NotifyFields& fields) {
  for (auto& [id, w] : workers_) {
    if (w.pid != pid) continue;
    for (const auto& [k, v] : fields) {
      if (k == "READY" && v == "1") {
        ReportReady(id);
      } else if (k == "STATUS") {
        w.status = v;
      } else if (k == "STOPPING" && v == "1") {
        Log(LogLevel::kDebug, fmt::format("{}: stopping", Who(w)));
        deps_.balancer->Drain(id);
      } else if (k == "WATCHDOG" && watchdog_) {
        if (v == "1") watchdog_->Ping(id);
        if (v == "trigger") watchdog_->Trigger(id);
      }
    }
    return;
  }
}

void ProgramWorkers::OnLine(Worker& w, std::string_view line) {
  Result<FromWorker> m = channel::ParseFromWorker(line);
  if (!m.ok()) return OnBadLine(w, line, m.status());
  switch (m->type) {
    case FromWorker::Type::kAccepted:
    case FromWorker::Type::kRefused:
      deps_.balancer->OnReply(w.id, m->id, m->type == FromWorker::Type::kAccepted);
      return;
    case FromWorker::Type::kReady:
      return ReportReady(w.id);
    case FromWorker::Type::kStatus:
      w.status = std::move(m->text);
      return;
    case FromWorker::Type::kStopping:
      Log(LogLevel::kDebug, fmt::format("{}: stopping", Who(w)));
      deps_.balancer->Drain(w.id);
      return;
    case FromWorker::Type::kWatchdog:
      if (watchdog_) watchdog_->Ping(w.id);
      return;
    case FromWorker::Type::kMessage:
      Log(LogLevel::kDebug, fmt::format("{}: message: {:.200}", Who(w),
                                        m->data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
      return;
    case FromWorker::Type::kBroadcast:
      return OnBroadcast(w, m->data);
    case FromWorker::Type::kSticky:
      return OnSticky(w, m->text);
    case FromWorker::Type::kLeave:
      return OnLeaveRequest(w);
    case FromWorker::Type::kUnknown:
      Log(LogLevel::kDebug, fmt::format("{}: sent a line of type '{:.40}', which this cohort does not know; ignored",
                                        Who(w), m->text));
      return;
  }
}

void ProgramWorkers::OnBadLine(Worker& w, std::string_view line, const Status& why) {
  if (!w.faults.Allow(deps_.host->Now())) return;
  std::string more;
  if (uint64_t n = w.faults.TakeSuppressed()) more = fmt::format(" ({} more like it not logged)", n);
  Log(LogLevel::kWarn, fmt::format("{}: sent {} on its channel: '{}'; ignored{}", Who(w), why.message(),
                                   Excerpt(line), more));
}

void ProgramWorkers::OnBroadcast(const Worker& from, const nlohmann::json& data) {
  std::string line = channel::MessageLine(data);
  for (auto& [id, other] : workers_) {
    if (id != from.id && !other.leaving) Send(other, line);
  }
}

void ProgramWorkers::OnSticky(const Worker& w, const std::string& key) {
  if (deps_.sticky == nullptr) {
    Log(LogLevel::kDebug, fmt::format("{}: sticky key ignored: the app runs without --sticky", Who(w)));
    return;
  }
  deps_.sticky->Declare(key, w.id, deps_.host->Now());
}

void ProgramWorkers::OnLeaveRequest(Worker& w) {
  // As Node's worker.disconnect(): nothing more comes after the answer, so
  // the worker can finish what it has and exit; its slot then restarts.
  Log(LogLevel::kInfo, fmt::format("{}: asked to leave", Who(w)));
  deps_.balancer->Drain(w.id);
  w.leaving = true;
  Send(w, channel::LeaveLine());
}

void ProgramWorkers::Leave(WorkerId id) {
  Worker* w = Find(id);
  if (!w) return;
  deps_.balancer->Drain(id);
  if (watchdog_) watchdog_->Forget(id);
  if (w->leaving && w->channel) return;  // it already has its leave line
  w->leaving = true;
  if (w->channel && w->channel->open()) {
    Send(*w, channel::LeaveLine());
  } else {
    ::kill(w->pid, stop_signal_);
  }
}

void ProgramWorkers::OnChannelClosed(WorkerId id, const std::string& why) {
  Worker* w = Find(id);
  if (!w) return;
  Log(LogLevel::kDebug, fmt::format("{}: {}", Who(*w), why));
  // Its unconfirmed connections go to other workers now, not when it exits.
  deps_.balancer->WorkerGone(id);
  if (deps_.sticky) deps_.sticky->ForgetWorker(id);
  if (!w->leaving) {
    w->leaving = true;
    ::kill(w->pid, stop_signal_);
  }
}

void ProgramWorkers::OnWatchdogExpired(WorkerId id, Millis silent) {
  Worker* w = Find(id);
  if (!w) return;
  Log(LogLevel::kError, fmt::format("{}: no WATCHDOG=1 for {} ms (--watchdog {}); killing it, the slot restarts",
                                    Who(*w), silent.count(), FormatDuration(config_.watchdog)));
  deps_.balancer->Drain(id);
  deps_.host->KillWorker(id, SIGKILL);
}

void ProgramWorkers::ReadBeforeExit(WorkerId id) {
  Worker* w = Find(id);
  if (w && w->channel && w->channel->open()) w->channel->Drain();
}

void ProgramWorkers::Exited(WorkerId id) {
  if (watchdog_) watchdog_->Forget(id);
  Worker* w = Find(id);
  if (w == nullptr) return;
  if (uint64_t n = w->faults.TakeSuppressed()) {
    Log(LogLevel::kWarn, fmt::format("{}: sent {} more bad line(s) on its channel, not logged", Who(*w), n));
  }
  workers_.erase(id);
}

void ProgramWorkers::Send(Worker& w, std::string line) {
  if (!w.channel || !w.channel->open()) return;
  Status s = w.channel->Send(std::move(line));
  if (!s.ok()) Log(LogLevel::kWarn, fmt::format("{}: {}", Who(w), s.message()));
}

Status ProgramWorkers::SendConnection(WorkerId id, const std::string& key_json, uint64_t seq, int fd) {
  Worker* w = Find(id);
  if (!w || !w->channel || !w->channel->open()) return Status::Error("the worker's channel is closed");
  for (const Socket& s : sockets_) {
    if (s.key_json == key_json) return w->channel->Send(channel::ConnectionLine(seq, s.name, PeerOf(fd)), fd);
  }
  return Status::Error(fmt::format("no --listen socket has the key {}", key_json));
}

Result<int> ProgramWorkers::SendMessage(const nlohmann::json& data, std::optional<int> slot) {
  if (!balanced_) {
    return Status::Error(
        "the workers accept from the shared sockets and have no channel for messages (run with --scheduler rr or "
        "least to give them one)");
  }
  std::string line = channel::MessageLine(data);
  int delivered = 0;
  for (auto& [id, w] : workers_) {
    if (w.leaving || !w.channel || !w.channel->open() || (slot && w.slot != *slot)) continue;
    Send(w, line);
    ++delivered;
  }
  return delivered;
}

void ProgramWorkers::DescribeSockets(nlohmann::json& listeners) const {
  for (const Socket& s : sockets_) {
    if (!s.fd) continue;
    nlohmann::json entry = {{"address", s.spec.Describe()}, {"key", s.key}, {"activation", true}};
    if (s.spec.kind != ListenSpec::Kind::kUnix) entry["sockname"] = SocknameJson(s.fd.get());
    listeners.push_back(entry);
  }
}

const std::string& ProgramWorkers::StatusOf(WorkerId id) const {
  static const std::string kNone;
  auto it = workers_.find(id);
  return it == workers_.end() ? kNone : it->second.status;
}

}  // namespace cohort
