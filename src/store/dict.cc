#include "store/dict.h"

#include <random>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace cohort::store {
namespace {
uint64_t Seed() {
  static const uint64_t seed = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  return seed;
}
}  // namespace

uint64_t HashBytes(std::string_view s) { return XXH3_64bits_withSeed(s.data(), s.size(), Seed()); }

}  // namespace cohort::store
