#include "store/store.h"

#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__)
#define COHORT_ASAN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COHORT_ASAN_ALLOCATOR 1
#endif
#endif
#ifdef COHORT_ASAN_ALLOCATOR
// ASan replaces malloc, so mallinfo2 sees nothing: ask its allocator. (Declared
// here: GCC ships the runtime function but not compiler-rt's header.)
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "store/args.h"

namespace cohort::store {
namespace {
// Redis's arity: > 0 exactly that many arguments (with the name), < 0 at least -arity.
bool ArityOk(const Command& cmd, size_t argc) {
  int n = static_cast<int>(argc);
  return cmd.arity > 0 ? n == cmd.arity : n >= -cmd.arity;
}
}  // namespace

Store::Store(StoreConfig config, Clock clock)
    : config_(std::move(config)), clock_(std::move(clock)), rng_(std::random_device{}()) {
  start_ms_ = clock_();
  for (int i = 0; i < config_.databases; ++i) {
    dbs_.push_back(std::make_unique<Database>());
    dbs_.back()->on_modified = [this, i](std::string_view key) { OnModified(i, key); };
    dbs_.back()->on_expired = [this](std::string_view) { ++stats_.expired_keys; };
  }
}

Store::~Store() = default;

Scripting& Store::scripting() {
  if (!scripting_) scripting_ = std::make_unique<Scripting>(*this);
  return *scripting_;
}

void Store::AddClient(Client& c) {
  clients_[c.id] = &c;
  c.authenticated = config_.requirepass.empty();
  c.created_ms = c.last_ms = now();
  ++stats_.connections;
}

void Store::RemoveClient(Client& c) {
  for (const auto& ch : std::vector<std::string>(c.channels.begin(), c.channels.end())) Unsubscribe(c, ch, false);
  for (const auto& p : std::vector<std::string>(c.patterns.begin(), c.patterns.end())) Unsubscribe(c, p, true);
  Unwatch(c);
  if (c.blocked) Unblock(c, false);
  clients_.erase(c.id);
}

Client* Store::FindClient(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

void Store::SwapDb(int a, int b) {
  dbs_[static_cast<size_t>(a)]->Swap(*dbs_[static_cast<size_t>(b)]);
  InvalidateWatchers(a);  // as in Redis
  InvalidateWatchers(b);
}

void Store::InvalidateWatchers(int db_index) {
  for (auto& [k, list] : watched_) {
    if (k.first == db_index) {
      for (Client* c : list) c->dirty_cas = true;
    }
  }
}

void Store::OnModified(int db, std::string_view key) {
  ++stats_.dirty;
  if (!watched_.empty()) {
    auto it = watched_.find({db, std::string(key)});
    if (it != watched_.end()) {
      for (Client* c : it->second) c->dirty_cas = true;
    }
  }
  if (!blocked_by_key_.empty() && blocked_by_key_.count({db, std::string(key)}) != 0) {
    ready_keys_.emplace_back(db, std::string(key));
  }
}

void Store::Execute(Client& client, std::span<const std::string_view> args) {
  if (args.empty()) return;
  Reply& r = client.reply;
  client.last_ms = now();
  const Command* cmd = table_.Find(args[0]);
  if (cmd == nullptr) {
    std::string msg = fmt::format("ERR unknown command '{}', with args beginning with: ", args[0].substr(0, 128));
    for (size_t i = 1; i < args.size() && msg.size() < 128 + 64; ++i) {
      msg += fmt::format("'{}' ", args[i].substr(0, 128));
    }
    if (client.in_multi) client.multi_error = true;
    return r.Error(msg);
  }
  client.last_command = cmd->name;
  bool arity_ok = ArityOk(*cmd, args.size());
  if (!arity_ok) {
    if (client.in_multi) client.multi_error = true;
    return r.Error(fmt::format("ERR wrong number of arguments for '{}' command", cmd->name));
  }
  if (!client.authenticated && !(cmd->flags & kNoAuth)) {
    if (client.in_multi) client.multi_error = true;
    return r.Error(kErrNoAuth);
  }
  if (client.in_multi && !(cmd->flags & kNoMulti)) {
    if (cmd->flags & kBlocking) {
      // Blocking commands run non-blocking inside MULTI; queued like others.
    }
    std::vector<std::string> copy(args.begin(), args.end());
    client.queued.push_back(std::move(copy));
    return r.Simple("QUEUED");
  }
  if (client.subscriptions() > 0 && r.protocol() < 3 && !(cmd->flags & kPubSubContext)) {
    std::string name = cmd->name;
    if ((cmd->flags & kContainer) && args.size() > 1) name += "|" + ToLower(args[1]);
    return r.Error(fmt::format(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
        "context",
        name));
  }
  if ((cmd->flags & kDenyOom) && config_.maxmemory != 0 && !FreeMemoryIfNeeded()) {
    return r.Error("OOM command not allowed when used memory > 'maxmemory'.");
  }
  Call(*cmd, client, args, false);
}

void Store::ExecuteDirect(Client& client, std::span<const std::string_view> args, bool from_script) {
  const Command* cmd = table_.Find(args[0]);
  if (cmd == nullptr) {
    return client.reply.Error(fmt::format("ERR unknown command '{}'", args[0].substr(0, 128)));
  }
  bool arity_ok = ArityOk(*cmd, args.size());
  if (!arity_ok) return client.reply.Error(fmt::format("ERR wrong number of arguments for '{}' command", cmd->name));
  Call(*cmd, client, args, from_script);
}

void Store::Call(const Command& cmd, Client& client, std::span<const std::string_view> args, bool from_script) {
  // Timing every call costs two clock reads; sample one in 16 and scale.
  bool timed = (++timing_counter_ & 15) == 0;
  auto started = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
  uint64_t dirty_before = stats_.dirty;
  CommandContext ctx{*this, client, args, client.reply, db(client.db), now(), from_script, {}, false};
  ++executing_depth_;
  cmd.handler(ctx);
  --executing_depth_;
  ++stats_.commands;
  ++cmd.calls;
  if (timed) {
    cmd.usec += 16 * static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::steady_clock::now() - started)
                                               .count());
  }
  bool changed = stats_.dirty != dirty_before;
  if (changed && propagate && !loading && !ctx.suppress_propagation && (cmd.flags & kWrite)) {
    if (ctx.rewritten.empty()) {
      propagate(client.db, args);
    } else {
      for (const auto& c : ctx.rewritten) {
        std::vector<std::string_view> v(c.begin(), c.end());
        propagate(client.db, v);
      }
    }
  }
  if (changed && config_.maxmemory != 0) ++writes_since_memory_check_;
  if (executing_depth_ == 0 && !ready_keys_.empty()) ServeReadyKeys();
}

