#include "store/database.h"

namespace cohort::store {

Database::~Database() { Clear(); }

Entry* Database::Find(std::string_view key, int64_t now_ms) {
  Entry* e = keys_.Find(key);
  if (e != nullptr && IsExpired(e, now_ms)) {
    std::string k(key);
    Delete(k);
    if (on_expired) on_expired(k);
    return nullptr;
  }
  return e;
}

Entry* Database::FindOrAdd(std::string_view key, int64_t now_ms, bool* created) {
  Entry* e = Find(key, now_ms);
  if (created != nullptr) *created = e == nullptr;
  if (e != nullptr) return e;
  return Add(key);
}

Entry* Database::Add(std::string_view key) {
  Entry* e = NewEntry(key);
  keys_.Insert(e);
  return e;
}

bool Database::Delete(std::string_view key) {
  Entry* e = Detach(key);
  if (e == nullptr) return false;
  FreeEntry(e);
  return true;
}

Entry* Database::Detach(std::string_view key) {
  Entry* e = keys_.Unlink(key);
  if (e != nullptr && e->expire_at != 0) RemoveVolatile(e);
  return e;
}

void Database::Adopt(Entry* e) {
  keys_.Insert(e);
  if (e->expire_at != 0) {
    e->volatile_index = static_cast<uint32_t>(volatile_.size());
    volatile_.push_back(e);
  }
}

void Database::Rename(Entry* e, std::string_view to) {
  Entry* old = Detach(e->key());
  Entry* fresh = NewEntry(to);
  fresh->type = old->type;
  fresh->v = old->v;
  fresh->inline_len = old->inline_len;
  fresh->expire_at = old->expire_at;
  fresh->lru = old->lru;
  fresh->lfu = old->lfu;
  std::free(old);  // the value now belongs to fresh
  Adopt(fresh);
}

void Database::SetExpire(Entry* e, int64_t at_ms) {
  if (e->expire_at == 0 && at_ms != 0) {
    e->volatile_index = static_cast<uint32_t>(volatile_.size());
    volatile_.push_back(e);
  } else if (e->expire_at != 0 && at_ms == 0) {
    RemoveVolatile(e);
  }
  e->expire_at = at_ms;
}

void Database::RemoveVolatile(Entry* e) {
  uint32_t i = e->volatile_index;
  Entry* last = volatile_.back();
  volatile_[i] = last;
  last->volatile_index = i;
  volatile_.pop_back();
}

Entry* Database::RandomVolatile() {
  if (volatile_.empty()) return nullptr;
  std::uniform_int_distribution<size_t> pick(0, volatile_.size() - 1);
  return volatile_[pick(rng_)];
}

size_t Database::ExpireSome(int64_t now_ms, size_t samples, size_t* sampled) {
  size_t deleted = 0, looked = 0;
  for (; looked < samples && !volatile_.empty(); ++looked) {
    Entry* e = RandomVolatile();
    if (e->expire_at <= now_ms) {
      std::string k(e->key());
      Delete(k);
      if (on_expired) on_expired(k);
      ++deleted;
    }
  }
  if (sampled != nullptr) *sampled = looked;
  return deleted;
}

void Database::Clear() {
  keys_.Clear([](Entry* e) { FreeEntry(e); });
  volatile_.clear();
}

void Database::Swap(Database& other) {
  std::swap(keys_, other.keys_);
  std::swap(volatile_, other.volatile_);
}

}  // namespace cohort::store
