#include "store_url.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "unique_fd.h"

namespace cohort {

Result<StoreUrl> ParseStoreUrl(const std::string& url) {
  StoreUrl u;
  std::string rest;
  if (url.starts_with("redis://")) {
    rest = url.substr(8);
  } else if (url.starts_with("rediss://")) {
    rest = url.substr(9);
    u.tls = true;
  } else {
    return Status::Error(fmt::format("{}: not a redis:// URL", url));
  }
  if (size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  std::string path;
  if (size_t slash = rest.find('/'); slash != std::string::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string port;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return Status::Error(fmt::format("{}: unterminated [IPv6] host", url));
    u.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    u.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    u.host = rest;
  }
  if (u.host.empty()) return Status::Error(fmt::format("{}: no host", url));
  auto number = [&](const std::string& s, int lo, int hi, int* out) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = std::stoi(s);
    return *out >= lo && *out <= hi;
  };
  if (!port.empty() && !number(port, 1, 65535, &u.port)) return Status::Error(fmt::format("{}: bad port", url));
  if (!path.empty() && !number(path, 0, 100000, &u.db)) return Status::Error(fmt::format("{}: bad database number", url));
  return u;
}

Status CheckStoreReachable(const StoreUrl& url, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &res);
  if (rc != 0) return Status::Error(fmt::format("cannot resolve {}: {}", url.host, gai_strerror(rc)));
  Status last = Status::Error("no address");
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) continue;
    if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = Status::FromErrno(fmt::format("connect {}:{}", url.host, url.port));
      continue;
    }
    pollfd p{fd.get(), POLLOUT, 0};
    int n = poll(&p, 1, timeout_ms);
    int err = 0;
    socklen_t len = sizeof err;
    if (n == 0) {
      last = Status::Error(fmt::format("connect {}:{}: no answer within {} ms", url.host, url.port, timeout_ms));
      continue;
    }
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last = Status::FromErrno(fmt::format("connect {}:{}", url.host, url.port), err);
      continue;
    }
    freeaddrinfo(res);
    return Status::Ok();
  }
  freeaddrinfo(res);
  return last;
}

}  // namespace cohort
