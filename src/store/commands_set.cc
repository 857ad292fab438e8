// Set commands.
#include <algorithm>

#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/scan_args.h"
#include "store/store.h"

namespace cohort::store {
namespace {

Entry* SetForWrite(CommandContext& c, std::string_view key) { return LookupOrCreate(c, key, Type::kSet); }

void SAdd(CommandContext& c) {
  Entry* e = SetForWrite(c, c.arg(1));
  if (e == nullptr) return;
  int64_t added = 0;
  for (size_t i = 2; i < c.argc(); ++i) added += e->v.fields->Set(c.arg(i), "");
  if (added > 0) c.Touch(c.arg(1));
  c.reply.Int(added);
}

void SRem(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  if (e == nullptr) return c.reply.Int(0);
  int64_t removed = 0;
  for (size_t i = 2; i < c.argc(); ++i) removed += e->v.fields->Erase(c.arg(i));
  if (removed > 0) {
    if (e->v.fields->size() == 0) c.db.Delete(c.arg(1));
    c.Touch(c.arg(1));
  }
  c.reply.Int(removed);
}

// Replies a set's members in Redis's order: a small set of integers is an
// intset there, which lists them in numeric order; others in insertion order.
void ReplyMembers(CommandContext& c, std::vector<std::string_view> members) {
  if (members.size() <= 512) {
    std::vector<std::pair<int64_t, std::string_view>> ints;
    for (std::string_view m : members) {
      auto v = ParseInt64(m);
      if (!v) break;
      ints.emplace_back(*v, m);
    }
    if (ints.size() == members.size()) {
      std::sort(ints.begin(), ints.end());
      for (size_t i = 0; i < ints.size(); ++i) members[i] = ints[i].second;
    }
  }
  c.reply.Set(static_cast<int64_t>(members.size()));
  for (std::string_view m : members) c.reply.Bulk(m);
}

void SMembers(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  std::vector<std::string_view> members;
  if (e != nullptr) e->v.fields->ForEach([&](const FieldNode* n) { members.push_back(n->field); });
  ReplyMembers(c, std::move(members));
}

void SIsMember(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  c.reply.Int(e != nullptr && e->v.fields->Find(c.arg(2)) != nullptr);
}

void SMIsMember(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  c.reply.Array(static_cast<int64_t>(c.argc() - 2));
  for (size_t i = 2; i < c.argc(); ++i) c.reply.Int(e != nullptr && e->v.fields->Find(c.arg(i)) != nullptr);
}

void SCard(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  c.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->v.fields->size()));
}

void SPop(CommandContext& c) {
  bool has_count = c.argc() == 3;
  if (c.argc() > 3) return c.reply.Error(kErrSyntax);
  int64_t count = 1;
  if (has_count) {
    auto v = ParseInt64(c.arg(2));
    if (!v || *v < 0) return c.reply.Error("ERR value is out of range, must be positive");
    count = *v;
  }
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  if (e == nullptr) return has_count ? c.reply.Set(0) : c.reply.Null();
  std::string key(c.arg(1));
  std::vector<std::string> popped;
  while (static_cast<int64_t>(popped.size()) < count && e->v.fields->size() > 0) {
    FieldNode* n = e->v.fields->dict().Random(c.store.rng());
    popped.push_back(n->field);
    e->v.fields->Erase(popped.back());
  }
  if (has_count) {
    c.reply.Set(static_cast<int64_t>(popped.size()));
  }
  for (const auto& m : popped) c.reply.Bulk(m);
  if (popped.empty()) return;
  if (e->v.fields->size() == 0) c.db.Delete(key);
  c.Touch(key);
  // Random choices are propagated as what they did.
  std::vector<std::string> p{"SREM", key};
  p.insert(p.end(), popped.begin(), popped.end());
  c.Propagate(std::move(p));
}

