// NotifySocket: the primary's end of systemd's readiness protocol
// (sd_notify): a unix datagram socket whose path workers get in
// NOTIFY_SOCKET. Each datagram is "KEY=VALUE" lines (READY=1, STOPPING=1,
// STATUS=..., WATCHDOG=1); the kernel tells us the sender's pid
// (SO_PASSCRED), which names the worker. Runs on the loop thread; owns the
// socket and unlinks its path on destruction.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status.h"
#include "unique_fd.h"
#include "uv_handle.h"

namespace cohort {

using NotifyFields = std::vector<std::pair<std::string, std::string>>;

// The sending side, as sd_notify(3): one datagram to `socket_path` (a path,
// or "@name" for an abstract socket, as systemd passes in NOTIFY_SOCKET).
Status SendNotify(const std::string& socket_path, std::string_view message);

// "READY=1\nSTATUS=warming up\n" -> {{"READY","1"},{"STATUS","warming up"}}; lines without '=' are skipped.
NotifyFields ParseNotifyMessage(std::string_view text);

class NotifySocket {
 public:
  using OnMessage = std::function<void(pid_t sender, const NotifyFields& fields)>;
  static Result<std::unique_ptr<NotifySocket>> Open(uv_loop_t* loop, const std::string& path, OnMessage on_message);
  ~NotifySocket();
  const std::string& path() const { return path_; }

 private:
  NotifySocket(std::string path, UniqueFd fd, OnMessage on_message)
      : path_(std::move(path)), fd_(std::move(fd)), on_message_(std::move(on_message)) {}
  void OnReadable();

  std::string path_;
  UniqueFd fd_;
  OnMessage on_message_;
  UvHandle<uv_poll_t> poll_;
};

}  // namespace cohort
