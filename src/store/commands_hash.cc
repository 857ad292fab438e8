// Hash commands.
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/reply.h"
#include "store/scan_args.h"
#include "store/store.h"

namespace cohort::store {
namespace {

Entry* HashForWrite(CommandContext& c, std::string_view key) { return LookupOrCreate(c, key, Type::kHash); }

void DeleteIfEmpty(CommandContext& c, Entry* e, std::string_view key) {
  if (e->v.fields->size() == 0) c.db.Delete(key);
}

void HSet(CommandContext& c) {
  if (c.argc() % 2 != 0) return ReplyArity(c, Lower(c.arg(0)));
  Entry* e = HashForWrite(c, c.arg(1));
  if (e == nullptr) return;
  int64_t created = 0;
  for (size_t i = 2; i < c.argc(); i += 2) created += e->v.fields->Set(c.arg(i), c.arg(i + 1));
  c.Touch(c.arg(1));
  if (EqualsIgnoreCase(c.arg(0), "hmset")) return c.reply.Ok();
  c.reply.Int(created);
}

void HSetNx(CommandContext& c) {
  Entry* e = HashForWrite(c, c.arg(1));
  if (e == nullptr) return;
  if (e->v.fields->Find(c.arg(2)) != nullptr) return c.reply.Int(0);
  e->v.fields->Set(c.arg(2), c.arg(3));
  c.Touch(c.arg(1));
  c.reply.Int(1);
}

void HGet(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  const FieldNode* n = e == nullptr ? nullptr : e->v.fields->Find(c.arg(2));
  n == nullptr ? c.reply.Null() : c.reply.Bulk(n->value);
}

void HMGet(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  c.reply.Array(static_cast<int64_t>(c.argc() - 2));
  for (size_t i = 2; i < c.argc(); ++i) {
    const FieldNode* n = e == nullptr ? nullptr : e->v.fields->Find(c.arg(i));
    n == nullptr ? c.reply.Null() : c.reply.Bulk(n->value);
  }
}

void HDel(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Int(0);
  int64_t n = 0;
  for (size_t i = 2; i < c.argc(); ++i) n += e->v.fields->Erase(c.arg(i));
  if (n > 0) {
    DeleteIfEmpty(c, e, c.arg(1));
    c.Touch(c.arg(1));
  }
  c.reply.Int(n);
}

void HLen(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  c.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->v.fields->size()));
}

void HStrLen(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  const FieldNode* n = e == nullptr ? nullptr : e->v.fields->Find(c.arg(2));
  c.reply.Int(n == nullptr ? 0 : static_cast<int64_t>(n->value.size()));
}

void HExists(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  c.reply.Int(e != nullptr && e->v.fields->Find(c.arg(2)) != nullptr);
}

// HGETALL / HKEYS / HVALS
void HGetAllGeneric(CommandContext& c, bool keys, bool values) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  int64_t n = e == nullptr ? 0 : static_cast<int64_t>(e->v.fields->size());
  if (keys && values) {
    c.reply.Map(n);
  } else {
    c.reply.Array(n);
  }
  if (e == nullptr) return;
  e->v.fields->ForEach([&](const FieldNode* f) {
    if (keys) c.reply.Bulk(f->field);
    if (values) c.reply.Bulk(f->value);
  });
}
void HGetAll(CommandContext& c) { HGetAllGeneric(c, true, true); }
void HKeys(CommandContext& c) { HGetAllGeneric(c, true, false); }
void HVals(CommandContext& c) { HGetAllGeneric(c, false, true); }

void HIncrBy(CommandContext& c) {
  auto by = ParseInt64(c.arg(3));
  if (!by) return c.reply.Error(kErrNotInt);
  Entry* e = HashForWrite(c, c.arg(1));
  if (e == nullptr) return;
  int64_t value = 0;
  if (const FieldNode* n = e->v.fields->Find(c.arg(2))) {
    auto v = ParseInt64(n->value);
    if (!v) return c.reply.Error("ERR hash value is not an integer");
    value = *v;
  }
  if ((*by < 0 && value < 0 && *by < INT64_MIN - value) || (*by > 0 && value > 0 && *by > INT64_MAX - value)) {
    DeleteIfEmpty(c, e, c.arg(1));
    return c.reply.Error(kErrOverflow);
  }
  value += *by;
  e->v.fields->Set(c.arg(2), std::to_string(value));
  c.Touch(c.arg(1));
  c.reply.Int(value);
}

