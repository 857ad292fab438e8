// Logger: the primary's own event lines and its workers' forwarded output.
//
// Text mode: events go to the event stream as "2026-11-24T20:31:05.123Z
// [web] slot 0: worker 1 (pid 42) started" (WARN/ERROR marked); worker lines
// to the stream they came from, prefixed "[web:0] ", and with a date format
// (`--time`, `log_date_format`) also "2026-11-24T20:31:05 " before that.
// JSON mode (--json-logs): one object per line, events and worker output
// alike, on the out stream. Quiet mode keeps only warnings and errors from
// the primary (workers' output stays).
// Lines go to a LogSink: the terminal for `cohort run`, an app's log files in
// the daemon. Used on the loop thread only.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "log_date_format.h"

namespace cohort {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogStream { kOut, kErr, kEvent };

struct LogOptions {
  bool json = false;
  LogLevel min_level = LogLevel::kInfo;
  std::string date_format;  // "" = no timestamp on worker lines (LogDateFormat tokens)
};

// Where finished lines go (without their '\n').
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(LogStream stream, std::string_view line) = 0;
};

// stdout for worker output, stderr for stderr and events; flushed per line.
class StdioSink : public LogSink {
 public:
  explicit StdioSink(FILE* out = stdout, FILE* err = stderr) : out_(out), err_(err) {}
  void Write(LogStream stream, std::string_view line) override;

 private:
  FILE* out_;
  FILE* err_;
};

class Logger {
 public:
  // `sink` stays the caller's; null: the terminal.
  explicit Logger(LogOptions options = {}, LogSink* sink = nullptr);
  Logger(const Logger&) = delete;  // sink_ may point at stdio_
  Logger& operator=(const Logger&) = delete;

  void Event(LogLevel level, std::string_view app, std::string_view message);
  void WorkerLine(std::string_view app, int slot, int pid, bool is_stderr, std::string_view line);
  const LogOptions& options() const { return opt_; }

 private:
  LogOptions opt_;
  std::optional<LogDateFormat> date_format_;
  StdioSink stdio_;
  LogSink* sink_;
  std::string line_;  // reused for formatting
};

const char* LogLevelName(LogLevel level);
// "2026-11-24T20:31:05.123Z" for now.
std::string UtcTimestamp();

}  // namespace cohort
