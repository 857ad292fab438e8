// Logger: the primary's own event lines and its workers' forwarded output.
//
// Text mode: events go to stderr as "2026-11-24T20:31:05.123Z [web] slot 0:
// worker 1 (pid 42) started" (WARN/ERROR marked); worker lines go to the
// stream they came from, prefixed "[web:0] ". JSON mode (--json-logs): one
// object per line, events and worker output alike, on stdout. Quiet mode
// keeps only warnings and errors from the primary (workers' output stays).
// Writes are synchronous; used on the loop thread only.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace cohort {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogOptions {
  bool json = false;
  LogLevel min_level = LogLevel::kInfo;
};

class Logger {
 public:
  // Worker lines go to `out`/`err` by stream; cohort's own events to `events`
  // (default: `err`). The FILEs stay the caller's.
  explicit Logger(LogOptions options = {}, FILE* out = stdout, FILE* err = stderr, FILE* events = nullptr)
      : opt_(options), out_(out), err_(err), events_(events ? events : err) {}

  void Event(LogLevel level, std::string_view app, std::string_view message);
  void WorkerLine(std::string_view app, int slot, int pid, bool is_stderr, std::string_view line);
  const LogOptions& options() const { return opt_; }

 private:
  LogOptions opt_;
  FILE* out_;
  FILE* err_;
  FILE* events_;
};

const char* LogLevelName(LogLevel level);
// "2026-11-24T20:31:05.123Z" for now.
std::string UtcTimestamp();

}  // namespace cohort
