// Client: what the store knows about one connection, independent of I/O.
//
// The server fills `out` by running commands; the store may also append to
// other clients' `out` (pub/sub, unblocking) and then calls Store::wake so the
// server flushes them. Owned by the server; lives on the store's loop.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "store/reply.h"

namespace cohort::store {

struct BlockedState {
  std::vector<std::string> command;  // the command to retry when a key is ready
  std::vector<std::string> keys;
  int64_t deadline_ms = 0;           // 0 = forever
};

struct Client {
  explicit Client(uint64_t id_) : id(id_), reply(out) {}
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  uint64_t id;
  std::string out;  // replies not yet written
  Reply reply;      // writes into out
  std::string name, lib_name, lib_ver;
  std::string addr = "?", laddr = "?";
  int fd = -1;
  int db = 0;
  bool authenticated = false;
  bool close_after_reply = false;
  bool no_evict = false;
  int64_t created_ms = 0, last_ms = 0;
  std::string_view last_command = "NULL";  // a command table name (static for the store's life)

  // MULTI/EXEC
  bool in_multi = false;
  bool multi_error = false;  // a command failed to queue: EXEC aborts
  bool dirty_cas = false;    // a WATCHed key changed
  std::vector<std::vector<std::string>> queued;
  std::vector<std::pair<int, std::string>> watched;  // (db, key)

  // Pub/Sub
  std::set<std::string> channels, patterns;
  size_t subscriptions() const { return channels.size() + patterns.size(); }

  bool blocked = false;
  BlockedState block;
};

}  // namespace cohort::store
