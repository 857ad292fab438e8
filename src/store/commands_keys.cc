// Generic key commands: DEL, EXISTS, TTLs, RENAME, SCAN, OBJECT, ...
#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/scan_args.h"
#include "store/store.h"

namespace cohort::store {
namespace {

std::string Str(int64_t v) { return std::to_string(v); }

void Del(CommandContext& c) {
  int64_t n = 0;
  for (size_t i = 1; i < c.argc(); ++i) {
    if (c.db.Find(c.arg(i), c.now_ms) != nullptr && c.db.Delete(c.arg(i))) {
      c.Touch(c.arg(i));
      ++n;
    }
  }
  c.reply.Int(n);
}

void Exists(CommandContext& c) {
  int64_t n = 0;
  for (size_t i = 1; i < c.argc(); ++i) n += c.db.Find(c.arg(i), c.now_ms) != nullptr;
  c.reply.Int(n);
}

void Touch(CommandContext& c) {
  int64_t n = 0;
  for (size_t i = 1; i < c.argc(); ++i) {
    if (Entry* e = c.db.Find(c.arg(i), c.now_ms)) {
      e->lru = static_cast<uint32_t>(c.now_ms / 1000);
      ++n;
    }
  }
  c.reply.Int(n);
}

void TypeCmd(CommandContext& c) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  c.reply.Simple(e == nullptr ? "none" : TypeName(e->type));
}

// EXPIRE key n [NX|XX|GT|LT], unit and base given by the command.
void ExpireGeneric(CommandContext& c, bool seconds, bool relative, std::string_view name) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    if (EqualsIgnoreCase(a, "NX")) nx = true;
    else if (EqualsIgnoreCase(a, "XX")) xx = true;
    else if (EqualsIgnoreCase(a, "GT")) gt = true;
    else if (EqualsIgnoreCase(a, "LT")) lt = true;
    else return c.reply.Error(fmt::format("ERR Unsupported option {}", a));
  }
  if (nx && (xx || gt || lt)) {
    return c.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (gt && lt) return c.reply.Error("ERR GT and LT options at the same time are not compatible");
  auto v = ParseInt64(c.arg(2));
  if (!v) return c.reply.Error(kErrNotInt);
  int64_t when = *v;
  auto invalid = [&] { c.reply.Error(fmt::format("ERR invalid expire time in '{}' command", name)); };
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) return invalid();
    when *= 1000;
  }
  if (relative) {
    if ((when > 0 && c.now_ms > INT64_MAX - when)) return invalid();
    when += c.now_ms;
  }
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  if (e == nullptr) return c.reply.Int(0);
  int64_t current = e->expire_at;  // 0 = persistent, i.e. infinite
  if (nx && current != 0) return c.reply.Int(0);
  if (xx && current == 0) return c.reply.Int(0);
  if (gt && (current == 0 || when <= current)) return c.reply.Int(0);
  if (lt && current != 0 && when >= current) return c.reply.Int(0);
  std::string key(c.arg(1));
  if (when <= c.now_ms) {
    c.db.Delete(key);
    c.Touch(key);
    c.Propagate({"DEL", key});
    return c.reply.Int(1);
  }
  c.db.SetExpire(e, when);
  c.Touch(key);
  c.Propagate({"PEXPIREAT", key, Str(when)});
  c.reply.Int(1);
}
void Expire(CommandContext& c) { ExpireGeneric(c, true, true, "expire"); }
void PExpire(CommandContext& c) { ExpireGeneric(c, false, true, "pexpire"); }
void ExpireAt(CommandContext& c) { ExpireGeneric(c, true, false, "expireat"); }
void PExpireAt(CommandContext& c) { ExpireGeneric(c, false, false, "pexpireat"); }

