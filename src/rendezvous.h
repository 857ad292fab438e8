// Rendezvous (highest random weight) hashing of sticky keys onto worker
// slots: each (key, slot) pair gets a score and the highest-scoring slot
// wins. A key's slot changes only when that slot disappears; scaling from N
// to N+1 slots moves about 1/(N+1) of the keys (hash % N would move almost
// all), and a respawn or reload, which keeps slot numbers, moves none.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "scheduler.h"

namespace cohort {

// A stable 64-bit hash (the same in every run and build: keys must map to
// the same slots after the primary restarts).
uint64_t StickyHash(std::string_view key);
uint64_t RendezvousScore(uint64_t key_hash, int slot);
// The index in `candidates` (not empty) whose slot scores highest.
size_t RendezvousPick(uint64_t key_hash, std::span<const Candidate> candidates);

}  // namespace cohort
