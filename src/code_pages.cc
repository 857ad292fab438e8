#include "code_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

namespace cohort {
namespace {

bool ParseHex(std::string_view s, uintptr_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::vector<AddressRange> ExecutableRanges(std::string_view maps, std::string_view path) {
  std::vector<AddressRange> out;
  while (!maps.empty()) {
    size_t nl = maps.find('\n');
    std::string_view line = maps.substr(0, nl);
    maps = nl == std::string_view::npos ? std::string_view() : maps.substr(nl + 1);
    // start-end perms offset dev inode path
    std::istringstream fields{std::string(line)};
    std::string range, perms, offset, dev, inode, file;
    if (!(fields >> range >> perms >> offset >> dev >> inode)) continue;
    std::getline(fields >> std::ws, file);
    if (perms != "r-xp" || file != path) continue;
    size_t dash = range.find('-');
    AddressRange r;
    if (dash == std::string::npos || !ParseHex(std::string_view(range).substr(0, dash), r.start) ||
        !ParseHex(std::string_view(range).substr(dash + 1), r.end) || r.end <= r.start) {
      continue;
    }
    out.push_back(r);
  }
  return out;
}

Result<size_t> ReleaseCodePages() {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) return Status::FromErrno("readlink /proc/self/exe");
  std::ifstream f("/proc/self/maps");
  if (!f) return Status::FromErrno("open /proc/self/maps");
  std::string maps((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t advised = 0;
  for (const AddressRange& r : ExecutableRanges(maps, std::string_view(exe, static_cast<size_t>(n)))) {
    if (madvise(reinterpret_cast<void*>(r.start), r.end - r.start, MADV_DONTNEED) != 0) {
      return Status::FromErrno(fmt::format("madvise {:#x}-{:#x}", r.start, r.end));
    }
    advised += r.end - r.start;
  }
  return advised;
}

}  // namespace cohort