void SRandMember(CommandContext& c) {
  bool has_count = c.argc() == 3;
  if (c.argc() > 3) return c.reply.Error(kErrSyntax);
  int64_t count = 1;
  if (has_count) {
    auto v = ParseInt64(c.arg(2));
    if (!v) return c.reply.Error(kErrNotInt);
    if (*v < -(INT64_MAX / 2)) return c.reply.Error("ERR value is out of range");
    count = *v;
  }
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  if (e == nullptr) return has_count ? c.reply.Array(0) : c.reply.Null();
  const auto& d = e->v.fields->dict();
  if (!has_count) return c.reply.Bulk(d.Random(c.store.rng())->field);
  std::vector<const FieldNode*> picked;
  if (count < 0) {
    for (int64_t i = 0; i < -count; ++i) picked.push_back(d.Random(c.store.rng()));
  } else {
    d.ForEach([&](const FieldNode* n) { picked.push_back(n); });
    std::shuffle(picked.begin(), picked.end(), c.store.rng());
    if (static_cast<size_t>(count) < picked.size()) picked.resize(static_cast<size_t>(count));
  }
  c.reply.Array(static_cast<int64_t>(picked.size()));
  for (const FieldNode* n : picked) c.reply.Bulk(n->field);
}

void SMove(CommandContext& c) {
  bool wrong;
  Entry* src = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  Entry* dst = c.db.Find(c.arg(2), c.now_ms);
  if (dst != nullptr && dst->type != Type::kSet) return c.reply.Error(kErrWrongType);
  if (src == nullptr || src->v.fields->Find(c.arg(3)) == nullptr) return c.reply.Int(0);
  if (c.arg(1) == c.arg(2)) return c.reply.Int(1);
  src->v.fields->Erase(c.arg(3));
  if (src->v.fields->size() == 0) c.db.Delete(c.arg(1));
  c.Touch(c.arg(1));
  SetForWrite(c, c.arg(2))->v.fields->Set(c.arg(3), "");
  c.Touch(c.arg(2));
  c.reply.Int(1);
}

enum class Op { kInter, kUnion, kDiff };

// Computes the operation over keys args[first..]; false after replying WRONGTYPE.
bool Combine(CommandContext& c, size_t first, size_t last, Op op, std::vector<std::string>* out) {
  std::vector<const FieldMap*> sets;
  for (size_t i = first; i < last; ++i) {
    Entry* e = c.db.Find(c.arg(i), c.now_ms);
    if (e != nullptr && e->type != Type::kSet) {
      c.reply.Error(kErrWrongType);
      return false;
    }
    sets.push_back(e == nullptr ? nullptr : e->v.fields);
  }
  if (op == Op::kInter) {
    if (std::any_of(sets.begin(), sets.end(), [](const FieldMap* s) { return s == nullptr; })) return true;
    std::sort(sets.begin(), sets.end(), [](const FieldMap* a, const FieldMap* b) { return a->size() < b->size(); });
    sets[0]->ForEach([&](const FieldNode* n) {
      for (size_t i = 1; i < sets.size(); ++i) {
        if (sets[i]->Find(n->field) == nullptr) return;
      }
      out->push_back(n->field);
    });
  } else if (op == Op::kUnion) {
    FieldMap seen;
    for (const FieldMap* s : sets) {
      if (s == nullptr) continue;
      s->ForEach([&](const FieldNode* n) {
        if (seen.Set(n->field, "")) out->push_back(n->field);
      });
    }
  } else {
    if (sets[0] == nullptr) return true;
    sets[0]->ForEach([&](const FieldNode* n) {
      for (size_t i = 1; i < sets.size(); ++i) {
        if (sets[i] != nullptr && sets[i]->Find(n->field) != nullptr) return;
      }
      out->push_back(n->field);
    });
  }
  return true;
}

void CombineReply(CommandContext& c, Op op) {
  std::vector<std::string> out;
  if (!Combine(c, 1, c.argc(), op, &out)) return;
  ReplyMembers(c, std::vector<std::string_view>(out.begin(), out.end()));
}
void SInter(CommandContext& c) { CombineReply(c, Op::kInter); }
void SUnion(CommandContext& c) { CombineReply(c, Op::kUnion); }
void SDiff(CommandContext& c) { CombineReply(c, Op::kDiff); }

