// Sticky keys: what identifies a user (--sticky ip | cookie:NAME |
// header:NAME | query:NAME), and reading it from the first bytes of a
// connection without consuming them (design.md §3).
//
// Pure functions over bytes: the StickyPeeker does the I/O. Values are
// compared as sent (no percent-decoding), so a key a worker declares must be
// the value as it appears on the wire (the cookie value from Set-Cookie).
#pragma once

#include <string>
#include <string_view>

#include "ip_address.h"
#include "status.h"

namespace cohort {

struct StickySpec {
  enum class Source { kIp, kCookie, kHeader, kQuery };
  Source source = Source::kIp;
  std::string name;  // cookie, header or query parameter name
  bool NeedsBytes() const { return source != Source::kIp; }
  std::string Describe() const;
};

// "ip", "cookie:connect.sid", "header:X-User-Id", "query:sid".
Result<StickySpec> ParseStickySpec(std::string_view text);

struct KeyScan {
  enum class Outcome {
    kFound,
    kAbsent,    // not HTTP/1.x, or the request head ended without the field
    kNeedMore,  // a prefix of a request head that has not shown the field yet
  };
  Outcome outcome = Outcome::kAbsent;
  std::string key;
};

// The cookie, header or query parameter of `spec` in an HTTP/1.x request
// head that starts `bytes`. Callers bound how long they wait for kNeedMore.
KeyScan ScanStickyField(const StickySpec& spec, std::string_view bytes);

// The client behind trusted proxies from X-Forwarded-For: the right-most
// address not in `trusted` (the first proxy that the trusted ones saw).
// kAbsent if the head has no X-Forwarded-For or it names only trusted
// proxies.
KeyScan ScanForwardedFor(std::string_view bytes, const AddressSet& trusted);

}  // namespace cohort