void Store::PropagateAsOneTransaction(const std::function<void()>& body) {
  auto outer = propagate;
  if (!outer) return body();
  std::vector<std::pair<int, std::vector<std::string>>> writes;
  propagate = [&writes](int db, std::span<const std::string_view> args) {
    writes.emplace_back(db, std::vector<std::string>(args.begin(), args.end()));
  };
  body();
  propagate = outer;
  if (writes.empty()) return;
  std::string_view multi[] = {"MULTI"};
  outer(writes.front().first, multi);
  for (const auto& [db, args] : writes) {
    std::vector<std::string_view> v(args.begin(), args.end());
    outer(db, v);
  }
  std::string_view exec[] = {"EXEC"};
  outer(writes.back().first, exec);
}

// --- Pub/Sub -----------------------------------------------------------------

void Store::Deliver(Client& c, std::string_view kind, std::string_view pattern, std::string_view channel,
                    std::string_view message) {
  Reply& r = c.reply;
  r.Push(pattern.empty() ? 3 : 4);
  r.Bulk(kind);
  if (!pattern.empty()) r.Bulk(pattern);
  r.Bulk(channel);
  r.Bulk(message);
  if (wake) wake(c);
}

int64_t Store::Publish(std::string_view channel, std::string_view message) {
  int64_t n = 0;
  auto it = channels_.find(std::string(channel));
  if (it != channels_.end()) {
    for (Client* c : it->second) {
      Deliver(*c, "message", "", channel, message);
      ++n;
    }
  }
  for (auto& [pattern, list] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    for (Client* c : list) {
      Deliver(*c, "pmessage", pattern, channel, message);
      ++n;
    }
  }
  return n;
}

