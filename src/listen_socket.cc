#include "listen_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include <fmt/format.h>

namespace cohort {
namespace {

Result<UniqueFd> MakeSocket(int domain, int type) {
  UniqueFd fd(::socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Status::FromErrno("socket");
  return fd;
}

Result<UniqueFd> BindInet(const ListenSpec& spec, int family, const std::string& ip) {
  int type = spec.kind == ListenSpec::Kind::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  auto fd = MakeSocket(family == 6 ? AF_INET6 : AF_INET, type);
  if (!fd.ok()) return fd;
  int one = 1;
  if (type == SOCK_STREAM || spec.reuse_addr) {
    ::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  sockaddr_storage ss{};
  socklen_t len;
  std::string where = family == 6 ? fmt::format("[{}]:{}", ip, spec.port) : fmt::format("{}:{}", ip, spec.port);
  if (family == 6) {
    int v6only = spec.ipv6_only ? 1 : 0;
    ::setsockopt(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(spec.port));
    if (::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr) != 1) {
      return Status::Error(fmt::format("invalid IPv6 address {}", ip), EINVAL);
    }
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(spec.port));
    if (::inet_pton(AF_INET, ip.c_str(), &a->sin_addr) != 1) {
      return Status::Error(fmt::format("invalid IPv4 address {}", ip), EINVAL);
    }
    len = sizeof *a;
  }
  if (::bind(fd->get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return Status::FromErrno("cannot listen on " + where);
  }
  if (type == SOCK_STREAM && ::listen(fd->get(), spec.backlog) != 0) {
    return Status::FromErrno("listen on " + where);
  }
  return fd;
}

Result<UniqueFd> BindUnix(const ListenSpec& spec) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (spec.path.size() >= sizeof addr.sun_path) {
    return Status::Error(fmt::format("cannot listen on unix:{}: path longer than {} bytes",
                                     spec.path, sizeof addr.sun_path - 1),
                         ENAMETOOLONG);
  }
  std::memcpy(addr.sun_path, spec.path.c_str(), spec.path.size() + 1);
  auto fd = MakeSocket(AF_UNIX, SOCK_STREAM);
  if (!fd.ok()) return fd;
  if (::bind(fd->get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Status::FromErrno("cannot listen on unix:" + spec.path);
  }
  if (spec.readable_all || spec.writable_all) {
    mode_t mode = S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP;
    if (spec.readable_all) mode |= S_IROTH;
    if (spec.writable_all) mode |= S_IWOTH;
    ::chmod(spec.path.c_str(), mode);
  }
  if (::listen(fd->get(), spec.backlog) != 0) return Status::FromErrno("listen on unix:" + spec.path);
  return fd;
}

}  // namespace

Result<ListenSpec> ParseListenAddress(const std::string& text, std::string_view option) {
  ListenSpec spec;
  auto bad = [&](std::string_view why) {
    return Status::Error(fmt::format("{} {}: {} (use PORT, HOST:PORT, [V6]:PORT or unix:PATH)", option, text, why));
  };
  if (text.starts_with("unix:")) {
    spec.kind = ListenSpec::Kind::kUnix;
    spec.path = text.substr(5);
    if (spec.path.empty()) return bad("no path");
    if (spec.path.size() >= sizeof(sockaddr_un{}.sun_path)) return bad("path too long for a unix socket");
    return spec;
  }
  std::string port = text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string::npos) return bad("expected [V6]:PORT");
    spec.host = text.substr(1, close - 1);
    spec.family = 6;
    port = text.substr(close + 2);
  } else if (size_t colon = text.rfind(':'); colon != std::string::npos) {
    spec.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (spec.host->find(':') != std::string::npos) return bad("IPv6 addresses go in brackets");
  }
  if (spec.host) {
    unsigned char buf[sizeof(in6_addr)];
    if (::inet_pton(spec.family == 6 ? AF_INET6 : AF_INET, spec.host->c_str(), buf) != 1) {
      return bad(fmt::format("'{}' is not an IP address", *spec.host));
    }
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    return bad("bad port");
  }
  spec.port = std::stoi(port);
  return spec;
}

