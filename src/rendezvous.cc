#include "rendezvous.h"

namespace cohort {
namespace {

// The splitmix64 finalizer: a cheap bijection with full avalanche.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t StickyHash(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, then mixed
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Mix(h);
}

uint64_t RendezvousScore(uint64_t key_hash, int slot) {
  return Mix(key_hash ^ Mix(static_cast<uint64_t>(slot) + 0x9e3779b97f4a7c15ULL));
}

size_t RendezvousPick(uint64_t key_hash, std::span<const Candidate> candidates) {
  size_t best = 0;
  uint64_t best_score = RendezvousScore(key_hash, candidates[0].slot);
  for (size_t i = 1; i < candidates.size(); ++i) {
    uint64_t s = RendezvousScore(key_hash, candidates[i].slot);
    if (s > best_score) best = i, best_score = s;
  }
  return best;
}

}  // namespace cohort
