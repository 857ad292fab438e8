#include "logger.h"

#include <sys/time.h>
#include <time.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cohort {

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "?";
}

std::string UtcTimestamp() {
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  struct tm tm;
  ::gmtime_r(&tv.tv_sec, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tv.tv_usec / 1000);
}

namespace {
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

void StdioSink::Write(LogStream stream, std::string_view line) {
  FILE* f = stream == LogStream::kOut ? out_ : err_;
  fmt::print(f, "{}\n", line);
  std::fflush(f);
}

Logger::Logger(LogOptions options, LogSink* sink) : opt_(std::move(options)), sink_(sink ? sink : &stdio_) {
  if (!opt_.date_format.empty()) date_format_.emplace(opt_.date_format);
}

void Logger::Event(LogLevel level, std::string_view app, std::string_view message) {
  if (level < opt_.min_level) return;
  if (opt_.json) {
    nlohmann::json j = {{"time", UtcTimestamp()}, {"level", LogLevelName(level)}, {"app", app},
                        {"msg", message}};
    sink_->Write(LogStream::kOut, Dump(j));
    return;
  }
  const char* tag = level == LogLevel::kWarn ? " WARN" : level == LogLevel::kError ? " ERROR" : "";
  line_ = fmt::format("{} [{}]{} {}", UtcTimestamp(), app, tag, message);
  sink_->Write(LogStream::kEvent, line_);
}

void Logger::WorkerLine(std::string_view app, int slot, int pid, bool is_stderr,
                        std::string_view line) {
  if (opt_.json) {
    nlohmann::json j = {{"time", UtcTimestamp()}, {"app", app}, {"slot", slot}, {"pid", pid},
                        {"stream", is_stderr ? "stderr" : "stdout"}, {"line", line}};
    sink_->Write(LogStream::kOut, Dump(j));
    return;
  }
  line_.clear();
  if (date_format_) {
    line_ = date_format_->Format(LocalLogTime(std::chrono::system_clock::now()));
    line_.push_back(' ');
  }
  fmt::format_to(std::back_inserter(line_), "[{}:{}] {}", app, slot, line);
  sink_->Write(is_stderr ? LogStream::kErr : LogStream::kOut, line_);
}

}  // namespace cohort
