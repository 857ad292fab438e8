// libcohort_worker (include/cohort/worker.h): how a program that cohort runs
// with --listen takes its connections and talks back. Balanced mode reads the
// channel protocol (worker_protocol.h) from COHORT_CHANNEL_FD; shared mode
// accepts from the LISTEN_FDS sockets. Both wait in one epoll set, which
// also holds an eventfd that LeaveOnSignal's handler writes.
#include "cohort/worker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>

#include "fd_passing.h"
#include "line_splitter.h"
#include "unique_fd.h"
#include "worker/inherited.h"
#include "worker/notify.h"
#include "worker_protocol.h"

namespace cohort {
namespace {

using Clock = std::chrono::steady_clock;
using FromPrimary = channel::FromPrimary;
using FromWorker = channel::FromWorker;

constexpr uint32_t kWakeTag = UINT32_MAX;  // epoll data of the eventfd; listening sockets use their index

// LeaveOnSignal's handler may only touch these (async-signal-safe).
std::atomic<int> g_wake_fd{-1};
std::atomic<int> g_signal{0};

void OnLeaveSignal(int signal) {
  int saved = errno;
  g_signal.store(signal);
  uint64_t one = 1;
  int fd = g_wake_fd.load();
  if (fd >= 0) (void)!::write(fd, &one, sizeof one);
  errno = saved;
}

Peer PeerFromChannel(const channel::Peer& p) { return Peer{p.family, p.address, p.port}; }

}  // namespace

struct Worker::State {
  struct Pending {
    Event event;
    uint64_t id = 0;  // kConnection: confirmed to cohort when handed out
    UniqueFd fd;
  };

  bool balanced = false;
  UniqueFd channel;                    // balanced mode
  std::vector<UniqueFd> listen_fds;    // shared mode, in LISTEN_FDS order
  std::vector<std::string> names;      // shared mode: LISTEN_FDNAMES
  UniqueFd epoll, wake;
  NotifyTarget notify;                 // shared mode: NOTIFY_SOCKET
  std::chrono::microseconds watchdog{0};
  Clock::time_point next_ping{};
  LineSplitter splitter{channel::kMaxLine, [this](std::string_view line) { OnLine(line); }};
  std::deque<UniqueFd> fds;            // received, not yet paired with their connection line
  std::deque<Pending> pending;         // events not yet handed out
  bool closed = false;                 // the channel ended: cohort is gone
  bool leave_requested = false;
  bool leave_queued = false;
  bool done = false;                   // kLeave handed out, or closed and drained
  int leave_signal = 0;

  ~State() {
    if (g_wake_fd.load() == wake.get()) g_wake_fd.store(-1);
  }

  bool WriteLine(const std::string& line) {
    if (!balanced || closed) return false;
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = ::send(channel.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Re-serialized: the text may span lines; cohort takes what it can parse.
  bool WriteData(FromWorker::Type type, std::string_view text) {
    nlohmann::json data = ParseJsonWithinDepth(text);
    if (data.is_discarded()) return false;
    return WriteLine(channel::DataLine(type, data));
  }

  void OnLine(std::string_view line) {
    Result<FromPrimary> m = channel::ParseFromPrimary(line);
    if (!m.ok()) return;  // nothing a worker could do about it; cohort logs its own side
    Pending p;
    switch (m->type) {
      case FromPrimary::Type::kConnection:
        if (fds.empty()) {  // its fd did not arrive: let another worker have it
          WriteLine(channel::ConfirmLine(m->id, false));
          return;
        }
        p.fd = std::move(fds.front());
        fds.pop_front();
        p.id = m->id;
        p.event.kind = Event::Kind::kConnection;
        p.event.connection.listener = std::move(m->listener);
        p.event.connection.peer = PeerFromChannel(m->peer);
        break;
      case FromPrimary::Type::kMessage:
        p.event.kind = Event::Kind::kMessage;
        p.event.message = m->data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        break;
      case FromPrimary::Type::kLeave:
        if (leave_queued) return;
        leave_queued = true;
        p.event.kind = Event::Kind::kLeave;
        break;
      case FromPrimary::Type::kUnknown:
        return;
    }
    pending.push_back(std::move(p));
  }

  void ReadChannel() {
    char buf[64 * 1024];
    std::vector<int> got;
    ssize_t n = RecvWithFds(channel.get(), buf, sizeof buf, &got, MSG_DONTWAIT);
    for (int fd : got) fds.emplace_back(fd);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      closed = true;
      ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, channel.get(), nullptr);
      return;
    }
    splitter.Feed(std::string_view(buf, static_cast<size_t>(n)));
  }