void HIncrByFloat(CommandContext& c) {
  auto by = ParseLongDouble(c.arg(3));
  if (!by) return c.reply.Error(kErrNotFloat);
  Entry* e = HashForWrite(c, c.arg(1));
  if (e == nullptr) return;
  long double value = 0;
  if (const FieldNode* n = e->v.fields->Find(c.arg(2))) {
    auto v = ParseLongDouble(n->value);
    if (!v) return c.reply.Error("ERR hash value is not a float");
    value = *v;
  }
  value += *by;
  if (std::isnan(value) || std::isinf(value)) {
    DeleteIfEmpty(c, e, c.arg(1));
    return c.reply.Error("ERR increment would produce NaN or Infinity");
  }
  std::string s = FormatLongDouble(value);
  e->v.fields->Set(c.arg(2), s);
  c.Touch(c.arg(1));
  c.Propagate({"HSET", std::string(c.arg(1)), std::string(c.arg(2)), s});
  c.reply.Bulk(s);
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandField(CommandContext& c) {
  bool with_values = false;
  int64_t count = 1;
  bool has_count = c.argc() >= 3;
  if (has_count) {
    auto v = ParseInt64(c.arg(2));
    if (!v) return c.reply.Error(kErrNotInt);
    count = *v;
    if (c.argc() == 4) {
      if (!EqualsIgnoreCase(c.arg(3), "WITHVALUES")) return c.reply.Error(kErrSyntax);
      with_values = true;
    } else if (c.argc() > 4) {
      return c.reply.Error(kErrSyntax);
    }
    if (count < -(INT64_MAX / 2) || count > INT64_MAX / 2) return c.reply.Error("ERR value is out of range");
  }
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  if (e == nullptr) return has_count ? c.reply.Array(0) : c.reply.Null();
  const auto& d = e->v.fields->dict();
  auto emit = [&](const FieldNode* n) {
    if (with_values && c.reply.protocol() >= 3) c.reply.Array(2);
    c.reply.Bulk(n->field);
    if (with_values) c.reply.Bulk(n->value);
  };
  if (!has_count) return c.reply.Bulk(d.Random(c.store.rng())->field);
  if (count == 0) return c.reply.Array(0);
  std::vector<const FieldNode*> picked;
  if (count < 0) {
    for (int64_t i = 0; i < -count; ++i) picked.push_back(d.Random(c.store.rng()));
  } else {
    std::vector<const FieldNode*> all;
    d.ForEach([&](const FieldNode* n) { all.push_back(n); });
    std::shuffle(all.begin(), all.end(), c.store.rng());
    if (static_cast<size_t>(count) < all.size()) all.resize(static_cast<size_t>(count));
    picked = std::move(all);
  }
  int64_t n = static_cast<int64_t>(picked.size());
  (with_values && c.reply.protocol() < 3) ? c.reply.Array(2 * n) : c.reply.Array(n);
  for (const FieldNode* p : picked) emit(p);
}

}  // namespace

void ScanFields(CommandContext& c, const Entry* e) {
  uint64_t cursor;
  std::string_view match, type;
  int64_t count;
  if (!ParseScanArgs(c, 2, false, &cursor, &match, &count, &type)) return;
  std::vector<const FieldNode*> found;
  bool zset = e != nullptr && e->type == Type::kZSet;
  bool values = e != nullptr && e->type != Type::kSet;
  std::string_view encoding = e == nullptr ? "" : EncodingOf(e);
  if (e == nullptr) {
    cursor = 0;
  } else if (encoding == "listpack" || encoding == "intset") {
    // Redis returns a small collection whole, in its stored order, cursor 0.
    cursor = 0;
    if (zset) {
      for (const auto& [score, member] : e->v.zset->tree()) found.push_back(e->v.zset->members().Find(member));
    } else {
      e->v.fields->ForEach([&](const FieldNode* n) { found.push_back(n); });
      if (encoding == "intset") {
        std::sort(found.begin(), found.end(), [](const FieldNode* a, const FieldNode* b) {
          return *ParseInt64(a->field) < *ParseInt64(b->field);
        });
      }
    }
  } else {
    const FieldMap* fields = zset ? &e->v.zset->members() : e->v.fields;
    int64_t iterations = count * 10;
    do {
      cursor = fields->dict().Scan(cursor, [&](const FieldNode* n) { found.push_back(n); });
    } while (cursor != 0 && iterations-- > 0 && static_cast<int64_t>(found.size()) < count);
  }
  std::erase_if(found, [&](const FieldNode* n) { return !match.empty() && !GlobMatch(match, n->field); });
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(cursor));
  c.reply.Array(static_cast<int64_t>(found.size() * (values ? 2 : 1)));
  for (const FieldNode* n : found) {
    c.reply.Bulk(n->field);
    if (!values) continue;
    if (zset) {
      c.reply.Bulk(FormatDouble(*reinterpret_cast<const double*>(n->value.data())));
    } else {
      c.reply.Bulk(n->value);
    }
  }
}

namespace {
void HScan(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kHash, &wrong);
  if (wrong) return;
  ScanFields(c, e);
}
}  // namespace

void RegisterHashCommands(CommandTable& t) {
  t.Add({"hset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HSet, "hash"});
  t.Add({"hmset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HSet, "hash"});
  t.Add({"hsetnx", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HSetNx, "hash"});
  t.Add({"hget", 3, kReadOnly | kFast, 1, 1, 1, HGet, "hash"});
  t.Add({"hmget", -3, kReadOnly | kFast, 1, 1, 1, HMGet, "hash"});
  t.Add({"hdel", -3, kWrite | kFast, 1, 1, 1, HDel, "hash"});
  t.Add({"hlen", 2, kReadOnly | kFast, 1, 1, 1, HLen, "hash"});
  t.Add({"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, HStrLen, "hash"});
  t.Add({"hexists", 3, kReadOnly | kFast, 1, 1, 1, HExists, "hash"});
  t.Add({"hgetall", 2, kReadOnly, 1, 1, 1, HGetAll, "hash"});
  t.Add({"hkeys", 2, kReadOnly, 1, 1, 1, HKeys, "hash"});
  t.Add({"hvals", 2, kReadOnly, 1, 1, 1, HVals, "hash"});
  t.Add({"hincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrBy, "hash"});
  t.Add({"hincrbyfloat", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrByFloat, "hash"});
  t.Add({"hrandfield", -2, kReadOnly, 1, 1, 1, HRandField, "hash"});
  t.Add({"hscan", -3, kReadOnly, 1, 1, 1, HScan, "hash"});
}

}  // namespace cohort::store
