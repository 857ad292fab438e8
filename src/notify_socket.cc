#include "notify_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include <fmt/format.h>

namespace cohort {

NotifyFields ParseNotifyMessage(std::string_view text) {
  NotifyFields out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return out;
}

Status SendNotify(const std::string& socket_path, std::string_view message) {
  sockaddr_un addr{};
  if (socket_path.size() < 2 || socket_path.size() >= sizeof addr.sun_path || (socket_path[0] != '/' && socket_path[0] != '@')) {
    return Status::Error(fmt::format("NOTIFY_SOCKET={}: not a socket path", socket_path));
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return Status::FromErrno("socket");
  ssize_t n;
  do {
    n = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::FromErrno("sd_notify to " + socket_path);
  return Status::Ok();
}

Result<std::unique_ptr<NotifySocket>> NotifySocket::Open(uv_loop_t* loop, const std::string& path,
                                                         OnMessage on_message) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return Status::Error(fmt::format("{}: path too long", path));
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Status::FromErrno("socket");
  int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
    return Status::FromErrno("setsockopt SO_PASSCRED");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());  // a stale one from a primary that was killed
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Status::FromErrno("bind " + path);
  }
  std::unique_ptr<NotifySocket> s(new NotifySocket(path, std::move(fd), std::move(on_message)));
  uv_poll_init(loop, s->poll_.get(), s->fd_.get());
  s->poll_->data = s.get();
  uv_poll_start(s->poll_.get(), UV_READABLE, [](uv_poll_t* p, int status, int) {
    if (status == 0 && p->data != nullptr) static_cast<NotifySocket*>(p->data)->OnReadable();
  });
  return s;
}

NotifySocket::~NotifySocket() {
  poll_.Close();
  ::unlink(path_.c_str());
}

void NotifySocket::OnReadable() {
  for (int i = 0; i < 64; ++i) {
    char buf[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: drained
    }
    pid_t sender = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred;
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        sender = cred.pid;
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        // sd_pid_notify_with_fds: we keep no fds; close what came.
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t k = 0; k < count; ++k) {
          int fd;
          std::memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof fd);
          ::close(fd);
        }
      }
    }
    if (sender > 0) on_message_(sender, ParseNotifyMessage(std::string_view(buf, static_cast<size_t>(n))));
  }
}

}  // namespace cohort
