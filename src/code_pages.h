// Code pages: giving back the resident pages of cohort's own executable that
// only startup needed.
//
// A primary or daemon runs for months but most of its code runs once: the
// command line (CLI11 builds every subcommand and option), config parsing,
// setup, the workers' first start. Those pages stay mapped, and counted in RSS, long after: about
// 2 MB, more than everything the primary allocates. ReleaseCodePages drops
// the process's mappings of its executable's read-only segments (the PT_LOAD
// segments without PF_W: the text, and the read-only data beside it such as
// .rodata, .eh_frame and the dynamic symbol tables) with MADV_DONTNEED. They
// are never written, so the page cache holds exactly their content: what is
// used again is mapped back at its next use by a minor fault (with its
// neighbours: the kernel maps 64 KB around a faulting page). A page that
// shares a writable segment's page (relocated data, .got, .bss: copied on
// write, so its content exists nowhere else) is never touched.
//
// ReadOnlyRanges is the pure part: which page ranges of a program's load
// segments qualify.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "status.h"

namespace cohort {

struct AddressRange {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool operator==(const AddressRange&) const = default;
};

struct LoadSegment {  // a PT_LOAD program header, relocated
  uintptr_t start = 0;
  size_t size = 0;  // p_memsz
  bool writable = false;
};

// The whole pages of the read-only segments that share no page with a
// writable one, merged where adjacent, in address order.
std::vector<AddressRange> ReadOnlyRanges(std::vector<LoadSegment> segments, size_t page_size);

// Drops this process's resident pages of its own executable's read-only
// segments. Returns the number of bytes of address space advised.
Result<size_t> ReleaseCodePages();

}  // namespace cohort
