// NotifyTarget: a worker's end of sd_notify, datagrams to the unix socket
// named by NOTIFY_SOCKET ("@name" is an abstract socket, as in systemd).
// Part of libcohort_worker; also fine for a program of its own.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <string_view>

#include "status.h"
#include "unique_fd.h"

namespace cohort {

class NotifyTarget {
 public:
  NotifyTarget() = default;  // sends nothing
  static Result<NotifyTarget> Connect(const std::string& path);
  bool valid() const { return fd_.valid(); }
  // One datagram of "KEY=VALUE" lines; false when there is no target or it failed.
  bool Send(std::string_view text) const;

 private:
  UniqueFd fd_;
  sockaddr_un addr_{};
  socklen_t len_ = 0;
};

}  // namespace cohort
