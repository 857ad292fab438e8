// Store: the Redis-compatible engine, without I/O.
//
// Runs commands for clients, keeps the databases, pub/sub subscriptions,
// WATCHed keys and clients blocked in BLPOP & co. The server (store_server.h)
// owns sockets and Clients and calls Execute for each parsed command; the
// append-only log subscribes to `propagate`. Single-threaded: everything
// runs on the store's loop. Time comes from `clock`, so tests control it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/client.h"
#include "store/command.h"
#include "store/database.h"
#include "store/scripting.h"

namespace cohort::store {

enum class EvictionPolicy {
  kNoEviction, kAllKeysLru, kAllKeysLfu, kAllKeysRandom, kVolatileLru, kVolatileLfu, kVolatileRandom, kVolatileTtl
};

struct StoreConfig {
  int databases = 16;
  std::string requirepass;
  uint64_t maxmemory = 0;  // bytes; 0 = unlimited
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  std::string appendfsync = "always";
  std::string appendonly = "yes";
  std::string dir = ".";
  std::string bind = "127.0.0.1";
  int64_t port = 6380;
  int64_t maxclients = 10000;
  int64_t timeout = 0;
  int64_t hz = 10;
  std::string notify_keyspace_events;
  uint64_t client_output_limit = 256ULL << 20;  // bytes queued for a normal client before it is closed
  uint64_t pubsub_output_limit = 32ULL << 20;
  int64_t lfu_log_factor = 10;
};

struct StoreStats {
  uint64_t commands = 0, connections = 0, rejected_connections = 0;
  uint64_t keyspace_hits = 0, keyspace_misses = 0, expired_keys = 0, evicted_keys = 0;
  uint64_t net_input_bytes = 0, net_output_bytes = 0;
  uint64_t dirty = 0;  // writes since the last save/rewrite
};

class Store {
 public:
  using Clock = std::function<int64_t()>;  // unix ms
  explicit Store(StoreConfig config, Clock clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs one command for the client; its reply goes to client.out.
  void Execute(Client& client, std::span<const std::string_view> args);
  // Runs a command from a script or the AOF loader (no auth, MULTI or pub/sub rules).
  void ExecuteDirect(Client& client, std::span<const std::string_view> args, bool from_script);

  void AddClient(Client& c);
  void RemoveClient(Client& c);  // unsubscribes, unwatches, unblocks
  Client* FindClient(uint64_t id);
  const std::map<uint64_t, Client*>& clients() const { return clients_; }

  // Periodic work (active expiry, blocked timeouts, eviction); call about hz times per second.
  void Cron();
  // The earliest blocked-client deadline (0 = none), for the server's timer.
  int64_t NextBlockDeadline() const;

  // The clock, read once per batch of input when the server calls
  // RefreshClock() (reading it per command was a measurable cost); without
  // that, on every call.
  int64_t now() const { return cached_now_ != 0 ? cached_now_ : clock_(); }
  void RefreshClock() { cached_now_ = clock_(); }
  void SetTime(int64_t unix_ms) { cached_now_ = unix_ms; }
  Database& db(int i) { return *dbs_[static_cast<size_t>(i)]; }
  int db_count() const { return static_cast<int>(dbs_.size()); }
  void SwapDb(int a, int b);
  // Makes every WATCH on a key of this database fail (FLUSHDB, FLUSHALL).
  void InvalidateWatchers(int db);
  StoreConfig& config() { return config_; }
  StoreStats& stats() { return stats_; }
  const CommandTable& commands() const { return table_; }
  std::mt19937_64& rng() { return rng_; }
  uint64_t start_ms() const { return start_ms_; }

  // Pub/Sub: returns the number of clients that received the message.
  int64_t Publish(std::string_view channel, std::string_view message);
  void Subscribe(Client& c, std::string_view channel, bool pattern);
  bool Unsubscribe(Client& c, std::string_view channel, bool pattern);
  const std::map<std::string, std::vector<Client*>>& channel_subscribers() const { return channels_; }
  size_t pattern_count() const { return patterns_.size(); }

  void Watch(Client& c, int db, std::string_view key);
  void Unwatch(Client& c);
  // Blocks the client until one of keys is written or the deadline passes.
  void Block(Client& c, std::vector<std::string> command, std::vector<std::string> keys, int64_t deadline_ms);
  void Unblock(Client& c, bool timed_out);

  // Runs body; the writes it propagates are logged as one MULTI ... EXEC
  // block (EXEC, EVAL), so a torn log never replays half of them.
  void PropagateAsOneTransaction(const std::function<void()>& body);

  // Approximate bytes used by data (from the allocator), refreshed by Cron and writes.
  uint64_t used_memory();
  // Evicts keys per policy until under maxmemory; false if it cannot.
  bool FreeMemoryIfNeeded();

  // Hooks set by the server and the persistence layer.
  std::function<void(Client&)> wake;  // c.out gained data outside its own command
  std::function<void(int db, std::span<const std::string_view> args)> propagate;
  std::function<std::string()> info_persistence;  // INFO persistence section body
  std::function<std::string(std::string_view what)> persistence_command;
  std::function<void()> shutdown;  // SHUTDOWN: the server stops after this reply  // SAVE, BGSAVE, BGREWRITEAOF → reply text or "-ERR ..."

  Scripting& scripting();

  bool loading = false;

 private:
  void Call(const Command& cmd, Client& client, std::span<const std::string_view> args, bool from_script);
  void OnModified(int db, std::string_view key);
  void ServeReadyKeys();
  void Deliver(Client& c, std::string_view kind, std::string_view pattern, std::string_view channel,
               std::string_view message);

  StoreConfig config_;
  Clock clock_;
  StoreStats stats_;
  CommandTable table_;
  std::vector<std::unique_ptr<Database>> dbs_;
  std::unique_ptr<Scripting> scripting_;  // created on first use
  std::map<uint64_t, Client*> clients_;
  std::map<std::string, std::vector<Client*>> channels_;
  std::map<std::string, std::vector<Client*>> patterns_;
  std::map<std::pair<int, std::string>, std::vector<Client*>> watched_;
  std::map<std::pair<int, std::string>, std::vector<Client*>> blocked_by_key_;
  std::vector<std::pair<int, std::string>> ready_keys_;
  std::mt19937_64 rng_;
  int64_t start_ms_;
  uint64_t used_memory_cache_ = 0;
  uint64_t writes_since_memory_check_ = 0;
  int executing_depth_ = 0;
  int64_t cached_now_ = 0;
  size_t blocked_count_ = 0;  // clients in Block(), so idle loops skip the scan
  uint32_t timing_counter_ = 0;  // commandstats time one call in 16
};

}  // namespace cohort::store
