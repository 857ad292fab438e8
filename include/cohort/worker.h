// libcohort_worker: the worker side of `cohort run --listen` for C++ programs.
//
// One program runs unchanged in both of cohort's modes:
//  - balanced (--scheduler rr|least, --sticky ...): cohort accepts, and each
//    connection arrives over this worker's channel (COHORT_CHANNEL_FD) with
//    the listener's name and the peer's address; the library confirms it to
//    cohort as it hands it to you. Messages (`cohort send`, other workers'
//    broadcasts), sticky keys and a leave request travel on the channel too.
//  - shared (the default): the listening sockets are LISTEN_FDS (systemd's
//    socket activation); the library accepts from them itself. There is no
//    channel, so Send/Broadcast/DeclareSticky do nothing and return false.
// Ready/SetStatus/Stopping/Watchdog go over the channel, or to NOTIFY_SOCKET
// (sd_notify) in shared mode. The protocol: docs/worker-protocol.md.
//
// Blocking style:
//     auto worker = cohort::Worker::Open(&error);
//     worker->LeaveOnSignal(SIGTERM);
//     worker->Ready();
//     while (auto ev = worker->Next()) {
//       if (ev->kind == cohort::Event::Kind::kConnection) Serve(ev->connection.fd);
//     }
// Any event loop: poll fd() for readability and call Process() when it is
// readable (libuv: uv_poll_start(&poll, UV_READABLE, ...)); Process()
// returns false once the worker should stop taking work.
//
// One Worker per process, used from one thread. Connections and their fds
// are yours once delivered: close them when done. Requires C++17.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

// Who is at the other end of a connection, as cohort saw it.
struct Peer {
  std::string family;   // "IPv4", "IPv6" or "unix"; "" if unknown
  std::string address;  // "203.0.113.7", "::1"; "" for unix sockets
  int port = 0;
};

struct Connection {
  int fd = -1;           // a connected, blocking stream socket; yours to close
  std::string listener;  // which --listen socket: "listen0", "listen1", ... in --listen order
  Peer peer;
};

struct Event {
  enum class Kind {
    kConnection,  // a new connection
    kMessage,     // a message: from `cohort send` or another worker's Broadcast
    kLeave,       // no more connections will come: finish what you have and exit
  };
  Kind kind = Kind::kConnection;
  Connection connection;  // kConnection
  std::string message;    // kMessage: the message as JSON text
  int signal = 0;         // kLeave: the signal that asked (LeaveOnSignal), or 0 when cohort did
};

class Worker {
 public:
  // Takes what cohort gave this process (COHORT_CHANNEL_FD or LISTEN_FDS, for
  // this pid per LISTEN_PID). nullptr, and *error says why, when there is none.
  static std::unique_ptr<Worker> Open(std::string* error = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  bool balanced() const;
  // Shared mode: the listening sockets' names (LISTEN_FDNAMES); balanced: empty.
  const std::vector<std::string>& listeners() const;

  // Blocks until the next event. std::nullopt once the worker should exit:
  // after a kLeave event, or when cohort is gone (the channel closed).
  // While it waits it pings the watchdog (WATCHDOG_USEC) for you.
  std::optional<Event> Next();

  // For an event loop: a descriptor that is readable whenever Process() has
  // something to do. Process() hands every event that is ready now to
  // `on_event` without blocking; false once the worker should stop.
  int fd() const;
  bool Process(const std::function<void(Event&)>& on_event);

  // A message for the primary (logged with cohort's -v) or for every other
  // worker of the app (they get a kMessage). `json` must be JSON text.
  bool Send(std::string_view json);
  bool Broadcast(std::string_view json);
  // Under --sticky: connections carrying `key` (a cookie's, header's or query
  // parameter's value) come to this worker from now on.
  bool DeclareSticky(std::string_view key);

  // Readiness and state, as sd_notify's READY=1, STATUS=, STOPPING=1, WATCHDOG=1.
  bool Ready();
  bool SetStatus(std::string_view text);
  bool Stopping();
  bool Watchdog();
  // How often cohort expects Watchdog() (WATCHDOG_USEC; ping at half of it).
  // Zero without --watchdog. Next() pings by itself; event loops need a timer.
  std::chrono::microseconds WatchdogInterval() const;

  // Asks cohort to let this worker go (e.g. to recycle itself): no more
  // connections come, then a kLeave event. In shared mode at once.
  bool Leave();
  // Treats `signal` (e.g. SIGTERM, cohort's --stop-signal) as Leave(); the
  // handler only wakes Next()/Process(). Call before the signal can come.
  // (A read on a socket with SO_RCVTIMEO then fails with EINTR instead of
  // restarting: retry it, or the request being served is cut off.)
  bool LeaveOnSignal(int signal);

 private:
  struct State;
  explicit Worker(std::unique_ptr<State> state);
  std::optional<Event> Step(bool block);
  std::unique_ptr<State> s_;
};

}  // namespace cohort
