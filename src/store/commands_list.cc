// List commands, including the blocking ones (BLPOP, BRPOP, BLMOVE).
#include <cmath>

#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/store.h"

namespace cohort::store {
namespace {

Entry* ListForWrite(CommandContext& c, std::string_view key) { return LookupOrCreate(c, key, Type::kList); }

void PushGeneric(CommandContext& c, bool left, bool only_existing) {
  if (only_existing) {
    bool wrong;
    Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
    if (wrong) return;
    if (e == nullptr) return c.reply.Int(0);
  }
  Entry* e = ListForWrite(c, c.arg(1));
  if (e == nullptr) return;
  for (size_t i = 2; i < c.argc(); ++i) {
    if (left) {
      e->v.list->emplace_front(c.arg(i));
    } else {
      e->v.list->emplace_back(c.arg(i));
    }
  }
  c.Touch(c.arg(1));
  c.reply.Int(static_cast<int64_t>(e->v.list->size()));
}
void LPush(CommandContext& c) { PushGeneric(c, true, false); }
void RPush(CommandContext& c) { PushGeneric(c, false, false); }
void LPushX(CommandContext& c) { PushGeneric(c, true, true); }
void RPushX(CommandContext& c) { PushGeneric(c, false, true); }

std::string PopOne(List& l, bool left) {
  std::string v;
  if (left) {
    v = std::move(l.front());
    l.pop_front();
  } else {
    v = std::move(l.back());
    l.pop_back();
  }
  return v;
}

void DeleteIfEmpty(CommandContext& c, Entry* e, std::string_view key) {
  if (e->v.list->empty()) c.db.Delete(key);
}

void PopGeneric(CommandContext& c, bool left) {
  int64_t count = 1;
  bool has_count = c.argc() == 3;
  if (c.argc() > 3) return ReplyArity(c, left ? "lpop" : "rpop");
  if (has_count) {
    auto v = ParseInt64(c.arg(2));
    if (!v || *v < 0) return c.reply.Error("ERR value is out of range, must be positive");
    count = *v;
  }
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return has_count ? c.reply.NullArray() : c.reply.Null();
  if (!has_count) {
    c.reply.Bulk(PopOne(*e->v.list, left));
  } else {
    int64_t n = std::min<int64_t>(count, static_cast<int64_t>(e->v.list->size()));
    c.reply.Array(n);
    for (int64_t i = 0; i < n; ++i) c.reply.Bulk(PopOne(*e->v.list, left));
    if (n == 0) return;
  }
  DeleteIfEmpty(c, e, c.arg(1));
  c.Touch(c.arg(1));
}
void LPop(CommandContext& c) { PopGeneric(c, true); }
void RPop(CommandContext& c) { PopGeneric(c, false); }

void LLen(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  c.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->v.list->size()));
}

// Clamps [start, end] (negative from the end) to the list; false if empty.
bool ClampRange(int64_t len, int64_t& start, int64_t& end) {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return false;
  if (end >= len) end = len - 1;
  return true;
}

void LRange(CommandContext& c) {
  auto s = ParseInt64(c.arg(2)), t = ParseInt64(c.arg(3));
  if (!s || !t) return c.reply.Error(kErrNotInt);
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  int64_t start = *s, end = *t;
  if (e == nullptr || !ClampRange(static_cast<int64_t>(e->v.list->size()), start, end)) return c.reply.Array(0);
  c.reply.Array(end - start + 1);
  auto it = e->v.list->begin() + start;
  for (int64_t i = start; i <= end; ++i, ++it) c.reply.Bulk(*it);
}

void LIndex(CommandContext& c) {
  auto idx = ParseInt64(c.arg(2));
  if (!idx) return c.reply.Error(kErrNotInt);
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Null();
  int64_t len = static_cast<int64_t>(e->v.list->size()), i = *idx < 0 ? *idx + len : *idx;
  if (i < 0 || i >= len) return c.reply.Null();
  c.reply.Bulk((*e->v.list)[static_cast<size_t>(i)]);
}

void LSet(CommandContext& c) {
  auto idx = ParseInt64(c.arg(2));
  if (!idx) return c.reply.Error(kErrNotInt);
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Error(kErrNoKey);
  int64_t len = static_cast<int64_t>(e->v.list->size()), i = *idx < 0 ? *idx + len : *idx;
  if (i < 0 || i >= len) return c.reply.Error(kErrIndex);
  (*e->v.list)[static_cast<size_t>(i)] = std::string(c.arg(3));
  c.Touch(c.arg(1));
  c.reply.Ok();
}

