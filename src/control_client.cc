#include "control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "node_protocol.h"
#include "unique_fd.h"

namespace cohort {

Result<nlohmann::json> ControlCall(const std::string& path, const nlohmann::json& request, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Status::Error("socket path too long: " + path, ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Status::FromErrno("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Status::FromErrno("cannot reach " + path);
  }
  std::string line = ToLine(request);
  for (size_t off = 0; off < line.size();) {
    ssize_t n = ::send(fd.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) break;  // it may have answered already (a refusal)
    if (n < 0) return Status::FromErrno("write to " + path);
    off += static_cast<size_t>(n);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string response;
  char buf[64 * 1024];
  for (;;) {
    size_t nl = response.find('\n');
    if (nl != std::string::npos) {
      nlohmann::json j = nlohmann::json::parse(response.substr(0, nl), nullptr, false);
      if (j.is_discarded()) return Status::Error("malformed response from " + path);
      return j;
    }
    int wait = -1;
    if (timeout_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Status::Error(fmt::format("no answer from {} within {} ms", path, timeout_ms), ETIMEDOUT);
      wait = static_cast<int>(left.count());
    }
    struct pollfd p = {fd.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, wait);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) continue;  // the deadline check above ends it
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read from " + path);
    if (n == 0) return Status::Error(fmt::format("{} closed the connection without answering", path), ECONNRESET);
    response.append(buf, static_cast<size_t>(n));
    if (response.size() > (64u << 20)) return Status::Error("response too large from " + path);
  }
}

}  // namespace cohort
