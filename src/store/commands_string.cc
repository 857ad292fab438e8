// String commands: GET/SET family, counters, ranges.
#include <cmath>
#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/reply.h"
#include "store/store.h"

namespace cohort::store {
namespace {

constexpr int64_t kMaxStringSize = 512LL * 1024 * 1024;
constexpr std::string_view kErrTooBig = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

std::string Str(int64_t v) { return std::to_string(v); }

// Parses EX/PX/EXAT/PXAT's value into an absolute unix ms; false after replying.
bool AbsoluteExpire(CommandContext& c, std::string_view unit, std::string_view value, std::string_view cmd,
                    int64_t* at) {
  auto v = ParseInt64(value);
  if (!v) {
    c.reply.Error(kErrNotInt);
    return false;
  }
  int64_t n = *v;
  bool seconds = EqualsIgnoreCase(unit, "EX") || EqualsIgnoreCase(unit, "EXAT");
  bool relative = EqualsIgnoreCase(unit, "EX") || EqualsIgnoreCase(unit, "PX");
  if (n <= 0 || (seconds && n > INT64_MAX / 1000)) {
    c.reply.Error(fmt::format("ERR invalid expire time in '{}' command", cmd));
    return false;
  }
  if (seconds) n *= 1000;
  if (relative) {
    if (n > INT64_MAX - c.now_ms) {
      c.reply.Error(fmt::format("ERR invalid expire time in '{}' command", cmd));
      return false;
    }
    n += c.now_ms;
  }
  *at = n;
  return true;
}

void Get(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kString, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Null();
  c.reply.Bulk(e->string_value());
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]
void Set(CommandContext& c) {
  bool nx = false, xx = false, get = false, keepttl = false;
  int64_t expire_at = 0;
  bool has_expire = false;
  for (size_t i = 3; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    bool has_next = i + 1 < c.argc();
    if (EqualsIgnoreCase(a, "NX") && !xx) {
      nx = true;
    } else if (EqualsIgnoreCase(a, "XX") && !nx) {
      xx = true;
    } else if (EqualsIgnoreCase(a, "GET")) {
      get = true;
    } else if (EqualsIgnoreCase(a, "KEEPTTL") && !has_expire) {
      keepttl = true;
    } else if ((EqualsIgnoreCase(a, "EX") || EqualsIgnoreCase(a, "PX") || EqualsIgnoreCase(a, "EXAT") ||
                EqualsIgnoreCase(a, "PXAT")) &&
               !keepttl && !has_expire && has_next) {
      has_expire = true;
      // The value is validated after all flags, as Redis does.
      ++i;
    } else {
      return c.reply.Error(kErrSyntax);
    }
  }
  for (size_t i = 3; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    if (EqualsIgnoreCase(a, "EX") || EqualsIgnoreCase(a, "PX") || EqualsIgnoreCase(a, "EXAT") ||
        EqualsIgnoreCase(a, "PXAT")) {
      if (!AbsoluteExpire(c, a, c.arg(i + 1), "set", &expire_at)) return;
      ++i;
    }
  }
  std::string_view key = c.arg(1);
  Entry* e = c.db.Find(key, c.now_ms);
  if (get) {
    if (e != nullptr && e->type != Type::kString) return c.reply.Error(kErrWrongType);
  }
  std::string old;
  bool had = e != nullptr;
  if (get && had) old = std::string(e->string_value());
  if ((nx && had) || (xx && !had)) {
    if (get) return had ? c.reply.Bulk(old) : c.reply.Null();
    return c.reply.Null();
  }
  if (e == nullptr) e = c.db.Add(key);
  SetStringValue(e, c.arg(2));
  if (!keepttl) c.db.SetExpire(e, has_expire ? expire_at : 0);
  e->lru = static_cast<uint32_t>(c.now_ms / 1000);
  c.Touch(key);
  if (has_expire) {
    c.Propagate({"SET", std::string(key), std::string(c.arg(2)), "PXAT", Str(expire_at)});
  } else if (get) {
    std::vector<std::string> p{"SET", std::string(key), std::string(c.arg(2))};
    if (keepttl) p.push_back("KEEPTTL");
    c.Propagate(std::move(p));
  }
  if (get) return had ? c.reply.Bulk(old) : c.reply.Null();
  c.reply.Ok();
}

void SetWithTtl(CommandContext& c, std::string_view unit, std::string_view name) {
  int64_t at = 0;
  if (!AbsoluteExpire(c, unit, c.arg(2), name, &at)) return;
  Entry* e = c.db.FindOrAdd(c.arg(1), c.now_ms);
  SetStringValue(e, c.arg(3));
  c.db.SetExpire(e, at);
  c.Touch(c.arg(1));
  c.Propagate({"SET", std::string(c.arg(1)), std::string(c.arg(3)), "PXAT", Str(at)});
  c.reply.Ok();
}
void SetEx(CommandContext& c) { SetWithTtl(c, "EX", "setex"); }
void PSetEx(CommandContext& c) { SetWithTtl(c, "PX", "psetex"); }

void SetNx(CommandContext& c) {
  if (c.db.Find(c.arg(1), c.now_ms) != nullptr) return c.reply.Int(0);
  SetStringValue(c.db.FindOrAdd(c.arg(1), c.now_ms), c.arg(2));
  c.Touch(c.arg(1));
  c.reply.Int(1);
}

void GetSet(CommandContext& c) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  if (e != nullptr && e->type != Type::kString) return c.reply.Error(kErrWrongType);
  if (e != nullptr) {
    c.reply.Bulk(e->string_value());
  } else {
    c.reply.Null();
    e = c.db.FindOrAdd(c.arg(1), c.now_ms);
  }
  SetStringValue(e, c.arg(2));
  c.db.SetExpire(e, 0);
  c.Touch(c.arg(1));
}

void GetDel(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kString, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Null();
  c.reply.Bulk(e->string_value());
  c.db.Delete(c.arg(1));
  c.Touch(c.arg(1));
}

// GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]
void GetEx(CommandContext& c) {
  int64_t at = 0;
  bool persist = false, has_expire = false;
  for (size_t i = 2; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    if (EqualsIgnoreCase(a, "PERSIST") && !has_expire && !persist) {
      persist = true;
    } else if ((EqualsIgnoreCase(a, "EX") || EqualsIgnoreCase(a, "PX") || EqualsIgnoreCase(a, "EXAT") ||
                EqualsIgnoreCase(a, "PXAT")) &&
               !persist && !has_expire && i + 1 < c.argc()) {
      if (!AbsoluteExpire(c, a, c.arg(i + 1), "getex", &at)) return;
      has_expire = true;
      ++i;
    } else {
      return c.reply.Error(kErrSyntax);
    }
  }
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kString, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Null();
  c.reply.Bulk(e->string_value());
  if (has_expire) {
    if (at <= c.now_ms) {
      std::string k(c.arg(1));
      c.db.Delete(k);
      c.Touch(k);
      c.Propagate({"DEL", k});
    } else {
      c.db.SetExpire(e, at);
      c.Touch(c.arg(1));
      c.Propagate({"PEXPIREAT", std::string(c.arg(1)), Str(at)});
    }
  } else if (persist && e->expire_at != 0) {
    c.db.SetExpire(e, 0);
    c.Touch(c.arg(1));
    c.Propagate({"PERSIST", std::string(c.arg(1))});
  }
}

void MGet(CommandContext& c) {
  c.reply.Array(static_cast<int64_t>(c.argc() - 1));
  for (size_t i = 1; i < c.argc(); ++i) {
    Entry* e = c.db.Find(c.arg(i), c.now_ms);
    if (e == nullptr || e->type != Type::kString) {
      c.reply.Null();
    } else {
      c.reply.Bulk(e->string_value());
    }
  }
}

void MSetGeneric(CommandContext& c, bool nx) {
  if (c.argc() % 2 != 1) return ReplyArity(c, nx ? "msetnx" : "mset");
  if (nx) {
    for (size_t i = 1; i < c.argc(); i += 2) {
      if (c.db.Find(c.arg(i), c.now_ms) != nullptr) return c.reply.Int(0);
    }
  }
  for (size_t i = 1; i < c.argc(); i += 2) {
    Entry* e = c.db.FindOrAdd(c.arg(i), c.now_ms);
    SetStringValue(e, c.arg(i + 1));
    c.db.SetExpire(e, 0);
    c.Touch(c.arg(i));
  }
  nx ? c.reply.Int(1) : c.reply.Ok();
}
void MSet(CommandContext& c) { MSetGeneric(c, false); }
void MSetNx(CommandContext& c) { MSetGeneric(c, true); }

void IncrBy(CommandContext& c, int64_t by) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  int64_t value = 0;
  if (e != nullptr) {
    if (e->type != Type::kString) return c.reply.Error(kErrWrongType);
    auto v = ParseInt64(e->string_value());
    if (!v) return c.reply.Error(kErrNotInt);
    value = *v;
  }
  if ((by < 0 && value < 0 && by < INT64_MIN - value) || (by > 0 && value > 0 && by > INT64_MAX - value)) {
    return c.reply.Error(kErrOverflow);
  }
  value += by;
  if (e == nullptr) e = c.db.Add(c.arg(1));
  char buf[24];
  auto end = fmt::format_to(buf, "{}", value);
  SetStringValue(e, std::string_view(buf, static_cast<size_t>(end - buf)));
  c.Touch(c.arg(1));
  c.reply.Int(value);
}
void Incr(CommandContext& c) { IncrBy(c, 1); }
void Decr(CommandContext& c) { IncrBy(c, -1); }
void IncrByCmd(CommandContext& c) {
  auto by = ParseInt64(c.arg(2));
  if (!by) return c.reply.Error(kErrNotInt);
  IncrBy(c, *by);
}
void DecrByCmd(CommandContext& c) {
  auto by = ParseInt64(c.arg(2));
  if (!by) return c.reply.Error(kErrNotInt);
  if (*by == INT64_MIN) return c.reply.Error("ERR decrement would overflow");
  IncrBy(c, -*by);
}