void TtlGeneric(CommandContext& c, bool ms, bool absolute) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  if (e == nullptr) return c.reply.Int(-2);
  if (e->expire_at == 0) return c.reply.Int(-1);
  if (absolute) return c.reply.Int(ms ? e->expire_at : e->expire_at / 1000);
  int64_t left = std::max<int64_t>(0, e->expire_at - c.now_ms);
  c.reply.Int(ms ? left : (left + 500) / 1000);
}
void Ttl(CommandContext& c) { TtlGeneric(c, false, false); }
void PTtl(CommandContext& c) { TtlGeneric(c, true, false); }
void ExpireTime(CommandContext& c) { TtlGeneric(c, false, true); }
void PExpireTime(CommandContext& c) { TtlGeneric(c, true, true); }

void Persist(CommandContext& c) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  if (e == nullptr || e->expire_at == 0) return c.reply.Int(0);
  c.db.SetExpire(e, 0);
  c.Touch(c.arg(1));
  c.reply.Int(1);
}

void RenameGeneric(CommandContext& c, bool nx) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  if (e == nullptr) return c.reply.Error(kErrNoKey);
  std::string from(c.arg(1)), to(c.arg(2));
  if (from == to) return nx ? c.reply.Int(0) : c.reply.Ok();
  if (c.db.Find(to, c.now_ms) != nullptr) {
    if (nx) return c.reply.Int(0);
    c.db.Delete(to);
  }
  c.db.Rename(e, to);
  c.Touch(from);
  c.Touch(to);
  nx ? c.reply.Int(1) : c.reply.Ok();
}
void Rename(CommandContext& c) { RenameGeneric(c, false); }
void RenameNx(CommandContext& c) { RenameGeneric(c, true); }

bool ParseDbIndex(CommandContext& c, std::string_view s, int* out) {
  auto v = ParseInt64(s);
  if (!v) {
    c.reply.Error(kErrNotInt);
    return false;
  }
  if (*v < 0 || *v >= c.store.db_count()) {
    c.reply.Error("ERR DB index is out of range");
    return false;
  }
  *out = static_cast<int>(*v);
  return true;
}

// COPY source destination [DB n] [REPLACE]
void Copy(CommandContext& c) {
  int dst_db = c.client.db;
  bool replace = false;
  for (size_t i = 3; i < c.argc(); ++i) {
    if (EqualsIgnoreCase(c.arg(i), "REPLACE")) {
      replace = true;
    } else if (EqualsIgnoreCase(c.arg(i), "DB") && i + 1 < c.argc()) {
      if (!ParseDbIndex(c, c.arg(++i), &dst_db)) return;
    } else {
      return c.reply.Error(kErrSyntax);
    }
  }
  if (dst_db == c.client.db && c.arg(1) == c.arg(2)) {
    return c.reply.Error("ERR source and destination objects are the same");
  }
  Entry* src = c.db.Find(c.arg(1), c.now_ms);
  if (src == nullptr) return c.reply.Int(0);
  Database& dst = c.store.db(dst_db);
  if (dst.Find(c.arg(2), c.now_ms) != nullptr) {
    if (!replace) return c.reply.Int(0);
    dst.Delete(c.arg(2));
  }
  Entry* copy = NewEntry(c.arg(2));
  CopyValue(src, copy);
  copy->expire_at = src->expire_at;
  dst.Adopt(copy);
  dst.Modified(c.arg(2));
  c.reply.Int(1);
}

void Move(CommandContext& c) {
  int dst_db = 0;
  if (!ParseDbIndex(c, c.arg(2), &dst_db)) return;
  if (dst_db == c.client.db) return c.reply.Error("ERR source and destination objects are the same");
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  Database& dst = c.store.db(dst_db);
  if (e == nullptr || dst.Find(c.arg(1), c.now_ms) != nullptr) return c.reply.Int(0);
  std::string key(c.arg(1));
  dst.Adopt(c.db.Detach(key));
  c.Touch(key);
  dst.Modified(key);
  c.reply.Int(1);
}

void Keys(CommandContext& c) {
  std::string_view pattern = c.arg(1);
  bool all = pattern == "*";
  size_t mark = c.reply.BeginDeferred();
  int64_t n = 0;
  c.db.keys().ForEach([&](const Entry* e) {
    if (c.db.IsExpired(e, c.now_ms)) return;
    if (all || GlobMatch(pattern, e->key())) {
      c.reply.Bulk(e->key());
      ++n;
    }
  });
  c.reply.EndDeferredArray(mark, n);
}

