// The value types a key can hold, and the entry that holds a key.
//
// An Entry is one allocation: header plus key bytes, so a small string key
// costs one malloc chunk (strings of up to 8 bytes are stored inline too).
// Collections live behind a pointer owned by the Entry. Redis's encodings
// are reported by OBJECT ENCODING but not mimicked in memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <string>
#include <string_view>

#include "store/dict.h"

namespace cohort::store {

enum class Type : uint8_t { kString, kList, kHash, kSet, kZSet };
std::string_view TypeName(Type t);

using List = std::deque<std::string>;

struct FieldNode {
  FieldNode* next = nullptr;  // hash chain
  std::string field;
  std::string value;  // empty for set members
  // Insertion order, which Redis's small (listpack) hashes show in HGETALL.
  FieldNode* older = nullptr;
  FieldNode* newer = nullptr;
};
struct FieldTraits {
  static std::string_view Key(const FieldNode* n) { return n->field; }
  static FieldNode*& Next(FieldNode* n) { return n->next; }
};

// A hash's fields or a set's members (then values are empty). Iterates in
// insertion order, as Redis does for the small collections apps mostly see.
class FieldMap {
 public:
  FieldMap() = default;
  FieldMap(const FieldMap&) = delete;
  FieldMap& operator=(const FieldMap&) = delete;
  ~FieldMap();
  size_t size() const { return dict_.size(); }
  FieldNode* Find(std::string_view f) const { return dict_.Find(f); }
  // Returns true when the field is new.
  bool Set(std::string_view f, std::string_view v);
  bool Erase(std::string_view f);
  const Dict<FieldNode, FieldTraits>& dict() const { return dict_; }
  std::unique_ptr<FieldMap> Clone() const;
  // fn(node) oldest first; fn must not insert or erase.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const FieldNode* n = oldest_; n != nullptr; n = n->newer) fn(n);
  }

 private:
  Dict<FieldNode, FieldTraits> dict_;
  FieldNode* oldest_ = nullptr;
  FieldNode* newest_ = nullptr;
};

// Sorted set: score by member, plus order by (score, member) with ranks.
class ZSet {
 public:
  struct Less {
    bool operator()(const std::pair<double, std::string_view>& a,
                    const std::pair<double, std::string_view>& b) const {
      if (a.first != b.first) return a.first < b.first;
      return a.second < b.second;
    }
  };
  using Tree = __gnu_pbds::tree<std::pair<double, std::string_view>, __gnu_pbds::null_type, Less,
                                __gnu_pbds::rb_tree_tag, __gnu_pbds::tree_order_statistics_node_update>;

  ZSet() = default;
  ZSet(const ZSet&) = delete;
  ZSet& operator=(const ZSet&) = delete;
  ~ZSet();
  size_t size() const { return members_.size(); }
  const double* Score(std::string_view member) const;
  // Adds or updates; returns true when the member is new.
  bool Set(std::string_view member, double score);
  bool Erase(std::string_view member);
  // 0-based rank in ascending order.
  size_t Rank(std::string_view member, double score) const { return tree_.order_of_key({score, member}); }
  const Tree& tree() const { return tree_; }
  const FieldMap& members() const { return members_; }  // value = unused
  std::unique_ptr<ZSet> Clone() const;

 private:
  struct Scored {
    double score;
  };
  FieldMap members_;  // member -> score, kept as 8 raw bytes in value
  Tree tree_;
};

struct Entry {
  Entry* next;
  int64_t expire_at;     // unix ms; 0 = no expiry
  union {
    char inline_bytes[8];  // strings of up to 8 bytes
    std::string* str;
    List* list;
    FieldMap* fields;      // hash or set
    ZSet* zset;
  } v;
  uint32_t key_len;
  uint32_t volatile_index;  // position in Database's volatile list; valid when expire_at != 0
  Type type;
  uint8_t inline_len;    // 0..8 inline string length, kHeap when v.str is used
  uint8_t lfu;           // logarithmic access counter (allkeys-lfu)
  uint8_t unused;
  uint32_t lru;          // clock seconds of the last access (allkeys-lru)
  char key_bytes[];      // key_len bytes, not terminated

  static constexpr uint8_t kHeap = 0xFF;
  std::string_view key() const { return {key_bytes, key_len}; }
  std::string_view string_value() const {
    return inline_len == kHeap ? std::string_view(*v.str) : std::string_view(v.inline_bytes, inline_len);
  }
};
static_assert(sizeof(Entry) == 40);

struct EntryTraits {
  static std::string_view Key(const Entry* e) { return e->key(); }
  static Entry*& Next(Entry* e) { return e->next; }
};

// Allocates an entry with no value (type string, empty). Free with FreeEntry.
Entry* NewEntry(std::string_view key);
void FreeEntry(Entry* e);
// Drops the entry's current value (any type) and makes it the string s.
void SetStringValue(Entry* e, std::string_view s);
// Gives the entry a heap string to edit in place (APPEND, SETRANGE).
std::string& MutableString(Entry* e);
// Drops the value, leaving an empty string.
void ClearValue(Entry* e);
// Deep copy of e's value into dst (which has no value).
void CopyValue(const Entry* src, Entry* dst);

}  // namespace cohort::store