void IncrByFloat(CommandContext& c) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  long double value = 0;
  if (e != nullptr) {
    if (e->type != Type::kString) return c.reply.Error(kErrWrongType);
    auto v = ParseLongDouble(e->string_value());
    if (!v) return c.reply.Error(kErrNotFloat);
    value = *v;
  }
  auto by = ParseLongDouble(c.arg(2));
  if (!by) return c.reply.Error(kErrNotFloat);
  value += *by;
  if (std::isnan(value) || std::isinf(value)) return c.reply.Error("ERR increment would produce NaN or Infinity");
  std::string s = FormatLongDouble(value);
  if (e == nullptr) e = c.db.FindOrAdd(c.arg(1), c.now_ms);
  SetStringValue(e, s);
  c.Touch(c.arg(1));
  c.Propagate({"SET", std::string(c.arg(1)), s, "KEEPTTL"});
  c.reply.Bulk(s);
}

void Append(CommandContext& c) {
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  if (e != nullptr && e->type != Type::kString) return c.reply.Error(kErrWrongType);
  if (e == nullptr) {
    e = c.db.FindOrAdd(c.arg(1), c.now_ms);
    SetStringValue(e, c.arg(2));
  } else {
    if (e->string_value().size() + c.arg(2).size() > static_cast<size_t>(kMaxStringSize)) {
      return c.reply.Error(kErrTooBig);
    }
    std::string_view cur = e->string_value();
    if (cur.size() + c.arg(2).size() <= 8) {
      std::string joined = std::string(cur) + std::string(c.arg(2));
      SetStringValue(e, joined);
    } else {
      MutableString(e).append(c.arg(2));
    }
  }
  c.Touch(c.arg(1));
  c.reply.Int(static_cast<int64_t>(e->string_value().size()));
}

