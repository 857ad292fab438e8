// Dict<Node>: an intrusive chained hash table with Redis's SCAN guarantees
// and incremental resizing.
//
// Nodes are owned by the caller's Traits (Dict never allocates them): Traits
// gives `static std::string_view Key(const Node*)` and `static Node*& Next(Node*)`.
// The bucket count is a power of two so that SCAN can use the reverse-binary
// cursor: every element present for the whole scan is returned at least once,
// even if the table grows or shrinks between calls.
//
// Resizing is incremental, as in Redis: a grow or shrink allocates the new
// table and then moves a bucket or two on each insert and unlink (and more
// from Rehash(), which the store's cron calls), so no single command pays
// for rehashing millions of keys. While it lasts, lookups look in both
// tables. Not thread-safe; the store's loop owns it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <string_view>
#include <utility>

namespace cohort::store {

uint64_t HashBytes(std::string_view s);  // keyed per process (hash flooding)

// A bucket array from calloc: for a large table the memory comes as fresh
// zero pages from the kernel, faulted in as buckets are touched, instead of
// being zeroed all at once (16 MB for 2M buckets) by the insert that grows it.
template <typename Node>
class BucketArray {
 public:
  BucketArray() = default;
  BucketArray(const BucketArray&) = delete;
  BucketArray& operator=(const BucketArray&) = delete;
  BucketArray(BucketArray&& o) noexcept : b_(std::exchange(o.b_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  BucketArray& operator=(BucketArray&& o) noexcept {
    if (this != &o) {
      std::free(b_);
      b_ = std::exchange(o.b_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  ~BucketArray() { std::free(b_); }
  explicit BucketArray(size_t n) : b_(static_cast<Node**>(std::calloc(n, sizeof(Node*)))), n_(n) {
    if (b_ == nullptr) throw std::bad_alloc();
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  Node*& operator[](size_t i) { return b_[i]; }
  Node* operator[](size_t i) const { return b_[i]; }
  Node** begin() { return b_; }
  Node** end() { return b_ + n_; }
  Node* const* begin() const { return b_; }
  Node* const* end() const { return b_ + n_; }

 private:
  Node** b_ = nullptr;
  size_t n_ = 0;
};

template <typename Node, typename Traits>
class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& o) noexcept { *this = std::move(o); }
  Dict& operator=(Dict&& o) noexcept {
    t_[0] = std::move(o.t_[0]);
    t_[1] = std::move(o.t_[1]);
    rehash_ = std::exchange(o.rehash_, 0);
    size_ = std::exchange(o.size_, 0);
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t bucket_count() const { return t_[0].size() + t_[1].size(); }
  bool rehashing() const { return !t_[1].empty(); }

  Node* Find(std::string_view key) const {
    if (size_ == 0) return nullptr;
    uint64_t h = HashBytes(key);
    for (int t = 0; t <= (rehashing() ? 1 : 0); ++t) {
      for (Node* n = t_[t][h & Mask(t)]; n != nullptr; n = Traits::Next(n)) {
        if (Traits::Key(n) == key) return n;
      }
    }
    return nullptr;
  }

  // Adds a node whose key is not present yet.
  void Insert(Node* node) {
    if (rehashing()) {
      Step(1);
    } else if (t_[0].empty()) {
      t_[0] = BucketArray<Node>(4);
    } else if (size_ + 1 > t_[0].size()) {
      StartResize(t_[0].size() * 2);
    }
    int t = rehashing() ? 1 : 0;  // new nodes go to the table that stays
    Node*& head = t_[t][HashBytes(Traits::Key(node)) & Mask(t)];
    Traits::Next(node) = head;
    head = node;
    ++size_;
  }

  // Removes and returns the node with this key (nullptr if absent).
  Node* Unlink(std::string_view key) {
    if (size_ == 0) return nullptr;
    if (rehashing()) Step(1);
    Node** link = FindLink(key);
    Node* n = *link;
    if (n == nullptr) return nullptr;
    *link = Traits::Next(n);
    Traits::Next(n) = nullptr;
    --size_;
    if (paused_ > 0) return n;  // inside Scan: the tables stay as they are
    if (size_ == 0) {
      Release();
    } else if (!rehashing() && t_[0].size() > 4 && size_ * 8 < t_[0].size()) {
      StartResize(t_[0].size() / 2);
    }
    return n;
  }

  // Replaces `old_node` (in the table) by `new_node` with the same key.
  void Replace(Node* old_node, Node* new_node) {
    Node** link = FindLink(Traits::Key(old_node));
    Traits::Next(new_node) = Traits::Next(old_node);
    *link = new_node;
  }

  // Moves up to `buckets` buckets to the new table; returns whether a
  // resize is still under way.
  bool Rehash(size_t buckets) {
    if (rehashing()) Step(buckets);
    return rehashing();
  }

  // Calls fn(node) for the buckets at `cursor`; returns the next cursor (0
  // at the end). fn may unlink the node it is given (no bucket moves during
  // the call). Redis's dictScan: while resizing, the cursor's bucket in the
  // smaller table and every bucket of the larger one that it expands to.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (size_ == 0) return 0;
    ++paused_;
    if (!rehashing()) {
      uint64_t m = Mask(0);
      EmitBucket(0, cursor & m, fn);
      cursor = NextCursor(cursor, m);
    } else {
      int small = t_[0].size() <= t_[1].size() ? 0 : 1;
      int large = 1 - small;
      uint64_t m0 = Mask(small), m1 = Mask(large);
      EmitBucket(small, cursor & m0, fn);
      do {
        EmitBucket(large, cursor & m1, fn);
        cursor = NextCursor(cursor, m1);
      } while (cursor & (m0 ^ m1));
    }
    --paused_;
    return cursor;
  }

  // fn(node) for every node; fn must not insert or unlink.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& table : t_) {
      for (Node* head : table) {
        for (Node* n = head; n != nullptr; n = Traits::Next(n)) fn(n);
      }
    }
  }

  // A node chosen at random (fairly, up to bucket length); nullptr when empty.
  template <typename Rng>
  Node* Random(Rng& rng) const {
    if (size_ == 0) return nullptr;
    // Buckets of the old table below rehash_ are empty: pick among the rest.
    size_t old_live = t_[0].size() - rehash_;
    std::uniform_int_distribution<size_t> pick(0, old_live + t_[1].size() - 1);
    Node* head = nullptr;
    while (head == nullptr) {
      size_t i = pick(rng);
      head = i < old_live ? t_[0][rehash_ + i] : t_[1][i - old_live];
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
    for (auto& table : t_) {
      for (Node*& head : table) {
        for (Node* n = head; n != nullptr;) {
          Node* next = Traits::Next(n);
          fn(n);
          n = next;
        }
        head = nullptr;
      }
    }
    Release();
  }

 private:
  uint64_t Mask(int t) const { return t_[t].size() - 1; }
  static uint64_t Reverse(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
  }
  // Increments the reversed cursor over the bits of `mask` (Redis dictScan).
  static uint64_t NextCursor(uint64_t cursor, uint64_t mask) {
    cursor |= ~mask;
    return Reverse(Reverse(cursor) + 1);
  }
  template <typename Fn>
  void EmitBucket(int t, uint64_t index, Fn& fn) const {
    for (Node* n = t_[t][index]; n != nullptr;) {
      Node* next = Traits::Next(n);  // fn may unlink n
      fn(n);
      n = next;
    }
  }
  // The link that points at the node with `key`, or at the null ending its chain.
  Node** FindLink(std::string_view key) {
    uint64_t h = HashBytes(key);
    Node** link = nullptr;
    for (int t = 0; t <= (rehashing() ? 1 : 0); ++t) {
      link = &t_[t][h & Mask(t)];
      while (*link != nullptr && Traits::Key(*link) != key) link = &Traits::Next(*link);
      if (*link != nullptr) return link;
    }
    return link;
  }
  void StartResize(size_t buckets) {
    t_[1] = BucketArray<Node>(buckets);
    rehash_ = 0;
  }
  // Moves `buckets` buckets of the old table (visiting at most ten times as
  // many empty ones) into the new one; swaps the tables when done.
  void Step(size_t buckets) {
    if (paused_ > 0) return;
    size_t empty_visits = buckets * 10;
    uint64_t m1 = Mask(1);
    while (buckets > 0 && rehash_ < t_[0].size()) {
      Node* n = t_[0][rehash_];
      if (n == nullptr) {
        ++rehash_;
        if (--empty_visits == 0) break;
        continue;
      }
      while (n != nullptr) {
        Node* next = Traits::Next(n);
        Node*& head = t_[1][HashBytes(Traits::Key(n)) & m1];
        Traits::Next(n) = head;
        head = n;
        n = next;
      }
      t_[0][rehash_++] = nullptr;
      --buckets;
    }
    if (rehash_ == t_[0].size()) {
      t_[0] = std::move(t_[1]);
      rehash_ = 0;
    }
  }
  void Release() {
    t_[0] = BucketArray<Node>();
    t_[1] = BucketArray<Node>();
    rehash_ = 0;
    size_ = 0;
  }

  // t_[0] is the table; t_[1] is non-empty only while resizing into it.
  // Sizes are 0 or powers of two.
  BucketArray<Node> t_[2];
  size_t rehash_ = 0;       // while resizing: buckets of t_[0] below it are moved
  size_t size_ = 0;
  mutable int paused_ = 0;  // inside Scan's callbacks: no bucket moves
};

}  // namespace cohort::store
