// ProcessUsage: a process's CPU time and resident memory, read from
// /proc/<pid>/stat (one small read: utime, stime and rss are all there; the
// rss field is the kernel's resident-set counter, as statm's).
//
// ParseProcStat is pure (unit-tested on captured text); ReadProcStat does the
// read. UsageMeter turns successive readings of one process into a CPU
// percentage over the last interval. Callers sample on a timer (at most once
// a second per process), never per connection.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "status.h"

namespace cohort {

struct ProcStat {
  uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks (sysconf(_SC_CLK_TCK))
  uint64_t rss_pages = 0;  // resident pages
};

// Parses the text of /proc/<pid>/stat. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from its last ')'.
Result<ProcStat> ParseProcStat(std::string_view text);
Result<ProcStat> ReadProcStat(pid_t pid);

struct ProcessUsage {
  double cpu_seconds = 0;  // user + system, since the process started
  double cpu_percent = 0;  // over the last interval (100 = one core)
  uint64_t rss_bytes = 0;
};

// This process's CPU seconds and resident memory (cpu_percent is 0).
Result<ProcessUsage> ReadOwnUsage();

class UsageMeter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // `started`: when the process was spawned; it had used no CPU then, so the
  // first reading gives the average since its start.
  UsageMeter(TimePoint started, long ticks_per_second, long page_size)
      : prev_time_(started), ticks_per_second_(ticks_per_second), page_size_(page_size) {}
  explicit UsageMeter(TimePoint started);  // this machine's tick rate and page size

  const ProcessUsage& Update(const ProcStat& stat, TimePoint now);
  const std::optional<ProcessUsage>& last() const { return last_; }

 private:
  uint64_t prev_ticks_ = 0;
  TimePoint prev_time_;
  long ticks_per_second_;
  long page_size_;
  std::optional<ProcessUsage> last_;
};

}  // namespace cohort
