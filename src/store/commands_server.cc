// Server commands: INFO, CONFIG, COMMAND, TIME, FLUSHDB/FLUSHALL, DEBUG,
// SAVE/BGSAVE/BGREWRITEAOF, SHUTDOWN.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/store.h"

namespace cohort::store {

extern const std::string_view kRedisVersion;

namespace {

std::string Human(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{}B", bytes);
  if (bytes < (1ULL << 20)) return fmt::format("{:.2f}K", static_cast<double>(bytes) / 1024);
  if (bytes < (1ULL << 30)) return fmt::format("{:.2f}M", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{:.2f}G", static_cast<double>(bytes) / (1 << 30));
}

std::string_view PolicyName(EvictionPolicy p) {
  switch (p) {
    case EvictionPolicy::kNoEviction: return "noeviction";
    case EvictionPolicy::kAllKeysLru: return "allkeys-lru";
    case EvictionPolicy::kAllKeysLfu: return "allkeys-lfu";
    case EvictionPolicy::kVolatileLru: return "volatile-lru";
    case EvictionPolicy::kVolatileLfu: return "volatile-lfu";
    case EvictionPolicy::kVolatileRandom: return "volatile-random";
    case EvictionPolicy::kAllKeysRandom: return "allkeys-random";
    case EvictionPolicy::kVolatileTtl: return "volatile-ttl";
  }
  return "noeviction";
}

uint64_t RssBytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string InfoSection(Store& s, std::string_view name) {
  std::string out;
  auto line = [&](std::string_view k, const auto& v) { out += fmt::format("{}:{}\r\n", k, v); };
  int64_t uptime = (s.now() - static_cast<int64_t>(s.start_ms())) / 1000;
  if (name == "server") {
    out += "# Server\r\n";
    line("redis_version", kRedisVersion);
    line("redis_mode", "standalone");
    line("cohort_store", COHORT_VERSION);
    line("os", "Linux");
    line("arch_bits", 64);
    line("multiplexing_api", "epoll");
    line("process_id", getpid());
    line("tcp_port", s.config().port);
    line("uptime_in_seconds", uptime);
    line("uptime_in_days", uptime / 86400);
    line("hz", s.config().hz);
    line("executable", "cohort");
    line("config_file", "");
  } else if (name == "clients") {
    size_t blocked = 0, pubsub = 0;
    for (const auto& [id, c] : s.clients()) {
      blocked += c->blocked;
      pubsub += c->subscriptions() > 0;
    }
    out += "# Clients\r\n";
    line("connected_clients", s.clients().size());
    line("maxclients", s.config().maxclients);
    line("blocked_clients", blocked);
    line("pubsub_clients", pubsub);
  } else if (name == "memory") {
    uint64_t used = s.used_memory(), rss = RssBytes();
    out += "# Memory\r\n";
    line("used_memory", used);
    line("used_memory_human", Human(used));
    line("used_memory_rss", rss);
    line("used_memory_rss_human", Human(rss));
    line("maxmemory", s.config().maxmemory);
    line("maxmemory_human", Human(s.config().maxmemory));
    line("maxmemory_policy", PolicyName(s.config().policy));
    line("mem_fragmentation_ratio", fmt::format("{:.2f}", used == 0 ? 0.0 : static_cast<double>(rss) / used));
    line("mem_allocator", "libc");
  } else if (name == "persistence") {
    out += "# Persistence\r\n";
    line("loading", s.loading ? 1 : 0);
    line("rdb_changes_since_last_save", s.stats().dirty);
    if (s.info_persistence) out += s.info_persistence();
  } else if (name == "stats") {
    out += "# Stats\r\n";
    line("total_connections_received", s.stats().connections);
    line("total_commands_processed", s.stats().commands);
    line("total_net_input_bytes", s.stats().net_input_bytes);
    line("total_net_output_bytes", s.stats().net_output_bytes);
    line("rejected_connections", s.stats().rejected_connections);
    line("expired_keys", s.stats().expired_keys);
    line("evicted_keys", s.stats().evicted_keys);
    line("keyspace_hits", s.stats().keyspace_hits);
    line("keyspace_misses", s.stats().keyspace_misses);
    line("pubsub_channels", s.channel_subscribers().size());
    line("pubsub_patterns", s.pattern_count());
  } else if (name == "replication") {
    out += "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n";
  } else if (name == "cpu") {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    out += "# CPU\r\n";
    line("used_cpu_sys", fmt::format("{}.{:06}", ru.ru_stime.tv_sec, ru.ru_stime.tv_usec));
    line("used_cpu_user", fmt::format("{}.{:06}", ru.ru_utime.tv_sec, ru.ru_utime.tv_usec));
  } else if (name == "commandstats") {
    out += "# Commandstats\r\n";
    std::map<std::string_view, const Command*> sorted;
    for (const auto& [name, cmd] : s.commands().all()) {
      if (cmd.calls > 0) sorted[name] = &cmd;
    }
    for (const auto& [name, cmd] : sorted) {
      out += fmt::format("cmdstat_{}:calls={},usec={},usec_per_call={:.2f}\r\n", name, cmd->calls, cmd->usec,
                         static_cast<double>(cmd->usec) / static_cast<double>(cmd->calls));
    }
  } else if (name == "keyspace") {
    out += "# Keyspace\r\n";
    for (int i = 0; i < s.db_count(); ++i) {
      if (s.db(i).size() == 0) continue;
      out += fmt::format("db{}:keys={},expires={},avg_ttl=0\r\n", i, s.db(i).size(), s.db(i).volatile_count());
    }
  }
  return out;
}

void Info(CommandContext& c) {
  static const std::vector<std::string_view> kDefault = {"server", "clients", "memory", "persistence",
                                                         "stats",  "replication", "cpu", "keyspace"};
  std::vector<std::string_view> sections;
  for (size_t i = 1; i < c.argc(); ++i) {
    std::string s = Lower(c.arg(i));
    if (s == "all" || s == "everything") {
      sections = kDefault;
      sections.insert(sections.begin() + 7, "commandstats");
      break;
    }
    if (s == "default") {
      sections = kDefault;
      break;
    }
    for (std::string_view k : {"server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                               "keyspace", "commandstats"}) {
      if (k == s) sections.push_back(k);
    }
  }
  if (c.argc() == 1) sections = kDefault;
  std::string out;
  for (auto s : sections) {
    if (!out.empty()) out += "\r\n";
    out += InfoSection(c.store, s);
  }
  c.reply.Verbatim(out);
}

std::optional<uint64_t> ParseMemory(std::string_view s) {
  std::string lower = ToLower(s);
  uint64_t mult = 1;
  for (auto [suffix, m] : {std::pair<std::string_view, uint64_t>{"gb", 1ULL << 30}, {"mb", 1ULL << 20},
                           {"kb", 1ULL << 10}, {"g", 1000000000ULL}, {"m", 1000000ULL}, {"k", 1000ULL},
                           {"b", 1ULL}}) {
    if (lower.size() > suffix.size() && lower.ends_with(suffix)) {
      mult = m;
      lower.resize(lower.size() - suffix.size());
      break;
    }
  }
  auto v = ParseInt64(lower);
  if (!v || *v < 0) return std::nullopt;
  return static_cast<uint64_t>(*v) * mult;
}

std::optional<EvictionPolicy> ParsePolicy(std::string_view s) {
  std::string p = ToLower(s);
  if (p == "noeviction") return EvictionPolicy::kNoEviction;
  if (p == "allkeys-lru") return EvictionPolicy::kAllKeysLru;
  if (p == "allkeys-lfu") return EvictionPolicy::kAllKeysLfu;
  if (p == "volatile-lru") return EvictionPolicy::kVolatileLru;
  if (p == "volatile-lfu") return EvictionPolicy::kVolatileLfu;
  if (p == "volatile-random") return EvictionPolicy::kVolatileRandom;
  if (p == "allkeys-random") return EvictionPolicy::kAllKeysRandom;
  if (p == "volatile-ttl") return EvictionPolicy::kVolatileTtl;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ConfigValues(Store& s) {
  const StoreConfig& c = s.config();
  return {{"maxmemory", std::to_string(c.maxmemory)},
          {"maxmemory-policy", std::string(PolicyName(c.policy))},
          {"maxmemory-samples", "5"},
          {"appendonly", c.appendonly},
          {"appendfsync", c.appendfsync},
          {"appendfilename", "appendonly.aof"},
          {"dir", c.dir},
          {"bind", c.bind},
          {"port", std::to_string(c.port)},
          {"requirepass", c.requirepass},
          {"databases", std::to_string(c.databases)},
          {"maxclients", std::to_string(c.maxclients)},
          {"timeout", std::to_string(c.timeout)},
          {"hz", std::to_string(c.hz)},
          {"notify-keyspace-events", c.notify_keyspace_events},
          {"save", ""},
          {"lfu-log-factor", std::to_string(c.lfu_log_factor)},
          {"proto-max-bulk-len", "536870912"},
          {"protected-mode", "yes"},
          {"lua-time-limit", "5000"},
          {"busy-reply-threshold", "5000"}};
}

// Applies one CONFIG SET pair; returns an error message or "".
std::string ConfigSetOne(Store& s, std::string_view name, std::string_view value) {
  StoreConfig& c = s.config();
  std::string n = ToLower(name);
  auto bad = [&] { return fmt::format("ERR CONFIG SET failed (possibly related to argument '{}') - argument couldn't be parsed into an integer", n); };
  if (n == "maxmemory") {
    auto v = ParseMemory(value);
    if (!v) return bad();
    c.maxmemory = *v;
  } else if (n == "maxmemory-policy") {
    auto p = ParsePolicy(value);
    if (!p) return fmt::format("ERR CONFIG SET failed (possibly related to argument '{}') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction", n);
    c.policy = *p;
  } else if (n == "appendfsync") {
    std::string v = ToLower(value);
    if (v != "always" && v != "everysec" && v != "no") {
      return fmt::format("ERR CONFIG SET failed (possibly related to argument '{}') - argument(s) must be one of the following: always, everysec, no", n);
    }
    c.appendfsync = v;
  } else if (n == "requirepass") {
    c.requirepass = std::string(value);
  } else if (n == "timeout" || n == "hz" || n == "maxclients" || n == "lfu-log-factor") {
    auto v = ParseInt64(value);
    if (!v || *v < 0) return bad();
    if (n == "timeout") c.timeout = *v;
    if (n == "hz") c.hz = std::clamp<int64_t>(*v, 1, 500);
    if (n == "maxclients") c.maxclients = *v;
    if (n == "lfu-log-factor") c.lfu_log_factor = *v;
  } else if (n == "notify-keyspace-events") {
    c.notify_keyspace_events = std::string(value);
  } else if (n == "save" || n == "maxmemory-samples" || n == "lua-time-limit" || n == "busy-reply-threshold" ||
             n == "protected-mode") {
    // Accepted for compatibility; the store has no RDB snapshots or sampling knob.
  } else {
    for (const auto& [k, v] : ConfigValues(s)) {
      if (k == n) return fmt::format("ERR CONFIG SET failed (possibly related to argument '{}') - can't set immutable config", n);
    }
    return fmt::format("ERR Unknown option or number of arguments for CONFIG SET - '{}'", name);
  }
  return "";
}

void Config(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "get" && c.argc() >= 3) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : ConfigValues(c.store)) {
      for (size_t i = 2; i < c.argc(); ++i) {
        if (GlobMatch(c.arg(i), kv.first, true)) {
          out.push_back(kv);
          break;
        }
      }
    }
    c.reply.Map(static_cast<int64_t>(out.size()));
    for (const auto& [k, v] : out) {
      c.reply.Bulk(k);
      c.reply.Bulk(v);
    }
    return;
  }
  if (sub == "set" && c.argc() >= 4 && c.argc() % 2 == 0) {
    for (size_t i = 2; i < c.argc(); i += 2) {
      std::string err = ConfigSetOne(c.store, c.arg(i), c.arg(i + 1));
      if (!err.empty()) return c.reply.Error(err);
    }
    return c.reply.Ok();
  }
  if (sub == "resetstat" && c.argc() == 2) {
    auto& st = c.store.stats();
    uint64_t dirty = st.dirty;
    st = StoreStats{};
    st.dirty = dirty;
    for (const auto& [name, cmd] : c.store.commands().all()) cmd.calls = cmd.usec = 0;
    return c.reply.Ok();
  }
  if (sub == "rewrite" && c.argc() == 2) return c.reply.Error("ERR The server is running without a config file");
  ReplySubcommandError(c, "config", {"get", "set", "resetstat", "rewrite"});
}

void CommandInfoEntry(CommandContext& c, const Command& cmd) {
  c.reply.Array(10);
  c.reply.Bulk(cmd.name);
  c.reply.Int(cmd.arity);
  std::vector<std::string_view> flags;
  if (cmd.flags & kWrite) flags.push_back("write");
  if (cmd.flags & kReadOnly) flags.push_back("readonly");
  if (cmd.flags & kDenyOom) flags.push_back("denyoom");
  if (cmd.flags & kAdmin) flags.push_back("admin");
  if (cmd.flags & kPubSub) flags.push_back("pubsub");
  if (cmd.flags & kNoScript) flags.push_back("noscript");
  if (cmd.flags & kBlocking) flags.push_back("blocking");
  if (cmd.flags & kLoading) flags.push_back("loading");
  if (cmd.flags & kStale) flags.push_back("stale");
  if (cmd.flags & kFast) flags.push_back("fast");
  if (cmd.flags & kNoAuth) flags.push_back("no_auth");
  c.reply.Set(static_cast<int64_t>(flags.size()));
  for (auto f : flags) c.reply.Simple(f);
  c.reply.Int(cmd.first_key);
  c.reply.Int(cmd.last_key);
  c.reply.Int(cmd.step);
  c.reply.Set(0);
  c.reply.Set(0);
  c.reply.Array(0);
  c.reply.Array(0);
}

void CommandCmd(CommandContext& c) {
  const auto& all = c.store.commands().all();
  std::string sub = c.argc() >= 2 ? Lower(c.arg(1)) : "";
  if (c.argc() == 1) {
    c.reply.Array(static_cast<int64_t>(all.size()));
    for (const auto& [name, cmd] : all) CommandInfoEntry(c, cmd);
    return;
  }
  if (sub == "count" && c.argc() == 2) return c.reply.Int(static_cast<int64_t>(all.size()));
  if (sub == "list") {
    c.reply.Array(static_cast<int64_t>(all.size()));
    for (const auto& [name, cmd] : all) c.reply.Bulk(name);
    return;
  }
  if (sub == "info") {
    if (c.argc() == 2) {
      c.reply.Array(static_cast<int64_t>(all.size()));
      for (const auto& [name, cmd] : all) CommandInfoEntry(c, cmd);
      return;
    }
    c.reply.Array(static_cast<int64_t>(c.argc() - 2));
    for (size_t i = 2; i < c.argc(); ++i) {
      const Command* cmd = c.store.commands().Find(c.arg(i));
      cmd == nullptr ? c.reply.NullArray() : CommandInfoEntry(c, *cmd);
    }
    return;
  }
  if (sub == "docs") {
    std::vector<const Command*> list;
    if (c.argc() == 2) {
      for (const auto& [name, cmd] : all) list.push_back(&cmd);
    } else {
      for (size_t i = 2; i < c.argc(); ++i) {
        if (const Command* cmd = c.store.commands().Find(c.arg(i))) list.push_back(cmd);
      }
    }
    c.reply.Map(static_cast<int64_t>(list.size()));
    for (const Command* cmd : list) {
      c.reply.Bulk(cmd->name);
      c.reply.Map(2);
      c.reply.Bulk("summary");
      c.reply.Bulk("");
      c.reply.Bulk("group");
      c.reply.Bulk(cmd->group);
    }
    return;
  }
  ReplySubcommandError(c, "command", {"count"});
}

void Time(CommandContext& c) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(us / 1000000));
  c.reply.Bulk(std::to_string(us % 1000000));
}