void LRem(CommandContext& c) {
  auto count = ParseInt64(c.arg(2));
  if (!count) return c.reply.Error(kErrNotInt);
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Int(0);
  List& l = *e->v.list;
  std::string_view value = c.arg(3);
  int64_t removed = 0, limit = *count == 0 ? INT64_MAX : std::llabs(*count);
  if (*count >= 0) {
    for (auto it = l.begin(); it != l.end() && removed < limit;) {
      if (*it == value) {
        it = l.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  } else {
    for (size_t i = l.size(); i > 0 && removed < limit; --i) {
      if (l[i - 1] == value) {
        l.erase(l.begin() + static_cast<std::ptrdiff_t>(i - 1));
        ++removed;
      }
    }
  }
  if (removed > 0) {
    DeleteIfEmpty(c, e, c.arg(1));
    c.Touch(c.arg(1));
  }
  c.reply.Int(removed);
}

void LTrim(CommandContext& c) {
  auto s = ParseInt64(c.arg(2)), t = ParseInt64(c.arg(3));
  if (!s || !t) return c.reply.Error(kErrNotInt);
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Ok();
  List& l = *e->v.list;
  int64_t start = *s, end = *t;
  if (!ClampRange(static_cast<int64_t>(l.size()), start, end)) {
    l.clear();
  } else {
    l.erase(l.begin() + end + 1, l.end());
    l.erase(l.begin(), l.begin() + start);
  }
  DeleteIfEmpty(c, e, c.arg(1));
  c.Touch(c.arg(1));
  c.reply.Ok();
}

// LPOS key element [RANK rank] [COUNT num] [MAXLEN len]
void LPos(CommandContext& c) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < c.argc(); i += 2) {
    if (i + 1 >= c.argc()) return c.reply.Error(kErrSyntax);
    auto v = ParseInt64(c.arg(i + 1));
    if (!v) return c.reply.Error(kErrNotInt);
    std::string_view opt = c.arg(i);
    if (EqualsIgnoreCase(opt, "RANK")) {
      if (*v == 0 || *v == INT64_MIN) {
        return c.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to "
            "start from the end of the list");
      }
      rank = *v;
    } else if (EqualsIgnoreCase(opt, "COUNT")) {
      if (*v < 0) return c.reply.Error("ERR COUNT can't be negative");
      count = *v;
    } else if (EqualsIgnoreCase(opt, "MAXLEN")) {
      if (*v < 0) return c.reply.Error("ERR MAXLEN can't be negative");
      maxlen = *v;
    } else {
      return c.reply.Error(kErrSyntax);
    }
  }
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  std::vector<int64_t> found;
  if (e != nullptr) {
    const List& l = *e->v.list;
    int64_t len = static_cast<int64_t>(l.size()), skip = std::llabs(rank) - 1;
    int64_t want = count == -1 ? 1 : (count == 0 ? INT64_MAX : count);
    for (int64_t step = 0; step < len && (maxlen == 0 || step < maxlen); ++step) {
      int64_t i = rank > 0 ? step : len - 1 - step;
      if (l[static_cast<size_t>(i)] != c.arg(2)) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      found.push_back(i);
      if (static_cast<int64_t>(found.size()) >= want) break;
    }
  }
  if (count == -1) return found.empty() ? c.reply.Null() : c.reply.Int(found[0]);
  c.reply.Array(static_cast<int64_t>(found.size()));
  for (int64_t i : found) c.reply.Int(i);
}

void LInsert(CommandContext& c) {
  bool before = EqualsIgnoreCase(c.arg(2), "BEFORE");
  if (!before && !EqualsIgnoreCase(c.arg(2), "AFTER")) return c.reply.Error(kErrSyntax);
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Int(0);
  List& l = *e->v.list;
  for (auto it = l.begin(); it != l.end(); ++it) {
    if (*it == c.arg(3)) {
      l.insert(before ? it : it + 1, std::string(c.arg(4)));
      c.Touch(c.arg(1));
      return c.reply.Int(static_cast<int64_t>(l.size()));
    }
  }
  c.reply.Int(-1);
}

bool ParseWhere(std::string_view s, bool* left) {
  if (EqualsIgnoreCase(s, "LEFT")) *left = true;
  else if (EqualsIgnoreCase(s, "RIGHT")) *left = false;
  else return false;
  return true;
}

// Moves one element; false (no reply) if the source is empty or missing.
bool MoveOne(CommandContext& c, std::string_view src, std::string_view dst, bool from_left, bool to_left) {
  bool wrong;
  Entry* s = LookupTyped(c, src, Type::kList, &wrong);
  if (wrong) return true;
  if (s == nullptr) return false;
  Entry* d = c.db.Find(dst, c.now_ms);
  if (d != nullptr && d->type != Type::kList) {
    c.reply.Error(kErrWrongType);
    return true;
  }
  std::string v = PopOne(*s->v.list, from_left);
  std::string src_key(src);
  DeleteIfEmpty(c, s, src_key);
  c.Touch(src_key);
  Entry* t = ListForWrite(c, dst);
  to_left ? t->v.list->push_front(v) : t->v.list->push_back(v);
  c.Touch(dst);
  c.Propagate({"LMOVE", src_key, std::string(dst), from_left ? "LEFT" : "RIGHT", to_left ? "LEFT" : "RIGHT"});
  c.reply.Bulk(v);
  return true;
}

void LMove(CommandContext& c) {
  bool from_left, to_left;
  if (!ParseWhere(c.arg(3), &from_left) || !ParseWhere(c.arg(4), &to_left)) return c.reply.Error(kErrSyntax);
  if (!MoveOne(c, c.arg(1), c.arg(2), from_left, to_left)) c.reply.Null();
}

