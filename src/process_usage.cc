#include "process_usage.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include <fmt/format.h>

#include "unique_fd.h"

namespace cohort {
namespace {

// Field numbers of proc(5), counted from 1; field 3 (state) follows the ')'.
constexpr int kUtime = 14, kStime = 15, kRss = 24;

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return Status::Error("malformed /proc stat: no command name");
  std::string_view rest = text.substr(close + 1);
  ProcStat out;
  uint64_t utime = 0, stime = 0;
  int field = 2;
  size_t i = 0;
  while (field < kRss) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    if (i >= rest.size()) return Status::Error(fmt::format("malformed /proc stat: only {} fields", field));
    size_t end = rest.find(' ', i);
    if (end == std::string_view::npos) end = rest.size();
    ++field;
    uint64_t* target = field == kUtime ? &utime : field == kStime ? &stime : field == kRss ? &out.rss_pages : nullptr;
    if (target) {
      std::string_view word = rest.substr(i, end - i);
      if (!word.empty() && word.back() == '\n') word.remove_suffix(1);
      auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), *target);
      if (ec != std::errc() || p != word.data() + word.size()) {
        return Status::Error(fmt::format("malformed /proc stat: field {} is '{}'", field, word));
      }
    }
    i = end;
  }
  out.cpu_ticks = utime + stime;
  return out;
}

Result<ProcStat> ReadProcStat(pid_t pid) {
  std::string path = fmt::format("/proc/{}/stat", pid);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::FromErrno("open " + path);
  char buf[1024];  // the fields we need come well before 1 KiB; comm is at most 64 bytes
  ssize_t n;
  do {
    n = ::read(fd.get(), buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::FromErrno("read " + path);
  return ParseProcStat(std::string_view(buf, static_cast<size_t>(n)));
}

Result<ProcessUsage> ReadOwnUsage() {
  Result<ProcStat> stat = ReadProcStat(::getpid());
  if (!stat.ok()) return stat.status();
  ProcessUsage u;
  u.cpu_seconds = static_cast<double>(stat->cpu_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  u.rss_bytes = stat->rss_pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return u;
}

UsageMeter::UsageMeter(TimePoint started)
    : UsageMeter(started, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE)) {}

const ProcessUsage& UsageMeter::Update(const ProcStat& stat, TimePoint now) {
  ProcessUsage u;
  double tps = static_cast<double>(ticks_per_second_);
  u.cpu_seconds = static_cast<double>(stat.cpu_ticks) / tps;
  u.rss_bytes = stat.rss_pages * static_cast<uint64_t>(page_size_);
  double wall = std::chrono::duration<double>(now - prev_time_).count();
  if (wall > 0 && stat.cpu_ticks >= prev_ticks_) {
    u.cpu_percent = 100.0 * (static_cast<double>(stat.cpu_ticks - prev_ticks_) / tps) / wall;
  } else if (last_) {
    u.cpu_percent = last_->cpu_percent;  // two readings at once: keep the last figure
  }
  prev_ticks_ = stat.cpu_ticks;
  prev_time_ = now;
  last_ = u;
  return *last_;
}

}  // namespace cohort
