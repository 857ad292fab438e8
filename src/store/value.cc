#include "store/value.h"

#include <cstdlib>
#include <new>

namespace cohort::store {

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kString: return "string";
    case Type::kList: return "list";
    case Type::kHash: return "hash";
    case Type::kSet: return "set";
    case Type::kZSet: return "zset";
  }
  return "none";
}

FieldMap::~FieldMap() {
  dict_.Clear([](FieldNode* n) { delete n; });
}

bool FieldMap::Set(std::string_view f, std::string_view v) {
  if (FieldNode* n = dict_.Find(f)) {
    n->value.assign(v);
    return false;
  }
  auto* n = new FieldNode{nullptr, std::string(f), std::string(v), newest_, nullptr};
  dict_.Insert(n);
  if (newest_ != nullptr) newest_->newer = n;
  newest_ = n;
  if (oldest_ == nullptr) oldest_ = n;
  return true;
}

bool FieldMap::Erase(std::string_view f) {
  FieldNode* n = dict_.Unlink(f);
  if (n == nullptr) return false;
  (n->older != nullptr ? n->older->newer : oldest_) = n->newer;
  (n->newer != nullptr ? n->newer->older : newest_) = n->older;
  delete n;
  return true;
}

std::unique_ptr<FieldMap> FieldMap::Clone() const {
  auto copy = std::make_unique<FieldMap>();
  ForEach([&](const FieldNode* n) { copy->Set(n->field, n->value); });
  return copy;
}

ZSet::~ZSet() = default;

const double* ZSet::Score(std::string_view member) const {
  const FieldNode* n = members_.Find(member);
  return n == nullptr ? nullptr : reinterpret_cast<const double*>(n->value.data());
}

bool ZSet::Set(std::string_view member, double score) {
  if (FieldNode* n = members_.Find(member)) {
    double* old = reinterpret_cast<double*>(n->value.data());
    if (*old == score) return false;
    tree_.erase({*old, n->field});
    *old = score;
    tree_.insert({score, n->field});
    return false;
  }
  members_.Set(member, std::string_view(reinterpret_cast<const char*>(&score), sizeof score));
  FieldNode* n = members_.Find(member);
  tree_.insert({score, n->field});
  return true;
}

bool ZSet::Erase(std::string_view member) {
  const FieldNode* n = members_.Find(member);
  if (n == nullptr) return false;
  tree_.erase({*reinterpret_cast<const double*>(n->value.data()), n->field});
  members_.Erase(member);
  return true;
}

std::unique_ptr<ZSet> ZSet::Clone() const {
  auto copy = std::make_unique<ZSet>();
  for (const auto& [score, member] : tree_) copy->Set(member, score);
  return copy;
}

Entry* NewEntry(std::string_view key) {
  void* mem = std::malloc(sizeof(Entry) + key.size());
  if (mem == nullptr) throw std::bad_alloc();
  auto* e = static_cast<Entry*>(mem);
  e->next = nullptr;
  e->expire_at = 0;
  e->key_len = static_cast<uint32_t>(key.size());
  e->volatile_index = 0;
  e->type = Type::kString;
  e->inline_len = 0;
  e->lfu = 5;  // Redis's LFU_INIT_VAL
  e->unused = 0;
  e->lru = 0;
  std::memcpy(e->key_bytes, key.data(), key.size());
  return e;
}

void ClearValue(Entry* e) {
  switch (e->type) {
    case Type::kString:
      if (e->inline_len == Entry::kHeap) delete e->v.str;
      break;
    case Type::kList: delete e->v.list; break;
    case Type::kHash:
    case Type::kSet: delete e->v.fields; break;
    case Type::kZSet: delete e->v.zset; break;
  }
  e->type = Type::kString;
  e->inline_len = 0;
}

void FreeEntry(Entry* e) {
  ClearValue(e);
  std::free(e);
}

void SetStringValue(Entry* e, std::string_view s) {
  if (e->type == Type::kString && e->inline_len == Entry::kHeap && s.size() > 8) {
    e->v.str->assign(s);
    return;
  }
  ClearValue(e);
  if (s.size() <= 8) {
    std::memcpy(e->v.inline_bytes, s.data(), s.size());
    e->inline_len = static_cast<uint8_t>(s.size());
  } else {
    e->v.str = new std::string(s);
    e->inline_len = Entry::kHeap;
  }
}

std::string& MutableString(Entry* e) {
  if (e->inline_len != Entry::kHeap) {
    auto* s = new std::string(e->v.inline_bytes, e->inline_len);
    e->v.str = s;
    e->inline_len = Entry::kHeap;
  }
  return *e->v.str;
}

void CopyValue(const Entry* src, Entry* dst) {
  ClearValue(dst);
  dst->type = src->type;
  switch (src->type) {
    case Type::kString:
      dst->type = Type::kString;
      SetStringValue(dst, src->string_value());
      break;
    case Type::kList: dst->v.list = new List(*src->v.list); break;
    case Type::kHash:
    case Type::kSet: dst->v.fields = src->v.fields->Clone().release(); break;
    case Type::kZSet: dst->v.zset = src->v.zset->Clone().release(); break;
  }
}

}  // namespace cohort::store
