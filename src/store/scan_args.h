// The cursor/MATCH/COUNT/TYPE arguments shared by SCAN, HSCAN, SSCAN and ZSCAN.
#pragma once

#include <cstdint>
#include <string_view>

#include "store/command.h"

namespace cohort::store {

// Parses "cursor [MATCH p] [COUNT n] [TYPE t]" from args[first]; false after replying an error.
bool ParseScanArgs(CommandContext& c, size_t first, bool allow_type, uint64_t* cursor, std::string_view* match,
                   int64_t* count, std::string_view* type);

}  // namespace cohort::store

namespace cohort::store {
// HSCAN/SSCAN/ZSCAN over a hash, set or sorted set (nullptr = missing key).
void ScanFields(CommandContext& c, const Entry* e);
}  // namespace cohort::store