void Store::Subscribe(Client& c, std::string_view channel, bool pattern) {
  auto& set = pattern ? c.patterns : c.channels;
  if (set.insert(std::string(channel)).second) {
    (pattern ? patterns_ : channels_)[std::string(channel)].push_back(&c);
  }
}

bool Store::Unsubscribe(Client& c, std::string_view channel, bool pattern) {
  auto& set = pattern ? c.patterns : c.channels;
  auto found = set.find(std::string(channel));
  if (found == set.end()) return false;
  set.erase(found);
  auto& registry = pattern ? patterns_ : channels_;
  auto it = registry.find(std::string(channel));
  if (it != registry.end()) {
    std::erase(it->second, &c);
    if (it->second.empty()) registry.erase(it);
  }
  return true;
}

// --- WATCH -------------------------------------------------------------------

void Store::Watch(Client& c, int db_index, std::string_view key) {
  std::pair<int, std::string> k{db_index, std::string(key)};
  for (const auto& w : c.watched) {
    if (w == k) return;
  }
  c.watched.push_back(k);
  watched_[k].push_back(&c);
}

void Store::Unwatch(Client& c) {
  for (const auto& k : c.watched) {
    auto it = watched_.find(k);
    if (it == watched_.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) watched_.erase(it);
  }
  c.watched.clear();
  c.dirty_cas = false;
}

// --- Blocking ----------------------------------------------------------------

void Store::Block(Client& c, std::vector<std::string> command, std::vector<std::string> keys, int64_t deadline_ms) {
  c.blocked = true;
  ++blocked_count_;
  c.block.command = std::move(command);
  c.block.keys = std::move(keys);
  c.block.deadline_ms = deadline_ms;
  for (const auto& k : c.block.keys) blocked_by_key_[{c.db, k}].push_back(&c);
}

void Store::Unblock(Client& c, bool timed_out) {
  for (const auto& k : c.block.keys) {
    auto it = blocked_by_key_.find({c.db, k});
    if (it == blocked_by_key_.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) blocked_by_key_.erase(it);
  }
  c.blocked = false;
  --blocked_count_;
  c.block = {};
  if (timed_out) {
    c.reply.NullArray();
    if (wake) wake(c);
  }
}

void Store::ServeReadyKeys() {
  // Serving a client may push to other keys (BLMOVE), so loop until quiet.
  for (int round = 0; round < 1000 && !ready_keys_.empty(); ++round) {
    auto ready = std::move(ready_keys_);
    ready_keys_.clear();
    for (const auto& key : ready) {
      auto it = blocked_by_key_.find(key);
      if (it == blocked_by_key_.end()) continue;
      // FIFO: the client blocked first is served first.
      std::vector<Client*> waiting = it->second;
      for (Client* c : waiting) {
        if (!c->blocked) continue;
        std::vector<std::string> command = c->block.command;
        size_t before = c->out.size();
        Unblock(*c, false);
        std::vector<std::string_view> args(command.begin(), command.end());
        const Command* cmd = table_.Find(args[0]);
        Call(*cmd, *c, args, false);
        if (c->out.size() != before && wake) wake(*c);
      }
    }
  }
}

