// redis:// URLs for --store: parsing, and a reachability check at start so a
// store that is down is reported before any worker starts.
#pragma once

#include <string>

#include "status.h"

namespace cohort {

struct StoreUrl {
  std::string host;
  int port = 6379;
  int db = 0;
  bool tls = false;  // rediss://
};

// redis://[user[:password]@]host[:port][/db]; IPv6 hosts in brackets.
Result<StoreUrl> ParseStoreUrl(const std::string& url);
// Connects (TCP, timeout_ms) and closes; an error says why it failed.
Status CheckStoreReachable(const StoreUrl& url, int timeout_ms = 2000);

}  // namespace cohort
