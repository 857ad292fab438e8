// Sorted set commands.
#include <cmath>

#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/reply.h"
#include "store/scan_args.h"
#include "store/store.h"

namespace cohort::store {
namespace {

constexpr std::string_view kErrMinMax = "ERR min or max is not a float";
constexpr std::string_view kErrLexRange = "ERR min or max not valid string range item";

Entry* ZSetForWrite(CommandContext& c, std::string_view key) { return LookupOrCreate(c, key, Type::kZSet); }

void DeleteIfEmpty(CommandContext& c, Entry* e, std::string_view key) {
  if (e->v.zset->size() == 0) c.db.Delete(key);
}

void ReplyScore(CommandContext& c, double score) { c.reply.Double(score); }

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
void ZAdd(CommandContext& c) {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  size_t i = 2;
  for (; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    if (EqualsIgnoreCase(a, "NX")) nx = true;
    else if (EqualsIgnoreCase(a, "XX")) xx = true;
    else if (EqualsIgnoreCase(a, "GT")) gt = true;
    else if (EqualsIgnoreCase(a, "LT")) lt = true;
    else if (EqualsIgnoreCase(a, "CH")) ch = true;
    else if (EqualsIgnoreCase(a, "INCR")) incr = true;
    else break;
  }
  size_t pairs = c.argc() - i;
  if (pairs == 0 || pairs % 2 != 0) return c.reply.Error(kErrSyntax);
  if (nx && xx) return c.reply.Error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return c.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && pairs > 2) return c.reply.Error("ERR INCR option supports a single increment-element pair");
  std::vector<double> scores;
  for (size_t j = i; j < c.argc(); j += 2) {
    auto s = ParseDouble(c.arg(j));
    if (!s) return c.reply.Error(kErrNotFloat);
    scores.push_back(*s);
  }
  Entry* e = ZSetForWrite(c, c.arg(1));
  if (e == nullptr) return;
  int64_t added = 0, changed = 0;
  bool aborted = false;
  double result = 0;
  for (size_t j = i, k = 0; j < c.argc(); j += 2, ++k) {
    std::string_view member = c.arg(j + 1);
    double score = scores[k];
    const double* cur = e->v.zset->Score(member);
    if ((nx && cur != nullptr) || (xx && cur == nullptr)) {
      aborted = true;
      continue;
    }
    if (cur != nullptr) {
      if (incr) {
        score += *cur;
        if (std::isnan(score)) {
          DeleteIfEmpty(c, e, c.arg(1));
          return c.reply.Error("ERR resulting score is not a number (NaN)");
        }
      }
      if ((gt && score <= *cur) || (lt && score >= *cur)) {
        aborted = true;
        continue;
      }
      result = score;
      if (score != *cur) {
        e->v.zset->Set(member, score);
        ++changed;
      }
    } else {
      e->v.zset->Set(member, score);
      result = score;
      ++added;
    }
  }
  DeleteIfEmpty(c, e, c.arg(1));
  if (added + changed > 0) c.Touch(c.arg(1));
  if (incr) {
    if (aborted) return c.reply.Null();
    if (added + changed > 0) {
      c.Propagate({"ZADD", std::string(c.arg(1)), FormatDouble(result), std::string(c.arg(c.argc() - 1))});
    }
    return ReplyScore(c, result);
  }
  c.reply.Int(ch ? added + changed : added);
}

void ZIncrBy(CommandContext& c) {
  auto by = ParseDouble(c.arg(2));
  if (!by) return c.reply.Error(kErrNotFloat);
  Entry* e = ZSetForWrite(c, c.arg(1));
  if (e == nullptr) return;
  const double* cur = e->v.zset->Score(c.arg(3));
  double score = *by + (cur == nullptr ? 0 : *cur);
  if (std::isnan(score)) {
    DeleteIfEmpty(c, e, c.arg(1));
    return c.reply.Error("ERR resulting score is not a number (NaN)");
  }
  e->v.zset->Set(c.arg(3), score);
  c.Touch(c.arg(1));
  c.Propagate({"ZADD", std::string(c.arg(1)), FormatDouble(score), std::string(c.arg(3))});
  ReplyScore(c, score);
}

Entry* ZRead(CommandContext& c, std::string_view key, bool* wrong) {
  return LookupTyped(c, key, Type::kZSet, wrong);
}

void ZCard(CommandContext& c) {
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  c.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->v.zset->size()));
}