int64_t Store::NextBlockDeadline() const {
  int64_t next = 0;
  if (blocked_count_ == 0) return 0;
  for (const auto& [id, c] : clients_) {
    if (c->blocked && c->block.deadline_ms != 0 && (next == 0 || c->block.deadline_ms < next)) {
      next = c->block.deadline_ms;
    }
  }
  return next;
}

// --- Periodic work -----------------------------------------------------------

void Store::Cron() {
  if (cached_now_ != 0) RefreshClock();
  int64_t t = now();
  for (auto& d : dbs_) {
    // Redis's active expire: sample 20 volatile keys; repeat while > 25% were expired.
    for (int i = 0; i < 16; ++i) {
      size_t sampled = 0;
      size_t deleted = d->ExpireSome(t, 20, &sampled);
      if (sampled == 0 || deleted * 4 <= sampled) break;
    }
    // Move a keyspace resize along between commands: about 1 ms per cron
    // run (Redis's dictRehashMilliseconds), so an idle store finishes too.
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    while (d->Rehash(128) && std::chrono::steady_clock::now() < until) {
    }
  }
  std::vector<Client*> timed_out;
  if (blocked_count_ != 0) {
    for (const auto& [id, c] : clients_) {
      if (c->blocked && c->block.deadline_ms != 0 && c->block.deadline_ms <= t) timed_out.push_back(c);
    }
  }
  for (Client* c : timed_out) Unblock(*c, true);
  used_memory_cache_ = 0;
  if (config_.maxmemory != 0) FreeMemoryIfNeeded();
}

uint64_t Store::used_memory() {
  if (used_memory_cache_ == 0 || writes_since_memory_check_ > 64) {
#ifdef COHORT_ASAN_ALLOCATOR
    used_memory_cache_ = __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    used_memory_cache_ = mi.uordblks + mi.hblkhd;
#endif
    writes_since_memory_check_ = 0;
  }
  return used_memory_cache_;
}

bool Store::FreeMemoryIfNeeded() {
  if (config_.maxmemory == 0 || used_memory() <= config_.maxmemory) return true;
  if (config_.policy == EvictionPolicy::kNoEviction) return false;
  // Evict in batches, re-reading the allocator's figure after each batch.
  for (int batch = 0; batch < 1000; ++batch) {
    bool evicted = false;
    for (int i = 0; i < 64; ++i) {
      Database* best_db = nullptr;
      Entry* best = nullptr;
      int64_t best_score = 0;
      for (auto& d : dbs_) {
        bool volatile_only = config_.policy == EvictionPolicy::kVolatileLru ||
                             config_.policy == EvictionPolicy::kVolatileLfu ||
                             config_.policy == EvictionPolicy::kVolatileRandom ||
                             config_.policy == EvictionPolicy::kVolatileTtl;
        for (int s = 0; s < 5; ++s) {  // maxmemory-samples 5
          Entry* e = volatile_only ? d->RandomVolatile() : d->RandomEntry();
          if (e == nullptr) break;
          int64_t score = 0;  // lower = evict first
          switch (config_.policy) {
            case EvictionPolicy::kAllKeysLfu:
            case EvictionPolicy::kVolatileLfu: score = e->lfu; break;
            case EvictionPolicy::kVolatileTtl: score = e->expire_at; break;
            case EvictionPolicy::kAllKeysRandom:
            case EvictionPolicy::kVolatileRandom: score = 0; break;
            default: score = e->lru; break;
          }
          if (best == nullptr || score < best_score) {
            best = e;
            best_db = d.get();
            best_score = score;
          }
        }
      }
      if (best == nullptr) break;
      std::string key(best->key());
      best_db->Delete(key);
      best_db->Modified(key);
      ++stats_.evicted_keys;
      evicted = true;
    }
    used_memory_cache_ = 0;
    if (used_memory() <= config_.maxmemory) return true;
    if (!evicted) return false;
  }
  return used_memory() <= config_.maxmemory;
}

}  // namespace cohort::store