bool ParseFlushMode(CommandContext& c) {
  if (c.argc() > 2) {
    c.reply.Error(kErrSyntax);
    return false;
  }
  if (c.argc() == 2 && !EqualsIgnoreCase(c.arg(1), "ASYNC") && !EqualsIgnoreCase(c.arg(1), "SYNC")) {
    c.reply.Error(kErrSyntax);
    return false;
  }
  return true;
}

void FlushDb(CommandContext& c) {
  if (!ParseFlushMode(c)) return;
  c.db.Clear();
  c.store.InvalidateWatchers(c.client.db);
  c.db.Modified("");
  c.reply.Ok();
}

void FlushAll(CommandContext& c) {
  if (!ParseFlushMode(c)) return;
  for (int i = 0; i < c.store.db_count(); ++i) {
    c.store.db(i).Clear();
    c.store.InvalidateWatchers(i);
  }
  c.db.Modified("");
  c.reply.Ok();
}

void Debug(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "sleep" && c.argc() == 3) {
    auto v = ParseDouble(c.arg(2));
    if (!v) return c.reply.Error(kErrNotFloat);
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(*v * 1e6)));
    return c.reply.Ok();
  }
  if (sub == "object" && c.argc() == 3) {
    Entry* e = c.db.Find(c.arg(2), c.now_ms);
    if (e == nullptr) return c.reply.Error(kErrNoKey);
    return c.reply.Simple(fmt::format("Value at:{} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
                                      static_cast<const void*>(e), e->type == Type::kString ? "embstr" : "hashtable",
                                      e->type == Type::kString ? e->string_value().size() : 0, e->lru,
                                      std::max<int64_t>(0, c.now_ms / 1000 - e->lru)));
  }
  if (sub == "set-active-expire" && c.argc() == 3) return c.reply.Ok();
  ReplySubcommandError(c, "debug", {"sleep", "object", "set-active-expire"});
}

