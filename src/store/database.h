// Database: one of the store's numbered keyspaces (SELECT 0..15).
//
// Owns its entries. Expiry is lazy (a lookup of an expired key deletes it)
// plus active: ExpireSome() samples keys that have a TTL, as Redis's cycle
// does. Time comes from the caller (now_ms) so tests need no clock. Every
// write goes through Modified(), which lets WATCH and blocked clients know.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string_view>
#include <vector>

#include "store/dict.h"
#include "store/value.h"

namespace cohort::store {

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // The live entry for key, or nullptr (an expired one is deleted first).
  Entry* Find(std::string_view key, int64_t now_ms);
  // Finds or creates (as an empty string, no TTL) the entry for key.
  Entry* FindOrAdd(std::string_view key, int64_t now_ms, bool* created = nullptr);
  // Creates the entry for a key known to be absent (after Find returned nullptr).
  Entry* Add(std::string_view key);
  bool Delete(std::string_view key);
  // Moves an entry to a new key (which must not exist), keeping value and TTL.
  void Rename(Entry* e, std::string_view to);
  // Inserts a detached entry (whose key must not exist here).
  void Adopt(Entry* e);
  // Detaches an entry without freeing it.
  Entry* Detach(std::string_view key);

  void SetExpire(Entry* e, int64_t at_ms);  // 0 removes the TTL
  size_t size() const { return keys_.size(); }
  size_t volatile_count() const { return volatile_.size(); }
  bool IsExpired(const Entry* e, int64_t now_ms) const { return e->expire_at != 0 && e->expire_at <= now_ms; }

  // Deletes up to `budget` expired keys among random samples of volatile keys;
  // returns how many were deleted, and in *sampled how many were looked at.
  size_t ExpireSome(int64_t now_ms, size_t samples, size_t* sampled = nullptr);
  void Clear();
  void Swap(Database& other);
  // Moves up to `buckets` buckets of a keyspace resize along (Dict::Rehash);
  // returns whether one is still under way.
  bool Rehash(size_t buckets) { return keys_.Rehash(buckets); }

  const Dict<Entry, EntryTraits>& keys() const { return keys_; }
  Entry* RandomEntry() { return keys_.Random(rng_); }
  Entry* RandomVolatile();

  // Called with each key that was written or deleted (WATCH, blocked pops,
  // persistence hooks are attached by the server).
  std::function<void(std::string_view key)> on_modified;
  std::function<void(std::string_view key)> on_expired;
  void Modified(std::string_view key) {
    if (on_modified) on_modified(key);
  }

 private:
  void RemoveVolatile(Entry* e);
  Dict<Entry, EntryTraits> keys_;
  std::vector<Entry*> volatile_;  // entries with expire_at != 0; e->volatile_index is the position
  std::mt19937_64 rng_{0x5eed};
};

}  // namespace cohort::store