  void AcceptFrom(uint32_t index) {
    if (index >= listen_fds.size() || leave_queued) return;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(listen_fds[index].get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: another worker took it; EMFILE & co: try again on the next wakeup
    Pending p;
    p.fd.reset(fd);
    p.event.kind = Event::Kind::kConnection;
    p.event.connection.listener = index < names.size() ? names[index] : "listen" + std::to_string(index);
    p.event.connection.peer = PeerFromChannel(channel::PeerFromSockaddr(ss));
    pending.push_back(std::move(p));
  }

  void QueueLeave() {
    if (leave_queued) return;
    leave_queued = true;
    for (UniqueFd& l : listen_fds) ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, l.get(), nullptr);
    Pending p;
    p.event.kind = Event::Kind::kLeave;
    pending.push_back(std::move(p));
  }

  bool RequestLeave() {
    if (!balanced) {
      QueueLeave();
      return true;
    }
    if (leave_requested) return true;
    leave_requested = true;
    if (WriteLine(channel::SignalLine(FromWorker::Type::kLeave))) return true;
    QueueLeave();  // cohort is gone: nobody to ask
    return true;
  }

  void OnWake() {
    uint64_t count;
    (void)!::read(wake.get(), &count, sizeof count);
    leave_signal = g_signal.load();
    RequestLeave();
  }

  std::optional<Event> PopEvent() {
    if (pending.empty()) return std::nullopt;
    Pending p = std::move(pending.front());
    pending.pop_front();
    if (p.event.kind == Event::Kind::kConnection) {
      // Confirmed before the program reads a byte: from here the connection
      // is this worker's, and cohort closes its copy.
      if (balanced) WriteLine(channel::ConfirmLine(p.id, true));
      p.event.connection.fd = p.fd.release();
    }
    if (p.event.kind == Event::Kind::kLeave) {
      p.event.signal = leave_signal;  // why this worker asked, if it did
      done = true;
    }
    return std::move(p.event);
  }

  bool Signal(FromWorker::Type type, std::string_view notify_text) {
    if (balanced) return WriteLine(channel::SignalLine(type));
    return notify.Send(notify_text);
  }

  // Milliseconds until the next watchdog ping is due, -1 if none; pings when due.
  int PingIfDue() {
    if (watchdog.count() == 0) return -1;
    Clock::time_point now = Clock::now();
    if (now >= next_ping) {
      Signal(FromWorker::Type::kWatchdog, "WATCHDOG=1");
      next_ping = now + watchdog / 2;
    }
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(next_ping - now).count());
  }
};

