// The PROXY protocol header (haproxy's proxy-protocol.txt, v1 text and v2
// binary) that a proxy puts before a connection's bytes to name the real
// client. cohort reads it only from --trust-proxy peers and removes it before
// the worker sees the connection (a Node app would not understand it).
// Pure parsing of the first bytes; no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "ip_address.h"

namespace cohort {

struct ProxyHeader {
  enum class Outcome {
    kNeedMore,  // a prefix of a header: read more bytes
    kNone,      // the bytes do not start with a PROXY header
    kInvalid,   // starts like one but is malformed
    kOk,
  };
  Outcome outcome = Outcome::kNone;
  size_t length = 0;                // bytes the header takes (kOk)
  std::optional<IpAddress> source;  // the client; none for LOCAL / UNKNOWN / unix
};

ProxyHeader ParseProxyHeader(std::string_view bytes);

}  // namespace cohort