void RPopLPush(CommandContext& c) {
  if (!MoveOne(c, c.arg(1), c.arg(2), false, true)) c.reply.Null();
}

// Parses a blocking timeout in seconds (may be fractional) into an absolute deadline (0 = forever).
bool ParseTimeout(CommandContext& c, std::string_view s, int64_t* deadline) {
  auto v = ParseDouble(s);
  if (!v || std::isinf(*v) || *v > 1e15) {
    c.reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  if (*v < 0) {
    c.reply.Error("ERR timeout is negative");
    return false;
  }
  int64_t ms = static_cast<int64_t>(*v * 1000);
  *deadline = ms == 0 ? 0 : c.now_ms + ms;
  return true;
}

bool CanBlock(CommandContext& c) { return !c.client.in_multi && !c.from_script && !c.store.loading; }

std::vector<std::string> ArgsCopy(CommandContext& c) { return {c.args.begin(), c.args.end()}; }

void BPopGeneric(CommandContext& c, bool left) {
  int64_t deadline;
  if (!ParseTimeout(c, c.arg(c.argc() - 1), &deadline)) return;
  for (size_t i = 1; i + 1 < c.argc(); ++i) {
    bool wrong;
    Entry* e = LookupTyped(c, c.arg(i), Type::kList, &wrong);
    if (wrong) return;
    if (e == nullptr) continue;
    c.reply.Array(2);
    c.reply.Bulk(c.arg(i));
    c.reply.Bulk(PopOne(*e->v.list, left));
    std::string key(c.arg(i));
    DeleteIfEmpty(c, e, key);
    c.Touch(key);
    c.Propagate({left ? "LPOP" : "RPOP", key});
    return;
  }
  if (!CanBlock(c)) return c.reply.NullArray();
  std::vector<std::string> keys(c.args.begin() + 1, c.args.end() - 1);
  c.store.Block(c.client, ArgsCopy(c), std::move(keys), deadline);
}
void BLPop(CommandContext& c) { BPopGeneric(c, true); }
void BRPop(CommandContext& c) { BPopGeneric(c, false); }

void BMoveGeneric(CommandContext& c, bool from_left, bool to_left, std::string_view timeout) {
  int64_t deadline;
  if (!ParseTimeout(c, timeout, &deadline)) return;
  if (MoveOne(c, c.arg(1), c.arg(2), from_left, to_left)) return;
  if (!CanBlock(c)) return c.reply.Null();
  c.store.Block(c.client, ArgsCopy(c), {std::string(c.arg(1))}, deadline);
}
void BLMove(CommandContext& c) {
  bool from_left, to_left;
  if (!ParseWhere(c.arg(3), &from_left) || !ParseWhere(c.arg(4), &to_left)) return c.reply.Error(kErrSyntax);
  BMoveGeneric(c, from_left, to_left, c.arg(5));
}
void BRPopLPush(CommandContext& c) { BMoveGeneric(c, false, true, c.arg(3)); }

}  // namespace

void RegisterListCommands(CommandTable& t) {
  t.Add({"lpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPush, "list"});
  t.Add({"rpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPush, "list"});
  t.Add({"lpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPushX, "list"});
  t.Add({"rpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPushX, "list"});
  t.Add({"lpop", -2, kWrite | kFast, 1, 1, 1, LPop, "list"});
  t.Add({"rpop", -2, kWrite | kFast, 1, 1, 1, RPop, "list"});
  t.Add({"llen", 2, kReadOnly | kFast, 1, 1, 1, LLen, "list"});
  t.Add({"lrange", 4, kReadOnly, 1, 1, 1, LRange, "list"});
  t.Add({"lindex", 3, kReadOnly, 1, 1, 1, LIndex, "list"});
  t.Add({"lset", 4, kWrite | kDenyOom, 1, 1, 1, LSet, "list"});
  t.Add({"lrem", 4, kWrite, 1, 1, 1, LRem, "list"});
  t.Add({"ltrim", 4, kWrite, 1, 1, 1, LTrim, "list"});
  t.Add({"lpos", -3, kReadOnly, 1, 1, 1, LPos, "list"});
  t.Add({"linsert", 5, kWrite | kDenyOom, 1, 1, 1, LInsert, "list"});
  t.Add({"lmove", 5, kWrite | kDenyOom, 1, 2, 1, LMove, "list"});
  t.Add({"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, RPopLPush, "list"});
  t.Add({"blpop", -3, kWrite | kBlocking | kNoScript, 1, -2, 1, BLPop, "list"});
  t.Add({"brpop", -3, kWrite | kBlocking | kNoScript, 1, -2, 1, BRPop, "list"});
  t.Add({"blmove", 6, kWrite | kDenyOom | kBlocking | kNoScript, 1, 2, 1, BLMove, "list"});
  t.Add({"brpoplpush", 4, kWrite | kDenyOom | kBlocking | kNoScript, 1, 2, 1, BRPopLPush, "list"});
}

}  // namespace cohort::store
