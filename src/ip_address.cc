#include "ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace cohort {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

IpAddress FromV4(const void* four) {
  IpAddress a;
  std::memcpy(a.bytes.data(), kV4MappedPrefix.data(), 12);
  std::memcpy(a.bytes.data() + 12, four, 4);
  return a;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IpAddress::is_v4() const { return std::memcmp(bytes.data(), kV4MappedPrefix.data(), 12) == 0; }

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    ::inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char raw[16];
  if (::inet_pton(AF_INET, buf, raw) == 1) return FromV4(raw);
  IpAddress a;
  if (::inet_pton(AF_INET6, buf, a.bytes.data()) == 1) return a;
  return std::nullopt;
}

std::optional<IpAddress> IpFromSockaddr(const sockaddr* sa, socklen_t len) {
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    return FromV4(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    IpAddress a;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

std::optional<IpAddress> PeerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
  return IpFromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

Result<AddressSet> AddressSet::Parse(std::string_view text) {
  AddressSet set;
  if (Trim(text).empty()) return Status::Error("empty address list");
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view entry = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry == "loopback") {
      set.blocks_.push_back({*ParseIpAddress("127.0.0.0"), 96 + 8});
      set.blocks_.push_back({*ParseIpAddress("::1"), 128});
      continue;
    }
    std::string_view addr = entry, prefix_text;
    if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
      addr = entry.substr(0, slash);
      prefix_text = entry.substr(slash + 1);
    }
    std::optional<IpAddress> a = ParseIpAddress(addr);
    if (!a) return Status::Error(fmt::format("'{}' is not an IP address or CIDR block", entry));
    int max = a->is_v4() ? 32 : 128;
    int prefix = max;
    if (!prefix_text.empty() || addr.size() != entry.size()) {
      auto [end, ec] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
      if (ec != std::errc() || end != prefix_text.data() + prefix_text.size() || prefix < 0 || prefix > max) {
        return Status::Error(fmt::format("'{}': the prefix length must be 0..{}", entry, max));
      }
    }
    set.blocks_.push_back({*a, a->is_v4() ? prefix + 96 : prefix});
  }
  return set;
}

bool AddressSet::Contains(const IpAddress& a) const {
  for (const Block& b : blocks_) {
    int full = b.prefix / 8, rest = b.prefix % 8;
    if (std::memcmp(a.bytes.data(), b.base.bytes.data(), full) != 0) continue;
    if (rest) {
      uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((a.bytes[full] & mask) != (b.base.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace cohort
