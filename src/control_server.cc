#include "control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "node_protocol.h"

namespace cohort {
namespace {

nlohmann::json ErrorReply(const std::string& message) { return {{"ok", false}, {"error", message}}; }

Result<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return Status::Error(fmt::format("socket path too long: {}", path), ENAMETOOLONG);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::Listen(uv_loop_t* loop, const std::string& path,
                                                             Handler handler) {
  Result<sockaddr_un> addr = UnixAddress(path);
  if (!addr.ok()) return addr.status();
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Status::FromErrno("socket");
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0) {
      return Status::Error(fmt::format("another cohort primary is already running as {}", path), EADDRINUSE);
    }
    if (!S_ISSOCK(st.st_mode)) {
      return Status::Error(fmt::format("{} exists and is not a socket", path), EEXIST);
    }
    ::unlink(path.c_str());  // stale: its primary is gone
  }
  mode_t old_mask = ::umask(077);  // the socket file is created 0600
  int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) return Status::FromErrno("cannot create control socket " + path, bind_errno);
  if (::listen(fd.get(), 64) != 0) {
    ::unlink(path.c_str());
    return Status::FromErrno("listen on " + path);
  }
  return std::unique_ptr<ControlServer>(new ControlServer(loop, path, std::move(fd), std::move(handler)));
}

ControlServer::ControlServer(uv_loop_t* loop, std::string path, UniqueFd fd, Handler handler)
    : loop_(loop), path_(std::move(path)), fd_(std::move(fd)), handler_(std::move(handler)) {
  uv_poll_init(loop_, poll_.get(), fd_.get());
  poll_->data = this;
  uv_poll_start(poll_.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
    if (h->data && status == 0) static_cast<ControlServer*>(h->data)->OnAcceptable();
  });
  uv_timer_init(loop_, sweep_.get());
  sweep_->data = this;
}

ControlServer::~ControlServer() {
  conns_.clear();
  poll_.Close();
  sweep_.Close();
  ::unlink(path_.c_str());
}

void ControlServer::OnAcceptable() {
  for (int i = 0; i < 16; ++i) {
    int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) return;  // EAGAIN, or a transient error: try again on the next event
    Accept(UniqueFd(c));
  }
}

void ControlServer::Accept(UniqueFd fd) {
  struct ucred cred {};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != ::geteuid() && cred.uid != 0)) {
    std::string line = ToLine(ErrorReply(fmt::format("permission denied: uid {} may not control this primary", cred.uid)));
    ssize_t ignored = ::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    return;  // fd closes here
  }
  auto conn = std::make_shared<Conn>();
  conn->id = next_id_++;
  std::weak_ptr<Conn> weak = conn;
  IpcChannel::Callbacks cb;
  cb.on_line = [this, weak](std::string_view line, int&) {
    auto c = weak.lock();
    if (!c) return;
    c->requests.emplace_back(line);
    Next(c);
  };
  cb.on_oversized = [weak](size_t n) {
    if (auto c = weak.lock()) {
      Status ignored = c->channel->Send(ToLine(ErrorReply(fmt::format("request too large ({} bytes; at most {})", n, kMaxRequest))));
      (void)ignored;
    }
  };
  cb.on_close = [this](const std::string&) { ScheduleSweep(); };
  conn->channel = std::make_unique<IpcChannel>(loop_, std::move(fd), std::move(cb), kMaxRequest, 16 << 20);
  conns_.emplace(conn->id, std::move(conn));
}

void ControlServer::Next(const std::shared_ptr<Conn>& conn) {
  if (conn->busy || conn->requests.empty() || !conn->channel->open()) return;
  std::string text = std::move(conn->requests.front());
  conn->requests.pop_front();
  bool too_deep = false;
  nlohmann::json request = ParseJsonWithinDepth(text, &too_deep);
  std::weak_ptr<Conn> weak = conn;
  auto answered = std::make_shared<bool>(false);
  Reply reply = [this, weak, answered](const nlohmann::json& response) {
    if (*answered) return;
    *answered = true;
    auto c = weak.lock();
    if (!c || !c->channel->open()) return;
    Status ignored = c->channel->Send(ToLine(response));
    (void)ignored;
    c->busy = false;
    Next(c);
  };
  conn->busy = true;
  if (too_deep) {
    reply(ErrorReply(fmt::format("malformed request: nested deeper than {} levels", kMaxJsonDepth)));
    return;
  }
  if (request.is_discarded() || !request.is_object()) {
    reply(ErrorReply(fmt::format("malformed request (expected one JSON object per line): {:.80}", text)));
    return;
  }
  handler_(request, std::move(reply));
}

void ControlServer::ScheduleSweep() {
  uv_timer_start(
      sweep_.get(),
      [](uv_timer_t* t) {
        auto* self = static_cast<ControlServer*>(t->data);
        if (!self) return;
        for (auto it = self->conns_.begin(); it != self->conns_.end();) {
          it = it->second->channel->open() ? std::next(it) : self->conns_.erase(it);
        }
      },
      0, 0);
}

}  // namespace cohort