void ZScore(CommandContext& c) {
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  const double* s = e == nullptr ? nullptr : e->v.zset->Score(c.arg(2));
  s == nullptr ? c.reply.Null() : ReplyScore(c, *s);
}

void ZMScore(CommandContext& c) {
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  c.reply.Array(static_cast<int64_t>(c.argc() - 2));
  for (size_t i = 2; i < c.argc(); ++i) {
    const double* s = e == nullptr ? nullptr : e->v.zset->Score(c.arg(i));
    s == nullptr ? c.reply.Null() : ReplyScore(c, *s);
  }
}

void ZRem(CommandContext& c) {
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Int(0);
  int64_t n = 0;
  for (size_t i = 2; i < c.argc(); ++i) n += e->v.zset->Erase(c.arg(i));
  if (n > 0) {
    DeleteIfEmpty(c, e, c.arg(1));
    c.Touch(c.arg(1));
  }
  c.reply.Int(n);
}

void ZRankGeneric(CommandContext& c, bool rev) {
  bool with_score = false;
  if (c.argc() == 4) {
    if (!EqualsIgnoreCase(c.arg(3), "WITHSCORE")) return c.reply.Error(kErrSyntax);
    with_score = true;
  } else if (c.argc() > 4) {
    return c.reply.Error(kErrSyntax);
  }
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  const double* s = e == nullptr ? nullptr : e->v.zset->Score(c.arg(2));
  if (s == nullptr) return with_score ? c.reply.NullArray() : c.reply.Null();
  int64_t rank = static_cast<int64_t>(e->v.zset->Rank(c.arg(2), *s));
  if (rev) rank = static_cast<int64_t>(e->v.zset->size()) - 1 - rank;
  if (!with_score) return c.reply.Int(rank);
  c.reply.Array(2);
  c.reply.Int(rank);
  ReplyScore(c, *s);
}
void ZRank(CommandContext& c) { ZRankGeneric(c, false); }
void ZRevRank(CommandContext& c) { ZRankGeneric(c, true); }

struct ScoreBound {
  double value;
  bool exclusive;
};
bool ParseScoreBound(std::string_view s, ScoreBound* b) {
  b->exclusive = !s.empty() && s[0] == '(';
  if (b->exclusive) s.remove_prefix(1);
  auto v = ParseDouble(s);
  if (!v) return false;
  b->value = *v;
  return true;
}
bool AboveMin(double v, const ScoreBound& min) { return min.exclusive ? v > min.value : v >= min.value; }
bool BelowMax(double v, const ScoreBound& max) { return max.exclusive ? v < max.value : v <= max.value; }

struct LexBound {
  std::string value;
  enum { kInclusive, kExclusive, kMinusInf, kPlusInf } kind;
};
bool ParseLexBound(std::string_view s, LexBound* b) {
  if (s == "-") b->kind = LexBound::kMinusInf;
  else if (s == "+") b->kind = LexBound::kPlusInf;
  else if (!s.empty() && s[0] == '[') b->kind = LexBound::kInclusive;
  else if (!s.empty() && s[0] == '(') b->kind = LexBound::kExclusive;
  else return false;
  if (b->kind == LexBound::kInclusive || b->kind == LexBound::kExclusive) b->value = std::string(s.substr(1));
  return true;
}
bool LexAboveMin(std::string_view v, const LexBound& min) {
  switch (min.kind) {
    case LexBound::kMinusInf: return true;
    case LexBound::kPlusInf: return false;
    case LexBound::kInclusive: return v >= min.value;
    case LexBound::kExclusive: return v > min.value;
  }
  return false;
}
bool LexBelowMax(std::string_view v, const LexBound& max) {
  switch (max.kind) {
    case LexBound::kMinusInf: return false;
    case LexBound::kPlusInf: return true;
    case LexBound::kInclusive: return v <= max.value;
    case LexBound::kExclusive: return v < max.value;
  }
  return false;
}

enum class RangeBy { kRank, kScore, kLex };

struct RangeSpec {
  RangeBy by = RangeBy::kRank;
  bool rev = false, with_scores = false, has_limit = false;
  int64_t offset = 0, count = -1;
  std::string_view min, max;  // as given (for REV, the caller swaps)
};