void RandomKey(CommandContext& c) {
  for (int tries = 0; tries < 100; ++tries) {
    Entry* e = c.db.RandomEntry();
    if (e == nullptr) break;
    if (!c.db.IsExpired(e, c.now_ms)) return c.reply.Bulk(e->key());
  }
  c.reply.Null();
}

void DbSize(CommandContext& c) { c.reply.Int(static_cast<int64_t>(c.db.size())); }

}  // namespace

bool ParseScanArgs(CommandContext& c, size_t first, bool allow_type, uint64_t* cursor, std::string_view* match,
                   int64_t* count, std::string_view* type) {
  std::string_view cs = c.arg(first);
  uint64_t cur = 0;
  if (cs.empty() || cs.size() > 20) {
    c.reply.Error("ERR invalid cursor");
    return false;
  }
  for (char ch : cs) {
    if (ch < '0' || ch > '9') {
      c.reply.Error("ERR invalid cursor");
      return false;
    }
    cur = cur * 10 + static_cast<uint64_t>(ch - '0');
  }
  *cursor = cur;
  *count = 10;
  for (size_t i = first + 1; i < c.argc(); i += 2) {
    if (i + 1 >= c.argc()) {
      c.reply.Error(kErrSyntax);
      return false;
    }
    std::string_view opt = c.arg(i);
    if (EqualsIgnoreCase(opt, "MATCH")) {
      *match = c.arg(i + 1);
    } else if (EqualsIgnoreCase(opt, "COUNT")) {
      auto n = ParseInt64(c.arg(i + 1));
      if (!n) {
        c.reply.Error(kErrNotInt);
        return false;
      }
      if (*n < 1) {
        c.reply.Error(kErrSyntax);
        return false;
      }
      *count = *n;
    } else if (allow_type && EqualsIgnoreCase(opt, "TYPE")) {
      *type = c.arg(i + 1);
    } else {
      c.reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

namespace {
void Scan(CommandContext& c) {
  uint64_t cursor;
  std::string_view match, type;
  int64_t count;
  if (!ParseScanArgs(c, 1, true, &cursor, &match, &count, &type)) return;
  std::vector<std::string> keys;
  int64_t iterations = count * 10;
  do {
    cursor = c.db.keys().Scan(cursor, [&](const Entry* e) { keys.emplace_back(e->key()); });
  } while (cursor != 0 && iterations-- > 0 && static_cast<int64_t>(keys.size()) < count);
  std::vector<std::string> out;
  for (auto& k : keys) {
    Entry* e = c.db.Find(k, c.now_ms);
    if (e == nullptr) continue;
    if (!match.empty() && match != "*" && !GlobMatch(match, k)) continue;
    if (!type.empty() && !EqualsIgnoreCase(TypeName(e->type), type)) continue;
    out.push_back(std::move(k));
  }
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(cursor));
  c.reply.Array(static_cast<int64_t>(out.size()));
  for (const auto& k : out) c.reply.Bulk(k);
}

}  // namespace

std::string_view EncodingOf(const Entry* e) {
  switch (e->type) {
    case Type::kString: {
      std::string_view s = e->string_value();
      if (s.size() <= 20 && ParseInt64(s)) return "int";
      return s.size() <= 44 ? "embstr" : "raw";
    }
    case Type::kList: return "quicklist";  // 7.0 has no listpack lists
    case Type::kHash: {
      if (e->v.fields->size() > 128) return "hashtable";
      bool small = true;
      e->v.fields->ForEach([&](const FieldNode* n) {
        if (n->field.size() > 64 || n->value.size() > 64) small = false;
      });
      return small ? "listpack" : "hashtable";
    }
    case Type::kSet: {
      if (e->v.fields->size() > 512) return "hashtable";
      bool ints = true;
      e->v.fields->ForEach([&](const FieldNode* n) {
        if (!ParseInt64(n->field)) ints = false;
      });
      return ints ? "intset" : "hashtable";
    }
    case Type::kZSet: {
      if (e->v.zset->size() > 128) return "skiplist";
      bool small = true;
      e->v.zset->members().ForEach([&](const FieldNode* n) {
        if (n->field.size() > 64) small = false;
      });
      return small ? "listpack" : "skiplist";
    }
  }
  return "unknown";
}

namespace {

void Object(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "help") {
    c.reply.Array(5);
    c.reply.Simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    c.reply.Simple("ENCODING <key>");
    c.reply.Simple("FREQ <key>");
    c.reply.Simple("IDLETIME <key>");
    c.reply.Simple("REFCOUNT <key>");
    return;
  }
  if (c.argc() != 3 || (sub != "encoding" && sub != "freq" && sub != "idletime" && sub != "refcount")) {
    return ReplySubcommandError(c, "object", {"encoding", "freq", "idletime", "refcount"});
  }
  Entry* e = c.db.Find(c.arg(2), c.now_ms);
  if (e == nullptr) return c.reply.Null();
  if (sub == "encoding") return c.reply.Bulk(EncodingOf(e));
  if (sub == "refcount") return c.reply.Int(1);
  bool lfu = c.store.config().policy == EvictionPolicy::kAllKeysLfu ||
             c.store.config().policy == EvictionPolicy::kVolatileLfu;
  if (sub == "freq") {
    if (!lfu) {
      return c.reply.Error(
          "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
          "between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    return c.reply.Int(e->lfu);
  }
  if (lfu) {
    return c.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
        "policies at runtime LRU and LFU data will take some time to adjust.");
  }
  c.reply.Int(std::max<int64_t>(0, c.now_ms / 1000 - e->lru));
}

}  // namespace

void RegisterKeyCommands(CommandTable& t) {
  t.Add({"del", -2, kWrite, 1, -1, 1, Del, "generic"});
  t.Add({"unlink", -2, kWrite | kFast, 1, -1, 1, Del, "generic"});
  t.Add({"exists", -2, kReadOnly | kFast, 1, -1, 1, Exists, "generic"});
  t.Add({"touch", -2, kReadOnly | kFast, 1, -1, 1, Touch, "generic"});
  t.Add({"type", 2, kReadOnly | kFast, 1, 1, 1, TypeCmd, "generic"});
  t.Add({"expire", -3, kWrite | kFast, 1, 1, 1, Expire, "generic"});
  t.Add({"pexpire", -3, kWrite | kFast, 1, 1, 1, PExpire, "generic"});
  t.Add({"expireat", -3, kWrite | kFast, 1, 1, 1, ExpireAt, "generic"});
  t.Add({"pexpireat", -3, kWrite | kFast, 1, 1, 1, PExpireAt, "generic"});
  t.Add({"ttl", 2, kReadOnly | kFast, 1, 1, 1, Ttl, "generic"});
  t.Add({"pttl", 2, kReadOnly | kFast, 1, 1, 1, PTtl, "generic"});
  t.Add({"expiretime", 2, kReadOnly | kFast, 1, 1, 1, ExpireTime, "generic"});
  t.Add({"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, PExpireTime, "generic"});
  t.Add({"persist", 2, kWrite | kFast, 1, 1, 1, Persist, "generic"});
  t.Add({"rename", 3, kWrite, 1, 2, 1, Rename, "generic"});
  t.Add({"renamenx", 3, kWrite | kFast, 1, 2, 1, RenameNx, "generic"});
  t.Add({"copy", -3, kWrite | kDenyOom, 1, 2, 1, Copy, "generic"});
  t.Add({"move", 3, kWrite | kFast, 1, 1, 1, Move, "generic"});
  t.Add({"keys", 2, kReadOnly, 0, 0, 0, Keys, "generic"});
  t.Add({"scan", -2, kReadOnly, 0, 0, 0, Scan, "generic"});
  t.Add({"randomkey", 1, kReadOnly, 0, 0, 0, RandomKey, "generic"});
  t.Add({"dbsize", 1, kReadOnly | kFast, 0, 0, 0, DbSize, "server"});
  t.Add({"object", -2, kContainer | kReadOnly, 2, 2, 1, Object, "generic"});
}

}  // namespace cohort::store
