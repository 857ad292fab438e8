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

void Logger::Event(LogLevel level, std::string_view app, std::string_view message) {
  if (level < opt_.min_level) return;
  if (opt_.json) {
    nlohmann::json j = {{"time", UtcTimestamp()}, {"level", LogLevelName(level)}, {"app", app},
                        {"msg", message}};
    fmt::print(out_, "{}\n", Dump(j));
    std::fflush(out_);
    return;
  }
  const char* tag = level == LogLevel::kWarn ? " WARN" : level == LogLevel::kError ? " ERROR" : "";
  fmt::print(events_, "{} [{}]{} {}\n", UtcTimestamp(), app, tag, message);
  std::fflush(events_);
}

void Logger::WorkerLine(std::string_view app, int slot, int pid, bool is_stderr,
                        std::string_view line) {
  if (opt_.json) {
    nlohmann::json j = {{"time", UtcTimestamp()}, {"app", app}, {"slot", slot}, {"pid", pid},
                        {"stream", is_stderr ? "stderr" : "stdout"}, {"line", line}};
    fmt::print(out_, "{}\n", Dump(j));
    std::fflush(out_);
    return;
  }
  FILE* f = is_stderr ? err_ : out_;
  fmt::print(f, "[{}:{}] {}\n", app, slot, line);
  std::fflush(f);
}

}  // namespace cohort
