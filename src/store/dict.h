// Dict<Node>: an intrusive chained hash table with Redis's SCAN guarantees.
//
// Nodes are owned by the caller's Traits (Dict never allocates them): Traits
// gives `static std::string_view Key(const Node*)` and `static Node*& Next(Node*)`.
// The bucket count is a power of two so that SCAN can use the reverse-binary
// cursor: every element present for the whole scan is returned at least once,
// even if the table grows or shrinks between calls. Not thread-safe; the
// store's loop owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

namespace cohort::store {

uint64_t HashBytes(std::string_view s);  // keyed per process (hash flooding)

template <typename Node, typename Traits>
class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& o) noexcept : buckets_(std::move(o.buckets_)), size_(o.size_) { o.size_ = 0; }
  Dict& operator=(Dict&& o) noexcept {
    buckets_ = std::move(o.buckets_);
    size_ = o.size_;
    o.size_ = 0;
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t bucket_count() const { return buckets_.size(); }

  Node* Find(std::string_view key) const {
    if (size_ == 0) return nullptr;
    for (Node* n = buckets_[HashBytes(key) & mask()]; n != nullptr; n = Traits::Next(n)) {
      if (Traits::Key(n) == key) return n;
    }
    return nullptr;
  }

  // Adds a node whose key is not present yet.
  void Insert(Node* node) {
    if (size_ + 1 > buckets_.size()) Resize(buckets_.empty() ? 4 : buckets_.size() * 2);
    Node*& head = buckets_[HashBytes(Traits::Key(node)) & mask()];
    Traits::Next(node) = head;
    head = node;
    ++size_;
  }

  // Removes and returns the node with this key (nullptr if absent).
  Node* Unlink(std::string_view key) {
    if (size_ == 0) return nullptr;
    Node** link = &buckets_[HashBytes(key) & mask()];
    while (*link != nullptr && Traits::Key(*link) != key) link = &Traits::Next(*link);
    Node* n = *link;
    if (n == nullptr) return nullptr;
    *link = Traits::Next(n);
    Traits::Next(n) = nullptr;
    --size_;
    if (buckets_.size() > 4 && size_ * 8 < buckets_.size()) Resize(buckets_.size() / 2);
    return n;
  }

  // Replaces `old_node` (in the table) by `new_node` with the same key.
  void Replace(Node* old_node, Node* new_node) {
    Node** link = &buckets_[HashBytes(Traits::Key(old_node)) & mask()];
    while (*link != old_node) link = &Traits::Next(*link);
    Traits::Next(new_node) = Traits::Next(old_node);
    *link = new_node;
  }

  // Calls fn(node) for the buckets at `cursor`; returns the next cursor (0 at the end).
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (size_ == 0) return 0;
    uint64_t m = mask();
    for (Node* n = buckets_[cursor & m]; n != nullptr;) {
      Node* next = Traits::Next(n);  // fn may unlink n
      fn(n);
      n = next;
    }
    // Increment the reversed cursor (Redis dictScan).
    cursor |= ~m;
    cursor = Reverse(cursor);
    cursor++;
    cursor = Reverse(cursor);
    return cursor;
  }

  // fn(node) for every node; fn must not insert or unlink.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (Node* head : buckets_) {
      for (Node* n = head; n != nullptr; n = Traits::Next(n)) fn(n);
    }
  }

  // A node chosen at random (fairly, up to bucket length); nullptr when empty.
  template <typename Rng>
  Node* Random(Rng& rng) const {
    if (size_ == 0) return nullptr;
    std::uniform_int_distribution<uint64_t> pick(0, mask());
    Node* head = nullptr;
    while ((head = buckets_[pick(rng)]) == nullptr) {
    }
    size_t len = 0;
    for (Node* n = head; n != nullptr; n = Traits::Next(n)) ++len;
    std::uniform_int_distribution<size_t> which(0, len - 1);
    size_t k = which(rng);
    Node* n = head;
    while (k-- > 0) n = Traits::Next(n);
    return n;
  }

  // Unlinks every node, calling fn(node) on each (to free it).
  template <typename Fn>
  void Clear(Fn&& fn) {
    for (Node*& head : buckets_) {
      for (Node* n = head; n != nullptr;) {
        Node* next = Traits::Next(n);
        fn(n);
        n = next;
      }
      head = nullptr;
    }
    buckets_.clear();
    buckets_.shrink_to_fit();
    size_ = 0;
  }

 private:
  uint64_t mask() const { return buckets_.size() - 1; }
  static uint64_t Reverse(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
  }
  void Resize(size_t n) {
    std::vector<Node*> fresh(n, nullptr);
    for (Node* head : buckets_) {
      for (Node* node = head; node != nullptr;) {
        Node* next = Traits::Next(node);
        Node*& slot = fresh[HashBytes(Traits::Key(node)) & (n - 1)];
        Traits::Next(node) = slot;
        slot = node;
        node = next;
      }
    }
    buckets_.swap(fresh);
  }

  std::vector<Node*> buckets_;  // size is 0 or a power of two
  size_t size_ = 0;
};

}  // namespace cohort::store