Result<ListenSpec> ParseTcpListenAddress(const std::string& text, std::string_view option) {
  Result<ListenSpec> spec = ParseListenAddress(text, option);
  if (spec.ok() && spec->kind != ListenSpec::Kind::kTcp) {
    return Status::Error(fmt::format("{} {}: must be a TCP address (PORT, HOST:PORT or [V6]:PORT)", option, text));
  }
  return spec;
}

std::string ListenSpec::Describe() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  std::string host_part = !host ? "*" : family == 6 ? "[" + *host + "]" : *host;
  return fmt::format("{}{}:{}", kind == Kind::kUdp ? "udp:" : "", host_part, port);
}

Result<ListenSpec> ListenSpecFromQuery(const nlohmann::json& q) {
  ListenSpec spec;
  if (!q.is_object()) return Status::Error("queryServer is not an object", EINVAL);
  auto fd = q.find("fd");
  if (fd != q.end() && fd->is_number() && fd->get<int>() >= 0) {
    return Status::Error("listen({fd}) is not supported under cohort", ENOTSUP);
  }
  auto addr_type = q.find("addressType");
  auto address = q.find("address");
  if (address != q.end() && !address->is_null() && !address->is_string()) {
    return Status::Error("queryServer: address is not a string", EINVAL);
  }
  std::optional<std::string> host;
  if (address != q.end() && address->is_string()) host = address->get<std::string>();
  if (auto b = q.find("backlog"); b != q.end() && b->is_number_integer() && b->get<int>() > 0) {
    spec.backlog = b->get<int>();
  }
  if (auto v = q.find("ipv6Only"); v != q.end() && v->is_boolean()) spec.ipv6_only = v->get<bool>();
  if (addr_type != q.end() && addr_type->is_string()) {
    std::string t = addr_type->get<std::string>();
    if (t != "udp4" && t != "udp6") return Status::Error("queryServer: unknown addressType " + t, EINVAL);
    spec.kind = ListenSpec::Kind::kUdp;
    spec.family = t == "udp6" ? 6 : 4;
    auto flags = q.find("flags");  // dgram's UV_UDP_REUSEADDR is 4
    spec.reuse_addr = flags != q.end() && flags->is_number_integer() && (flags->get<int>() & 4);
  } else if (addr_type != q.end() && addr_type->is_number_integer() && addr_type->get<int>() == -1) {
    spec.kind = ListenSpec::Kind::kUnix;
    if (!host || host->empty()) return Status::Error("queryServer: pipe without a path", EINVAL);
    spec.path = *host;
    if (auto v = q.find("readableAll"); v != q.end() && v->is_boolean()) spec.readable_all = v->get<bool>();
    if (auto v = q.find("writableAll"); v != q.end() && v->is_boolean()) spec.writable_all = v->get<bool>();
    return spec;
  } else if (addr_type != q.end() && addr_type->is_number_integer() &&
             (addr_type->get<int>() == 4 || addr_type->get<int>() == 6)) {
    spec.family = addr_type->get<int>();
  } else {
    return Status::Error("queryServer: missing or unknown addressType", EINVAL);
  }
  auto port = q.find("port");
  if (port == q.end() || !port->is_number_integer() || port->get<int64_t>() < 0 ||
      port->get<int64_t>() > 65535) {
    return Status::Error("queryServer: port must be 0..65535", EINVAL);
  }
  spec.port = port->get<int>();
  spec.host = host;
  if (host && host->find(':') != std::string::npos) spec.family = 6;
  return spec;
}

Result<UniqueFd> BindListener(const ListenSpec& spec) {
  if (spec.kind == ListenSpec::Kind::kUnix) return BindUnix(spec);
  if (spec.host) return BindInet(spec, spec.family, *spec.host);
  // Any address: dual-stack "::" like Node, 0.0.0.0 where IPv6 is unavailable.
  auto fd = BindInet(spec, 6, "::");
  if (fd.ok() || fd.status().sys_errno() == EADDRINUSE) return fd;
  return BindInet(spec, 4, "0.0.0.0");
}

nlohmann::json SocknameJson(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return nullptr;
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    return {{"address", buf}, {"family", "IPv6"}, {"port", ntohs(a->sin6_port)}};
  }
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    return {{"address", buf}, {"family", "IPv4"}, {"port", ntohs(a->sin_port)}};
  }
  return nullptr;
}

}  // namespace cohort
