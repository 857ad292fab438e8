#include "rendezvous.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace cohort {
namespace {

std::vector<Candidate> Slots(int n) {
  std::vector<Candidate> c;
  for (int s = 0; s < n; ++s) c.push_back({static_cast<WorkerId>(100 + s), s, 0});
  return c;
}

int SlotOf(const std::string& key, const std::vector<Candidate>& c) {
  return c[RendezvousPick(StickyHash(key), c)].slot;
}

TEST(Rendezvous, HashIsStableAcrossRuns) {
  // Fixed values: a change here moves every user of every deployment.
  EXPECT_EQ(StickyHash("alice"), 14254268223963220572ULL);
  EXPECT_EQ(StickyHash("alice"), StickyHash(std::string("alice")));
  EXPECT_NE(StickyHash("alice"), StickyHash("alicf"));
}

TEST(Rendezvous, SpreadsKeysEvenlyOverSlots) {
  auto c = Slots(4);
  std::map<int, int> count;
  for (int i = 0; i < 4000; ++i) ++count[SlotOf("user-" + std::to_string(i), c)];
  for (auto [slot, n] : count) EXPECT_NEAR(n, 1000, 150) << "slot " << slot;
}

TEST(Rendezvous, OrderOfCandidatesAndWorkerIdsDoNotMatter) {
  auto a = Slots(3);
  std::vector<Candidate> b = {{7, 2, 5}, {8, 0, 0}, {9, 1, 3}};
  for (int i = 0; i < 200; ++i) {
    std::string k = "k" + std::to_string(i);
    EXPECT_EQ(SlotOf(k, a), SlotOf(k, b)) << k;
  }
}

TEST(Rendezvous, LosingASlotMovesOnlyItsKeys) {
  auto all = Slots(4);
  auto without2 = all;
  without2.erase(without2.begin() + 2);
  for (int i = 0; i < 1000; ++i) {
    std::string k = "u" + std::to_string(i);
    int before = SlotOf(k, all);
    if (before != 2) {
      EXPECT_EQ(SlotOf(k, without2), before) << k;
    }
  }
}

TEST(Rendezvous, ScalingUpMovesAboutOneInNPlusOne) {
  auto four = Slots(4), five = Slots(5);
  int moved = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string k = "u" + std::to_string(i);
    int a = SlotOf(k, four), b = SlotOf(k, five);
    if (a != b) {
      ++moved;
      EXPECT_EQ(b, 4) << "a key may only move to the new slot";
    }
  }
  EXPECT_NEAR(moved, 1000, 150);  // 5000 / 5
}

}  // namespace
}  // namespace cohort
