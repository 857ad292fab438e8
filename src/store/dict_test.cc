#include "store/dict.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace cohort::store {
namespace {

struct TestNode {
  std::string key;
  TestNode* next = nullptr;
};
struct TestTraits {
  static std::string_view Key(const TestNode* n) { return n->key; }
  static TestNode*& Next(TestNode* n) { return n->next; }
};
using TestDict = Dict<TestNode, TestTraits>;

class DictTest : public ::testing::Test {
 protected:
  TestNode* Add(const std::string& key) {
    nodes.push_back(std::make_unique<TestNode>(TestNode{key}));
    d.Insert(nodes.back().get());
    return nodes.back().get();
  }
  static std::string Key(int i) { return "key:" + std::to_string(i); }
  // Every key a full SCAN returns (duplicates allowed, as in Redis).
  std::set<std::string> ScanAll(const std::function<void()>& between_calls = nullptr) {
    std::set<std::string> seen;
    uint64_t cursor = 0;
    do {
      cursor = d.Scan(cursor, [&](const TestNode* n) { seen.insert(n->key); });
      if (between_calls) between_calls();
    } while (cursor != 0);
    return seen;
  }
  TestDict d;
  std::vector<std::unique_ptr<TestNode>> nodes;
};

TEST_F(DictTest, GrowingIsSpreadOverLaterOperations) {
  for (int i = 0; i < 4096; ++i) Add(Key(i));
  ASSERT_FALSE(d.rehashing());
  ASSERT_EQ(d.bucket_count(), 4096u);
  Add(Key(4096));  // over the load factor: a new table of 8192, nothing moved yet but a bucket
  EXPECT_TRUE(d.rehashing());
  EXPECT_EQ(d.bucket_count(), 4096u + 8192u);
  // Each further insert moves about one bucket: far from done after 100.
  for (int i = 4097; i < 4197; ++i) Add(Key(i));
  EXPECT_TRUE(d.rehashing());
  for (int i = 0; i < 4197; ++i) ASSERT_NE(d.Find(Key(i)), nullptr) << Key(i);
  EXPECT_EQ(d.Find("absent"), nullptr);
  EXPECT_EQ(d.size(), 4197u);
  // Rehash() finishes the move.
  while (d.Rehash(100)) {
  }
  EXPECT_EQ(d.bucket_count(), 8192u);
  for (int i = 0; i < 4197; ++i) ASSERT_NE(d.Find(Key(i)), nullptr) << Key(i);
}

TEST_F(DictTest, UnlinkAndReplaceFindNodesInEitherTable) {
  for (int i = 0; i < 1025; ++i) Add(Key(i));
  ASSERT_TRUE(d.rehashing());
  for (int i = 0; i < 1025; i += 2) {
    TestNode* n = d.Unlink(Key(i));
    ASSERT_NE(n, nullptr) << Key(i);
    EXPECT_EQ(n->key, Key(i));
  }
  EXPECT_EQ(d.Unlink(Key(0)), nullptr);
  TestNode fresh{Key(1)};
  TestNode* old = d.Find(Key(1));
  d.Replace(old, &fresh);
  EXPECT_EQ(d.Find(Key(1)), &fresh);
  for (int i = 1; i < 1025; i += 2) ASSERT_NE(d.Find(Key(i)), nullptr);
  EXPECT_EQ(d.size(), 512u);
}

TEST_F(DictTest, ShrinkingIsIncrementalToo) {
  for (int i = 0; i < 2048; ++i) Add(Key(i));
  while (d.Rehash(1000)) {
  }
  size_t before = d.bucket_count();
  for (int i = 0; i < 1900; ++i) ASSERT_NE(d.Unlink(Key(i)), nullptr);
  while (d.Rehash(1000)) {
  }
  EXPECT_LT(d.bucket_count(), before);
  for (int i = 1900; i < 2048; ++i) ASSERT_NE(d.Find(Key(i)), nullptr);
  for (int i = 1900; i < 2048; ++i) ASSERT_NE(d.Unlink(Key(i)), nullptr);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.bucket_count(), 0u) << "an emptied table gives its memory back";
  Add("again");
  EXPECT_NE(d.Find("again"), nullptr);
}

TEST_F(DictTest, ScanReturnsEveryKeyPresentThroughoutWhileTheTableResizes) {
  for (int i = 0; i < 3000; ++i) Add(Key(i));
  int next = 3000;
  // Between SCAN calls: inserts (past a resize, moving buckets) and deletes
  // of keys added meanwhile, as clients would do. (A table that grows
  // faster than the scan advances could keep a scan going for ever, as in
  // Redis: the inserts stop at 6,000 keys.)
  std::set<std::string> seen = ScanAll([&] {
    if (next >= 6000) return;
    for (int k = 0; k < 4; ++k) Add(Key(next++));
    d.Unlink(Key(next - 3));
  });
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(seen.count(Key(i))) << Key(i) << " was never returned";
  EXPECT_GT(next, 4096) << "the table grew during the scan";
}

TEST_F(DictTest, ScanWhileShrinkingToo) {
  for (int i = 0; i < 4000; ++i) Add(Key(i));
  while (d.Rehash(1000)) {
  }
  for (int i = 1000; i < 4000; ++i) d.Unlink(Key(i));  // starts a shrink
  std::set<std::string> seen = ScanAll([&] { d.Rehash(3); });
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(seen.count(Key(i))) << Key(i);
}

TEST_F(DictTest, AScanCallbackMayUnlinkWhatItIsGivenEvenMidResize) {
  for (int i = 0; i < 1025; ++i) Add(Key(i));
  ASSERT_TRUE(d.rehashing());
  std::set<std::string> seen = ScanAll();
  size_t total = seen.size();
  seen.clear();
  uint64_t cursor = 0;
  do {
    cursor = d.Scan(cursor, [&](const TestNode* n) {
      seen.insert(n->key);
      d.Unlink(n->key);
    });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), total);
  EXPECT_TRUE(d.empty());
}

TEST_F(DictTest, RandomOnlyReturnsLiveNodesFromBothTables) {
  for (int i = 0; i < 1025; ++i) Add(Key(i));
  ASSERT_TRUE(d.rehashing());
  for (int i = 0; i < 40; ++i) Add(Key(1025 + i));  // some in each table
  std::mt19937_64 rng(1);
  std::set<std::string> picked;
  for (int i = 0; i < 20000; ++i) {
    TestNode* n = d.Random(rng);
    ASSERT_NE(n, nullptr);
    ASSERT_EQ(d.Find(n->key), n);
    picked.insert(n->key);
  }
  EXPECT_GT(picked.size(), 900u);
}

TEST_F(DictTest, ClearFreesBothTables) {
  for (int i = 0; i < 1025; ++i) Add(Key(i));
  ASSERT_TRUE(d.rehashing());
  size_t freed = 0;
  d.Clear([&](TestNode*) { ++freed; });
  EXPECT_EQ(freed, 1025u);
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.rehashing());
  EXPECT_EQ(d.Find(Key(3)), nullptr);
}

}  // namespace
}  // namespace cohort::store