// Selects the (score, member) pairs of a range, in reply order.
bool SelectRange(CommandContext& c, const ZSet* z, const RangeSpec& spec,
                 std::vector<std::pair<double, std::string_view>>* out) {
  if (spec.by == RangeBy::kRank) {
    auto s = ParseInt64(spec.min), t = ParseInt64(spec.max);
    if (!s || !t) {
      c.reply.Error(kErrNotInt);
      return false;
    }
    if (z == nullptr) return true;
    int64_t len = static_cast<int64_t>(z->size()), start = *s, end = *t;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return true;
    if (end >= len) end = len - 1;
    for (int64_t i = start; i <= end; ++i) {
      int64_t pos = spec.rev ? len - 1 - i : i;
      out->push_back(*z->tree().find_by_order(static_cast<size_t>(pos)));
    }
    return true;
  }
  int64_t offset = spec.offset, count = spec.count;
  auto take = [&](const std::pair<double, std::string_view>& p) {
    if (offset > 0) {
      --offset;
      return true;
    }
    if (count == 0) return false;
    out->push_back(p);
    if (count > 0) --count;
    return true;
  };
  if (spec.by == RangeBy::kScore) {
    ScoreBound min, max;
    if (!ParseScoreBound(spec.min, &min) || !ParseScoreBound(spec.max, &max)) {
      c.reply.Error(kErrMinMax);
      return false;
    }
    if (z == nullptr || spec.offset < 0) return true;
    if (!spec.rev) {
      for (auto it = z->tree().lower_bound({min.value, std::string_view()}); it != z->tree().end(); ++it) {
        if (!AboveMin(it->first, min)) continue;
        if (!BelowMax(it->first, max) || !take(*it)) break;
      }
    } else {
      auto it = z->tree().upper_bound({max.value, std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff", 8)});
      while (it != z->tree().begin()) {
        --it;
        if (!BelowMax(it->first, max)) continue;
        if (!AboveMin(it->first, min) || !take(*it)) break;
      }
    }
    return true;
  }
  LexBound min, max;
  if (!ParseLexBound(spec.min, &min) || !ParseLexBound(spec.max, &max)) {
    c.reply.Error(kErrLexRange);
    return false;
  }
  if (z == nullptr || spec.offset < 0) return true;
  // Lex ranges assume equal scores; like Redis, walk in order and filter.
  if (!spec.rev) {
    for (const auto& p : z->tree()) {
      if (!LexAboveMin(p.second, min)) continue;
      if (!LexBelowMax(p.second, max) || !take(p)) break;
    }
  } else {
    for (auto it = z->tree().end(); it != z->tree().begin();) {
      --it;
      if (!LexBelowMax(it->second, max)) continue;
      if (!LexAboveMin(it->second, min) || !take(*it)) break;
    }
  }
  return true;
}

void ReplyRange(CommandContext& c, const std::vector<std::pair<double, std::string_view>>& items, bool scores) {
  bool resp3_pairs = scores && c.reply.protocol() >= 3;
  c.reply.Array(static_cast<int64_t>(items.size() * (scores && !resp3_pairs ? 2 : 1)));
  for (const auto& [score, member] : items) {
    if (resp3_pairs) c.reply.Array(2);
    c.reply.Bulk(member);
    if (scores) ReplyScore(c, score);
  }
}

// Parses [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES] from args[from].
bool ParseRangeOptions(CommandContext& c, size_t from, RangeSpec* spec, bool allow_by) {
  for (size_t i = from; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    if (EqualsIgnoreCase(a, "WITHSCORES")) {
      spec->with_scores = true;
    } else if (EqualsIgnoreCase(a, "LIMIT") && i + 2 < c.argc()) {
      auto o = ParseInt64(c.arg(i + 1)), n = ParseInt64(c.arg(i + 2));
      if (!o || !n) {
        c.reply.Error(kErrNotInt);
        return false;
      }
      spec->has_limit = true;
      spec->offset = *o;
      spec->count = *n;
      i += 2;
    } else if (allow_by && EqualsIgnoreCase(a, "BYSCORE")) {
      spec->by = RangeBy::kScore;
    } else if (allow_by && EqualsIgnoreCase(a, "BYLEX")) {
      spec->by = RangeBy::kLex;
    } else if (allow_by && EqualsIgnoreCase(a, "REV")) {
      spec->rev = true;
    } else {
      c.reply.Error(kErrSyntax);
      return false;
    }
  }
  if (spec->has_limit && spec->by == RangeBy::kRank) {
    c.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (spec->with_scores && spec->by == RangeBy::kLex) {
    c.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  return true;
}

void RunRange(CommandContext& c, RangeSpec spec) {
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  std::vector<std::pair<double, std::string_view>> items;
  if (!SelectRange(c, e == nullptr ? nullptr : e->v.zset, spec, &items)) return;
  ReplyRange(c, items, spec.with_scores);
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void ZRange(CommandContext& c) {
  RangeSpec spec;
  if (!ParseRangeOptions(c, 4, &spec, true)) return;
  spec.min = c.arg(2);
  spec.max = c.arg(3);
  if (spec.rev && spec.by != RangeBy::kRank) std::swap(spec.min, spec.max);
  RunRange(c, spec);
}

void RangeVariant(CommandContext& c, RangeBy by, bool rev) {
  RangeSpec spec;
  spec.by = by;
  spec.rev = rev;
  if (!ParseRangeOptions(c, 4, &spec, false)) return;
  if (by == RangeBy::kRank && spec.has_limit) return c.reply.Error(kErrSyntax);
  spec.min = rev && by != RangeBy::kRank ? c.arg(3) : c.arg(2);
  spec.max = rev && by != RangeBy::kRank ? c.arg(2) : c.arg(3);
  RunRange(c, spec);
}
void ZRevRange(CommandContext& c) { RangeVariant(c, RangeBy::kRank, true); }
void ZRangeByScore(CommandContext& c) { RangeVariant(c, RangeBy::kScore, false); }
void ZRevRangeByScore(CommandContext& c) { RangeVariant(c, RangeBy::kScore, true); }
void ZRangeByLex(CommandContext& c) { RangeVariant(c, RangeBy::kLex, false); }
void ZRevRangeByLex(CommandContext& c) { RangeVariant(c, RangeBy::kLex, true); }

void CountGeneric(CommandContext& c, RangeBy by) {
  bool wrong;
  RangeSpec spec;
  spec.by = by;
  spec.min = c.arg(2);
  spec.max = c.arg(3);
  Entry* e = nullptr;
  {
    // Validate the bounds before the key's type, as Redis does.
    std::vector<std::pair<double, std::string_view>> none;
    if (!SelectRange(c, nullptr, spec, &none)) return;
  }
  e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  std::vector<std::pair<double, std::string_view>> items;
  SelectRange(c, e == nullptr ? nullptr : e->v.zset, spec, &items);
  c.reply.Int(static_cast<int64_t>(items.size()));
}
void ZCount(CommandContext& c) { CountGeneric(c, RangeBy::kScore); }
void ZLexCount(CommandContext& c) { CountGeneric(c, RangeBy::kLex); }

void RemRangeGeneric(CommandContext& c, RangeBy by) {
  RangeSpec spec;
  spec.by = by;
  spec.min = c.arg(2);
  spec.max = c.arg(3);
  std::vector<std::pair<double, std::string_view>> none;
  if (!SelectRange(c, nullptr, spec, &none)) return;
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Int(0);
  std::vector<std::pair<double, std::string_view>> items;
  SelectRange(c, e->v.zset, spec, &items);
  std::vector<std::string> members;
  for (const auto& p : items) members.emplace_back(p.second);
  for (const auto& m : members) e->v.zset->Erase(m);
  if (!members.empty()) {
    DeleteIfEmpty(c, e, c.arg(1));
    c.Touch(c.arg(1));
  }
  c.reply.Int(static_cast<int64_t>(members.size()));
}
void ZRemRangeByRank(CommandContext& c) { RemRangeGeneric(c, RangeBy::kRank); }
void ZRemRangeByScore(CommandContext& c) { RemRangeGeneric(c, RangeBy::kScore); }
void ZRemRangeByLex(CommandContext& c) { RemRangeGeneric(c, RangeBy::kLex); }

void PopGeneric(CommandContext& c, bool max) {
  int64_t count = 1;
  bool has_count = c.argc() == 3;
  if (c.argc() > 3) return c.reply.Error(kErrSyntax);
  if (has_count) {
    auto v = ParseInt64(c.arg(2));
    if (!v) return c.reply.Error(kErrNotInt);
    if (*v < 0) return c.reply.Error("ERR value is out of range, must be positive");
    count = *v;
  }
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  std::vector<std::pair<double, std::string>> popped;
  if (e != nullptr) {
    while (static_cast<int64_t>(popped.size()) < count && e->v.zset->size() > 0) {
      auto it = max ? std::prev(e->v.zset->tree().end()) : e->v.zset->tree().begin();
      popped.emplace_back(it->first, std::string(it->second));
      e->v.zset->Erase(popped.back().second);
    }
  }
  bool pairs = has_count && c.reply.protocol() >= 3;
  c.reply.Array(static_cast<int64_t>(popped.size() * (pairs ? 1 : 2)));
  for (const auto& [score, member] : popped) {
    if (pairs) c.reply.Array(2);
    c.reply.Bulk(member);
    ReplyScore(c, score);
  }
  if (popped.empty()) return;
  DeleteIfEmpty(c, e, c.arg(1));
  c.Touch(c.arg(1));
}
void ZPopMin(CommandContext& c) { PopGeneric(c, false); }
void ZPopMax(CommandContext& c) { PopGeneric(c, true); }

void ZScan(CommandContext& c) {
  bool wrong;
  Entry* e = ZRead(c, c.arg(1), &wrong);
  if (wrong) return;
  ScanFields(c, e);
}

}  // namespace

void RegisterZSetCommands(CommandTable& t) {
  t.Add({"zadd", -4, kWrite | kDenyOom | kFast, 1, 1, 1, ZAdd, "sorted-set"});
  t.Add({"zincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, ZIncrBy, "sorted-set"});
  t.Add({"zcard", 2, kReadOnly | kFast, 1, 1, 1, ZCard, "sorted-set"});
  t.Add({"zscore", 3, kReadOnly | kFast, 1, 1, 1, ZScore, "sorted-set"});
  t.Add({"zmscore", -3, kReadOnly | kFast, 1, 1, 1, ZMScore, "sorted-set"});
  t.Add({"zrem", -3, kWrite | kFast, 1, 1, 1, ZRem, "sorted-set"});
  t.Add({"zrank", -3, kReadOnly | kFast, 1, 1, 1, ZRank, "sorted-set"});
  t.Add({"zrevrank", -3, kReadOnly | kFast, 1, 1, 1, ZRevRank, "sorted-set"});
  t.Add({"zrange", -4, kReadOnly, 1, 1, 1, ZRange, "sorted-set"});
  t.Add({"zrevrange", -4, kReadOnly, 1, 1, 1, ZRevRange, "sorted-set"});
  t.Add({"zrangebyscore", -4, kReadOnly, 1, 1, 1, ZRangeByScore, "sorted-set"});
  t.Add({"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, ZRevRangeByScore, "sorted-set"});
  t.Add({"zrangebylex", -4, kReadOnly, 1, 1, 1, ZRangeByLex, "sorted-set"});
  t.Add({"zrevrangebylex", -4, kReadOnly, 1, 1, 1, ZRevRangeByLex, "sorted-set"});
  t.Add({"zcount", 4, kReadOnly | kFast, 1, 1, 1, ZCount, "sorted-set"});
  t.Add({"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, ZLexCount, "sorted-set"});
  t.Add({"zremrangebyrank", 4, kWrite, 1, 1, 1, ZRemRangeByRank, "sorted-set"});
  t.Add({"zremrangebyscore", 4, kWrite, 1, 1, 1, ZRemRangeByScore, "sorted-set"});
  t.Add({"zremrangebylex", 4, kWrite, 1, 1, 1, ZRemRangeByLex, "sorted-set"});
  t.Add({"zpopmin", -2, kWrite | kFast, 1, 1, 1, ZPopMin, "sorted-set"});
  t.Add({"zpopmax", -2, kWrite | kFast, 1, 1, 1, ZPopMax, "sorted-set"});
  t.Add({"zscan", -3, kReadOnly, 1, 1, 1, ZScan, "sorted-set"});
}

}  // namespace cohort::store