void StrLen(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kString, &wrong);
  if (wrong) return;
  c.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->string_value().size()));
}

void GetRange(CommandContext& c) {
  auto start = ParseInt64(c.arg(2)), end = ParseInt64(c.arg(3));
  if (!start || !end) return c.reply.Error(kErrNotInt);
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kString, &wrong);
  if (wrong) return;
  std::string_view s = e == nullptr ? std::string_view() : e->string_value();
  int64_t len = static_cast<int64_t>(s.size());
  int64_t a = *start, b = *end;
  if (a < 0 && b < 0 && a > b) return c.reply.Bulk("");
  if (a < 0) a += len;
  if (b < 0) b += len;
  if (a < 0) a = 0;
  if (b < 0) b = 0;
  if (b >= len) b = len - 1;
  if (len == 0 || a > b) return c.reply.Bulk("");
  c.reply.Bulk(s.substr(static_cast<size_t>(a), static_cast<size_t>(b - a + 1)));
}

void SetRange(CommandContext& c) {
  auto offset = ParseInt64(c.arg(2));
  if (!offset) return c.reply.Error(kErrNotInt);
  if (*offset < 0) return c.reply.Error("ERR offset is out of range");
  std::string_view value = c.arg(3);
  Entry* e = c.db.Find(c.arg(1), c.now_ms);
  if (e != nullptr && e->type != Type::kString) return c.reply.Error(kErrWrongType);
  if (value.empty()) return c.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->string_value().size()));
  if (*offset + static_cast<int64_t>(value.size()) > kMaxStringSize) return c.reply.Error(kErrTooBig);
  if (e == nullptr) e = c.db.FindOrAdd(c.arg(1), c.now_ms);
  std::string s(e->string_value());
  size_t off = static_cast<size_t>(*offset);
  if (s.size() < off + value.size()) s.resize(off + value.size(), '\0');
  s.replace(off, value.size(), value);
  SetStringValue(e, s);
  c.Touch(c.arg(1));
  c.reply.Int(static_cast<int64_t>(s.size()));
}

}  // namespace

