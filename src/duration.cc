#include "duration.h"

#include <charconv>

#include <fmt/format.h>

namespace cohort {

Result<Millis> ParseDuration(const std::string& text) {
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || p == begin || value < 0) {
    return Status::Error(fmt::format("invalid duration '{}' (examples: 500ms, 10s, 2m)", text));
  }
  std::string unit(p, end);
  double ms;
  if (unit.empty() || unit == "ms") {
    ms = value;
  } else if (unit == "s") {
    ms = value * 1000;
  } else if (unit == "m" || unit == "min") {
    ms = value * 60000;
  } else if (unit == "h") {
    ms = value * 3600000;
  } else {
    return Status::Error(fmt::format("invalid duration '{}': unknown unit '{}' (use ms, s, m or h)", text, unit));
  }
  if (ms > 1e12) return Status::Error(fmt::format("duration '{}' is too long", text));
  return Millis(static_cast<int64_t>(ms));
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  int64_t s = ms / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
}

}  // namespace cohort
