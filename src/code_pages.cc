#include "code_pages.h"

#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace cohort {

std::vector<AddressRange> ReadOnlyRanges(std::vector<LoadSegment> segments, size_t page_size) {
  auto down = [page_size](uintptr_t a) { return a - a % page_size; };
  auto up = [&](uintptr_t a) { return down(a + page_size - 1); };
  std::vector<AddressRange> out;
  for (const LoadSegment& s : segments) {
    if (s.writable || s.size == 0) continue;
    AddressRange r{down(s.start), up(s.start + s.size)};
    for (const LoadSegment& w : segments) {
      if (!w.writable || w.size == 0) continue;
      uintptr_t ws = down(w.start), we = up(w.start + w.size);
      if (we <= r.start || ws >= r.end) continue;
      // Keep the part before or after the writable pages (segments do not
      // interleave: one of the two is empty).
      if (ws > r.start) {
        r.end = ws;
      } else {
        r.start = std::min(r.end, we);
      }
    }
    if (r.start < r.end) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const AddressRange& a, const AddressRange& b) { return a.start < b.start; });
  std::vector<AddressRange> merged;
  for (const AddressRange& r : out) {
    if (!merged.empty() && merged.back().end >= r.start) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

Result<size_t> ReleaseCodePages() {
  struct Program {
    std::vector<LoadSegment> segments;
    bool text_relocations = false;  // then "read-only" pages were written at load
  } program;
  // The first object dl_iterate_phdr reports is the executable itself.
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* out = static_cast<Program*>(data);
        for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type == PT_LOAD) {
            out->segments.push_back({info->dlpi_addr + ph.p_vaddr, ph.p_memsz, (ph.p_flags & PF_W) != 0});
          } else if (ph.p_type == PT_DYNAMIC) {
            for (auto* d = reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + ph.p_vaddr); d->d_tag != DT_NULL; ++d) {
              if (d->d_tag == DT_TEXTREL || (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL))) {
                out->text_relocations = true;
              }
            }
          }
        }
        return 1;
      },
      &program);
  if (program.text_relocations) return Status::Error("the executable has text relocations; its pages are kept");
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) return Status::FromErrno("sysconf(_SC_PAGESIZE)");
  size_t advised = 0;
  for (const AddressRange& r : ReadOnlyRanges(std::move(program.segments), static_cast<size_t>(page))) {
    if (madvise(reinterpret_cast<void*>(r.start), r.end - r.start, MADV_DONTNEED) != 0) {
      return Status::FromErrno(fmt::format("madvise {:#x}-{:#x}", r.start, r.end));
    }
    advised += r.end - r.start;
  }
  return advised;
}

}  // namespace cohort
