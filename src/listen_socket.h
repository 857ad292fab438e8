// Listening sockets the primary owns for an app's whole life: what a worker's
// listen() asked for (ListenSpec, from Node's queryServer message) and the
// syscalls that create one, with Node's semantics: a null address binds the
// dual-stack "::" (falling back to 0.0.0.0), SO_REUSEADDR on TCP, unix paths
// are not unlinked first (an existing path is EADDRINUSE, as in Node).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "status.h"
#include "unique_fd.h"

namespace cohort {

struct ListenSpec {
  enum class Kind { kTcp, kUnix, kUdp };
  Kind kind = Kind::kTcp;
  std::optional<std::string> host;  // TCP/UDP: the IP; nullopt = any address
  int family = 4;                   // 4 or 6 (TCP/UDP)
  int port = 0;
  std::string path;                 // kUnix
  int backlog = 511;
  bool ipv6_only = false;
  bool readable_all = false, writable_all = false;  // kUnix permissions
  bool reuse_addr = false;                          // kUdp

  // For logs: "*:8080", "127.0.0.1:8080", "[::1]:8080", "unix:/run/app.sock", "udp:*:53".
  std::string Describe() const;
};

Result<ListenSpec> ListenSpecFromQuery(const nlohmann::json& query);
// --listen's forms: "PORT" (every address, dual-stack), "HOST:PORT",
// "[V6]:PORT", "unix:PATH". Errors quote the option and the text.
Result<ListenSpec> ParseListenAddress(const std::string& text, std::string_view option = "--listen");
// The same without unix: (what a TCP client such as a load balancer reaches).
Result<ListenSpec> ParseTcpListenAddress(const std::string& text, std::string_view option);
// Creates, binds and (for streams) listens; CLOEXEC and non-blocking.
Result<UniqueFd> BindListener(const ListenSpec& spec);
// What Node's getsockname() gives: {"address":..., "family":"IPv4"|"IPv6", "port":...}.
nlohmann::json SocknameJson(int fd);

}  // namespace cohort