void CombineStore(CommandContext& c, Op op) {
  std::vector<std::string> out;
  if (!Combine(c, 2, c.argc(), op, &out)) return;
  std::string dst(c.arg(1));
  bool existed = c.db.Delete(dst);
  if (!out.empty()) {
    Entry* e = SetForWrite(c, dst);
    for (const auto& m : out) e->v.fields->Set(m, "");
  }
  if (existed || !out.empty()) c.Touch(dst);
  c.reply.Int(static_cast<int64_t>(out.size()));
}
void SInterStore(CommandContext& c) { CombineStore(c, Op::kInter); }
void SUnionStore(CommandContext& c) { CombineStore(c, Op::kUnion); }
void SDiffStore(CommandContext& c) { CombineStore(c, Op::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CommandContext& c) {
  auto n = ParseInt64(c.arg(1));
  if (!n) return c.reply.Error(kErrNotInt);
  if (*n <= 0) return c.reply.Error("ERR numkeys should be greater than 0");
  if (static_cast<size_t>(*n) > c.argc() - 2) {
    return c.reply.Error("ERR Number of keys can't be greater than number of args");
  }
  size_t last = 2 + static_cast<size_t>(*n);
  int64_t limit = 0;
  for (size_t i = last; i < c.argc(); i += 2) {
    if (!EqualsIgnoreCase(c.arg(i), "LIMIT") || i + 1 >= c.argc()) return c.reply.Error(kErrSyntax);
    auto l = ParseInt64(c.arg(i + 1));
    if (!l || *l < 0) return c.reply.Error("ERR LIMIT can't be negative");
    limit = *l;
  }
  std::vector<std::string> out;
  if (!Combine(c, 2, last, Op::kInter, &out)) return;
  int64_t count = static_cast<int64_t>(out.size());
  c.reply.Int(limit > 0 ? std::min(limit, count) : count);
}

void SScan(CommandContext& c) {
  bool wrong;
  Entry* e = LookupTyped(c, c.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  ScanFields(c, e);
}

}  // namespace

void RegisterSetCommands(CommandTable& t) {
  t.Add({"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, SAdd, "set"});
  t.Add({"srem", -3, kWrite | kFast, 1, 1, 1, SRem, "set"});
  t.Add({"smembers", 2, kReadOnly, 1, 1, 1, SMembers, "set"});
  t.Add({"sismember", 3, kReadOnly | kFast, 1, 1, 1, SIsMember, "set"});
  t.Add({"smismember", -3, kReadOnly | kFast, 1, 1, 1, SMIsMember, "set"});
  t.Add({"scard", 2, kReadOnly | kFast, 1, 1, 1, SCard, "set"});
  t.Add({"spop", -2, kWrite | kFast, 1, 1, 1, SPop, "set"});
  t.Add({"srandmember", -2, kReadOnly, 1, 1, 1, SRandMember, "set"});
  t.Add({"smove", 4, kWrite | kFast, 1, 2, 1, SMove, "set"});
  t.Add({"sinter", -2, kReadOnly, 1, -1, 1, SInter, "set"});
  t.Add({"sunion", -2, kReadOnly, 1, -1, 1, SUnion, "set"});
  t.Add({"sdiff", -2, kReadOnly, 1, -1, 1, SDiff, "set"});
  t.Add({"sinterstore", -3, kWrite | kDenyOom, 1, -1, 1, SInterStore, "set"});
  t.Add({"sunionstore", -3, kWrite | kDenyOom, 1, -1, 1, SUnionStore, "set"});
  t.Add({"sdiffstore", -3, kWrite | kDenyOom, 1, -1, 1, SDiffStore, "set"});
  t.Add({"sintercard", -3, kReadOnly, 0, 0, 0, SInterCard, "set"});
  t.Add({"sscan", -3, kReadOnly, 1, 1, 1, SScan, "set"});
}

}  // namespace cohort::store