std::unique_ptr<Worker> Worker::Open(std::string* error) {
  std::unique_ptr<State> s = std::make_unique<State>();
  Result<InheritedFds> inherited = InheritedFromEnvironment();
  if (!inherited.ok()) {
    if (error) *error = inherited.status().message();
    return nullptr;
  }
  s->balanced = inherited->channel.valid();
  s->channel = std::move(inherited->channel);
  s->listen_fds = std::move(inherited->listening);
  s->names = std::move(inherited->names);
  s->watchdog = inherited->watchdog;
  s->notify = std::move(inherited->notify);
  s->epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
  s->wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!s->epoll || !s->wake) {
    if (error) *error = std::string("epoll/eventfd: ") + std::strerror(errno);
    return nullptr;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kWakeTag;
  ::epoll_ctl(s->epoll.get(), EPOLL_CTL_ADD, s->wake.get(), &ev);
  if (s->balanced) {
    ev.data.u32 = 0;
    ::epoll_ctl(s->epoll.get(), EPOLL_CTL_ADD, s->channel.get(), &ev);
  } else {
    for (uint32_t i = 0; i < s->listen_fds.size(); ++i) {
      // Every worker of the app polls the same sockets: wake one, not all.
      ev.events = EPOLLIN | EPOLLEXCLUSIVE;
      ev.data.u32 = i;
      ::epoll_ctl(s->epoll.get(), EPOLL_CTL_ADD, s->listen_fds[i].get(), &ev);
    }
  }
  return std::unique_ptr<Worker>(new Worker(std::move(s)));
}

Worker::Worker(std::unique_ptr<State> state) : s_(std::move(state)) {}
Worker::~Worker() = default;

bool Worker::balanced() const { return s_->balanced; }
const std::vector<std::string>& Worker::listeners() const { return s_->names; }
int Worker::fd() const { return s_->epoll.get(); }
std::chrono::microseconds Worker::WatchdogInterval() const { return s_->watchdog; }

std::optional<Event> Worker::Step(bool block) {
  State& s = *s_;
  for (;;) {
    if (s.done) return std::nullopt;
    int ping_in = s.PingIfDue();
    if (std::optional<Event> ev = s.PopEvent()) return ev;
    if (s.closed) {
      s.done = true;
      return std::nullopt;
    }
    epoll_event ready[16];
    int n = ::epoll_wait(s.epoll.get(), ready, 16, block ? ping_in : 0);
    if (n < 0 && errno != EINTR) {
      s.closed = true;
      continue;
    }
    if (n <= 0) {
      if (!block) return std::nullopt;
      continue;
    }
    for (int i = 0; i < n; ++i) {
      if (ready[i].data.u32 == kWakeTag) s.OnWake();  // first: a leave must not pass a signal
    }
    for (int i = 0; i < n; ++i) {
      uint32_t tag = ready[i].data.u32;
      if (tag == kWakeTag) {
        continue;
      } else if (s.balanced) {
        s.ReadChannel();
      } else {
        s.AcceptFrom(tag);
      }
    }
  }
}

std::optional<Event> Worker::Next() { return Step(true); }

bool Worker::Process(const std::function<void(Event&)>& on_event) {
  while (std::optional<Event> ev = Step(false)) on_event(*ev);
  return !s_->done;
}

bool Worker::Send(std::string_view json) { return s_->WriteData(FromWorker::Type::kMessage, json); }
bool Worker::Broadcast(std::string_view json) { return s_->WriteData(FromWorker::Type::kBroadcast, json); }

bool Worker::DeclareSticky(std::string_view key) {
  if (key.empty() || key.size() > channel::kMaxStickyKey) return false;
  return s_->WriteLine(channel::StickyLine(key));
}

bool Worker::Ready() { return s_->Signal(FromWorker::Type::kReady, "READY=1"); }
bool Worker::Stopping() { return s_->Signal(FromWorker::Type::kStopping, "STOPPING=1"); }
bool Worker::Watchdog() { return s_->Signal(FromWorker::Type::kWatchdog, "WATCHDOG=1"); }

bool Worker::SetStatus(std::string_view text) {
  if (s_->balanced) return s_->WriteLine(channel::StatusLine(text));
  std::string line(text.substr(0, text.find('\n')));  // sd_notify fields are lines
  return s_->notify.Send("STATUS=" + line);
}

bool Worker::Leave() { return s_->RequestLeave(); }

bool Worker::LeaveOnSignal(int signal) {
  g_wake_fd.store(s_->wake.get());
  struct sigaction sa {};
  sa.sa_handler = OnLeaveSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  return ::sigaction(signal, &sa, nullptr) == 0;
}

}  // namespace cohort
