// Code pages: giving back the resident pages of cohort's own machine code
// that only startup needed.
//
// A primary or daemon runs for months but most of its code runs once: the
// command line (CLI11 builds every subcommand and option), config parsing,
// setup. Those text pages stay mapped, and counted in RSS, long after: about
// 2 MB, more than everything the primary allocates. ReleaseCodePages drops
// the process's mappings of its executable's text (MADV_DONTNEED on the
// read-only, executable, private mappings of /proc/self/exe): the page cache
// keeps the file, and what runs again is mapped back at its next use by a
// minor fault. Only never-written text is touched: writable and read-only
// data (relocated, copied on write) are left alone.
//
// ExecutableRanges is the pure part: which lines of /proc/self/maps qualify.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace cohort {

struct AddressRange {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool operator==(const AddressRange&) const = default;
};

// The `r-xp` mappings of `path` in `maps` (the text of /proc/PID/maps).
std::vector<AddressRange> ExecutableRanges(std::string_view maps, std::string_view path);

// Drops this process's resident pages of its own executable's text. Returns
// the number of bytes of address space advised.
Result<size_t> ReleaseCodePages();

}  // namespace cohort
