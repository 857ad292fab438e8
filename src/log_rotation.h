// Log rotation by size: the rules, without touching the disk or a clock.
//
// A live log "dir/web-out.log" that reaches max_size is renamed to
// "dir/web-out__2026-11-24_20-31-05.log" (UTC; ".1", ".2" ... before the
// extension when several rotations fall in one second), a new live file is
// opened, and later the rotated files are tidied: the newest max_files are
// kept (gzipped to "...log.gz" with compress), older ones removed, and
// leftovers of an interrupted gzip ("...log.gz.tmp") deleted.
// RotatingLogFile (rotating_log_file.h) carries this out.
#pragma once

#include <time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

struct LogRotation {
  uint64_t max_size = 10ULL << 20;  // bytes; 0: never rotate
  int max_files = 5;                // rotated files kept
  bool compress = false;            // gzip rotated files
};

inline bool NeedsRotation(uint64_t size, const LogRotation& r) { return r.max_size > 0 && size >= r.max_size; }

// A rotated file of the live log `live_base` (a file name, no directory).
struct RotatedLog {
  std::string name;       // file name in the live log's directory
  std::string timestamp;  // "2026-11-24_20-31-05"
  int seq = 0;            // 0, 1, 2 ... within one second
  bool compressed = false;
  bool operator<(const RotatedLog& o) const { return timestamp != o.timestamp ? timestamp < o.timestamp : seq < o.seq; }
};

// The file name the live log gets when rotated at `utc` (seq > 0 for a
// second rotation within that second).
std::string RotatedLogName(std::string_view live_base, const struct tm& utc, int seq);
// The parsed name if `name` is one of live_base's rotated files.
std::optional<RotatedLog> ParseRotatedLogName(std::string_view live_base, std::string_view name);

struct TidyPlan {
  std::vector<std::string> compress;  // rotated files to gzip, oldest first
  std::vector<std::string> remove;    // beyond the newest `keep`, and stale .gz.tmp files
};
// What to do with the files `names` (a directory listing) so that at most
// `keep` rotated files of live_base remain.
TidyPlan PlanTidy(std::string_view live_base, const std::vector<std::string>& names, int keep, bool compress);

}  // namespace cohort
