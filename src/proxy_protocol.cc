#include "proxy_protocol.h"

#include <cstring>

namespace cohort {
namespace {

using Outcome = ProxyHeader::Outcome;

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr size_t kV1MaxLength = 107;  // including CRLF (spec §2.1)
constexpr std::string_view kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);

ProxyHeader Make(Outcome o, size_t length = 0, std::optional<IpAddress> source = std::nullopt) {
  return ProxyHeader{o, length, source};
}

// "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" or "PROXY UNKNOWN ...\r\n".
ProxyHeader ParseV1(std::string_view bytes) {
  size_t crlf = bytes.substr(0, kV1MaxLength).find("\r\n");
  if (crlf == std::string_view::npos) {
    return bytes.size() >= kV1MaxLength ? Make(Outcome::kInvalid) : Make(Outcome::kNeedMore);
  }
  std::string_view line = bytes.substr(kV1Prefix.size(), crlf - kV1Prefix.size());
  size_t length = crlf + 2;
  std::string_view fields[5];
  int n = 0;
  while (!line.empty() && n < 5) {
    size_t sp = line.find(' ');
    fields[n++] = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  }
  if (n >= 1 && fields[0] == "UNKNOWN") return Make(Outcome::kOk, length);
  if (n != 5 || !line.empty() || (fields[0] != "TCP4" && fields[0] != "TCP6")) return Make(Outcome::kInvalid);
  std::optional<IpAddress> src = ParseIpAddress(fields[1]);
  if (!src || !ParseIpAddress(fields[2]) || src->is_v4() != (fields[0] == "TCP4")) return Make(Outcome::kInvalid);
  for (std::string_view port : {fields[3], fields[4]}) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return Make(Outcome::kInvalid);
    }
  }
  return Make(Outcome::kOk, length, src);
}

ProxyHeader ParseV2(std::string_view bytes) {
  if (bytes.size() < 16) return Make(Outcome::kNeedMore);
  auto u8 = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  uint8_t version = u8(12) >> 4, command = u8(12) & 0x0f;
  if (version != 2 || command > 1) return Make(Outcome::kInvalid);
  size_t length = 16 + (size_t{u8(14)} << 8 | u8(15));
  if (bytes.size() < length) return Make(Outcome::kNeedMore);
  if (command == 0) return Make(Outcome::kOk, length);  // LOCAL: the proxy's own connection
  uint8_t family = u8(13) >> 4;
  std::string_view addrs = bytes.substr(16, length - 16);
  IpAddress src;
  if (family == 1) {  // AF_INET: src, dst, sport, dport
    if (addrs.size() < 12) return Make(Outcome::kInvalid);
    src = *ParseIpAddress("0.0.0.0");
    std::memcpy(src.bytes.data() + 12, addrs.data(), 4);
    return Make(Outcome::kOk, length, src);
  }
  if (family == 2) {  // AF_INET6
    if (addrs.size() < 36) return Make(Outcome::kInvalid);
    std::memcpy(src.bytes.data(), addrs.data(), 16);
    return Make(Outcome::kOk, length, src);
  }
  return Make(Outcome::kOk, length);  // AF_UNSPEC or AF_UNIX: no IP to use
}

}  // namespace

ProxyHeader ParseProxyHeader(std::string_view bytes) {
  size_t n1 = std::min(bytes.size(), kV1Prefix.size());
  if (bytes.substr(0, n1) == kV1Prefix.substr(0, n1)) {
    return bytes.size() < kV1Prefix.size() ? Make(Outcome::kNeedMore) : ParseV1(bytes);
  }
  size_t n2 = std::min(bytes.size(), kV2Signature.size());
  if (bytes.substr(0, n2) == kV2Signature.substr(0, n2)) {
    return bytes.size() < kV2Signature.size() ? Make(Outcome::kNeedMore) : ParseV2(bytes);
  }
  return Make(Outcome::kNone);
}

}  // namespace cohort
