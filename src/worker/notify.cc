#include "worker/notify.h"

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace cohort {

Result<NotifyTarget> NotifyTarget::Connect(const std::string& path) {
  NotifyTarget t;
  if (path.empty() || path.size() >= sizeof t.addr_.sun_path || (path[0] != '/' && path[0] != '@')) {
    return Status::Error("NOTIFY_SOCKET=" + path + ": not an absolute path or @abstract name");
  }
  t.addr_.sun_family = AF_UNIX;
  std::memcpy(t.addr_.sun_path, path.data(), path.size());
  if (path[0] == '@') t.addr_.sun_path[0] = '\0';
  t.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '/' ? 1 : 0));
  t.fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!t.fd_) return Status::FromErrno("socket");
  return t;
}

bool NotifyTarget::Send(std::string_view text) const {
  if (!fd_) return false;
  ssize_t n;
  do {
    n = ::sendto(fd_.get(), text.data(), text.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr_), len_);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(text.size());
}

}  // namespace cohort