void Persistence(CommandContext& c) {
  if (!c.store.persistence_command) return c.reply.Error("ERR persistence is not enabled");
  std::string r = c.store.persistence_command(Lower(c.arg(0)));
  if (!r.empty() && r[0] == '-') return c.reply.Error(r.substr(1));
  if (!r.empty() && r[0] == ':') return c.reply.Int(std::stoll(r.substr(1)));
  c.reply.Simple(r);
}

void Shutdown(CommandContext& c) {
  if (!c.store.shutdown) return c.reply.Error("ERR shutdown is not available");
  c.store.shutdown();
  c.reply.Ok();
  c.client.close_after_reply = true;
}

void MemoryCmd(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "usage" && c.argc() >= 3) {
    Entry* e = c.db.Find(c.arg(2), c.now_ms);
    if (e == nullptr) return c.reply.Null();
    int64_t n = static_cast<int64_t>(sizeof(Entry) + e->key().size());
    if (e->type == Type::kString && e->inline_len == Entry::kHeap) n += static_cast<int64_t>(e->v.str->capacity() + 32);
    return c.reply.Int(n);
  }
  ReplySubcommandError(c, "memory", {"usage"});
}

}  // namespace

void RegisterServerCommands(CommandTable& t) {
  t.Add({"info", -1, kLoading | kStale, 0, 0, 0, Info, "server"});
  t.Add({"config", -2, kContainer | kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, Config, "server"});
  t.Add({"command", -1, kContainer | kLoading | kStale, 0, 0, 0, CommandCmd, "server"});
  t.Add({"time", 1, kLoading | kStale | kFast, 0, 0, 0, Time, "server"});
  t.Add({"flushdb", -1, kWrite, 0, 0, 0, FlushDb, "server"});
  t.Add({"flushall", -1, kWrite, 0, 0, 0, FlushAll, "server"});
  t.Add({"debug", -2, kContainer | kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, Debug, "server"});
  t.Add({"save", 1, kAdmin | kNoScript, 0, 0, 0, Persistence, "server"});
  t.Add({"bgsave", -1, kAdmin | kNoScript, 0, 0, 0, Persistence, "server"});
  t.Add({"bgrewriteaof", 1, kAdmin | kNoScript, 0, 0, 0, Persistence, "server"});
  t.Add({"lastsave", 1, kLoading | kStale | kFast, 0, 0, 0, Persistence, "server"});
  t.Add({"shutdown", -1, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, Shutdown, "server"});
  t.Add({"memory", -2, kContainer | kReadOnly, 0, 0, 0, MemoryCmd, "server"});
}

}  // namespace cohort::store