void RegisterStringCommands(CommandTable& t) {
  t.Add({"get", 2, kReadOnly | kFast, 1, 1, 1, Get, "string"});
  t.Add({"set", -3, kWrite | kDenyOom, 1, 1, 1, Set, "string"});
  t.Add({"setex", 4, kWrite | kDenyOom, 1, 1, 1, SetEx, "string"});
  t.Add({"psetex", 4, kWrite | kDenyOom, 1, 1, 1, PSetEx, "string"});
  t.Add({"setnx", 3, kWrite | kDenyOom | kFast, 1, 1, 1, SetNx, "string"});
  t.Add({"getset", 3, kWrite | kDenyOom | kFast, 1, 1, 1, GetSet, "string"});
  t.Add({"getdel", 2, kWrite | kFast, 1, 1, 1, GetDel, "string"});
  t.Add({"getex", -2, kWrite | kFast, 1, 1, 1, GetEx, "string"});
  t.Add({"mget", -2, kReadOnly | kFast, 1, -1, 1, MGet, "string"});
  t.Add({"mset", -3, kWrite | kDenyOom, 1, -1, 2, MSet, "string"});
  t.Add({"msetnx", -3, kWrite | kDenyOom, 1, -1, 2, MSetNx, "string"});
  t.Add({"incr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, Incr, "string"});
  t.Add({"decr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, Decr, "string"});
  t.Add({"incrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByCmd, "string"});
  t.Add({"decrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, DecrByCmd, "string"});
  t.Add({"incrbyfloat", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByFloat, "string"});
  t.Add({"append", 3, kWrite | kDenyOom | kFast, 1, 1, 1, Append, "string"});
  t.Add({"strlen", 2, kReadOnly | kFast, 1, 1, 1, StrLen, "string"});
  t.Add({"getrange", 4, kReadOnly, 1, 1, 1, GetRange, "string"});
  t.Add({"substr", 4, kReadOnly, 1, 1, 1, GetRange, "string"});
  t.Add({"setrange", 4, kWrite | kDenyOom, 1, 1, 1, SetRange, "string"});
}

}  // namespace cohort::store
