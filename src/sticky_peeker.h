// StickyPeeker: finds each new connection's sticky key before the Balancer
// places it, from its peer address or by peeking at its first bytes
// (MSG_PEEK: the bytes stay for the worker). Waiting is bounded in bytes
// (max_bytes) and time (timeout); a connection that shows no key in time
// (a slow or silent client, garbage, TLS) is placed without one, by the
// fallback scheduler. Nothing here blocks: waiting connections sit in an
// edge-triggered epoll set (level-triggered polling would spin, since peeked
// bytes keep a socket readable).
//
// From a --trust-proxy peer it also reads the client from a PROXY protocol
// header, which it removes (the worker would not understand it), or, for
// --sticky ip, from X-Forwarded-For.
//
// Keys found during a loop iteration are handed on in that iteration's check
// phase, after every channel has been read: a worker's cohort:sticky
// declaration that arrived before a connection then counts for it.
// Runs on the loop thread; owns waiting connections until it hands them on.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ip_address.h"
#include "sticky_key.h"
#include "unique_fd.h"
#include "uv_handle.h"
#include "worker_host.h"

namespace cohort {

class StickyPeeker {
 public:
  struct Options {
    StickySpec spec;
    std::optional<AddressSet> trusted;  // --trust-proxy
    size_t max_bytes = 8192;
    Millis timeout{1000};
    size_t max_pending = 8192;  // past this, the oldest waiting connection goes on without a key
  };
  struct Stats {
    uint64_t keyed = 0;      // handed on with a key
    uint64_t unkeyed = 0;    // without one (no such field, not HTTP, closed)
    uint64_t timed_out = 0;  // without one because the client was too slow (or the set full)
    uint64_t proxied = 0;    // PROXY headers read
  };
  using Decided = std::function<void(UniqueFd conn, std::string sticky_key)>;

  StickyPeeker(uv_loop_t* loop, Options options, Decided decided);
  ~StickyPeeker();
  StickyPeeker(const StickyPeeker&) = delete;
  StickyPeeker& operator=(const StickyPeeker&) = delete;

  void Add(UniqueFd conn);
  size_t waiting() const { return waiting_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  struct Pending {
    UniqueFd fd;
    std::string client;        // the client's address ("" if unknown)
    bool trusted_peer = false;  // a --trust-proxy peer: may send PROXY / X-Forwarded-For
    bool proxy_done = false;
    uint64_t generation = 0;
  };
  struct Deadline {
    int fd;
    uint64_t generation;
    uint64_t at_ms;  // uv_now()
  };
  enum class Step { kDone, kWait };

  Step Evaluate(Pending& p, std::string* key);
  void Wait(Pending p);
  void Finish(int fd, std::string key, bool defer);  // a waiting one is done
  void Hand(UniqueFd fd, std::string key, bool defer);
  void OnEpoll();
  void OnTimer();
  void ArmTimer();

  uv_loop_t* loop_;
  Options opt_;
  Decided decided_;
  UniqueFd epoll_;
  UvHandle<uv_poll_t> poll_;
  UvHandle<uv_timer_t> timer_;
  UvHandle<uv_check_t> check_;
  UvHandle<uv_idle_t> idle_;  // active while ready_ is not empty: the loop must not sleep before check
  std::unordered_map<int, Pending> waiting_;  // by fd
  std::deque<Deadline> deadlines_;            // in time order (one timeout for all)
  std::vector<std::pair<UniqueFd, std::string>> ready_;
  std::vector<char> buf_;
  uint64_t next_generation_ = 1;
  Stats stats_;
};

}  // namespace cohort
