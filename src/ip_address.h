// IpAddress and AddressSet: client addresses as sticky keys, and the list of
// proxies whose X-Forwarded-For / PROXY header cohort believes
// (--trust-proxy).
//
// Every address is kept as 16 bytes; IPv4 is stored IPv4-mapped, so a client
// reaching a dual-stack listener as ::ffff:1.2.3.4 has the same key as one
// reaching 0.0.0.0 as 1.2.3.4. Plain values, no I/O besides getpeername().
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace cohort {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
  bool is_v4() const;
  // "1.2.3.4" or the canonical IPv6 form ("::1").
  std::string ToString() const;
};

// Accepts "1.2.3.4", "::1", "[::1]" and "::ffff:1.2.3.4"; nothing else.
std::optional<IpAddress> ParseIpAddress(std::string_view text);
std::optional<IpAddress> IpFromSockaddr(const sockaddr* sa, socklen_t len);
// The peer of a connected socket; nullopt for unix sockets or on error.
std::optional<IpAddress> PeerAddress(int fd);

class AddressSet {
 public:
  // Comma-separated addresses and CIDR blocks ("127.0.0.1,10.0.0.0/8,::1"),
  // or "loopback" (127.0.0.0/8 and ::1). Errors name the bad entry.
  static Result<AddressSet> Parse(std::string_view text);
  bool Contains(const IpAddress& a) const;
  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    IpAddress base;
    int prefix;  // over the 128-bit (mapped) form
  };
  std::vector<Block> blocks_;
};

}  // namespace cohort
