#include "byte_size.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace cohort {

Result<uint64_t> ParseByteSize(const std::string& text) {
  auto invalid = [&] {
    return Status::Error(fmt::format("invalid size '{}' (examples: 300M, 1G, 512K, or bytes)", text));
  };
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || p == begin || value < 0) return invalid();
  std::string unit;
  for (const char* c = p; c != end; ++c) unit.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(*c))));
  if (unit.size() == 2 && unit[1] == 'B') unit.pop_back();  // "300MB" as "300M"
  double multiplier;
  if (unit.empty() || unit == "B") {
    multiplier = 1;
  } else if (unit == "K") {
    multiplier = 1024.0;
  } else if (unit == "M") {
    multiplier = 1024.0 * 1024;
  } else if (unit == "G") {
    multiplier = 1024.0 * 1024 * 1024;
  } else {
    return invalid();
  }
  double bytes = value * multiplier;
  if (bytes >= 1e18) return Status::Error(fmt::format("size '{}' is too large", text));
  return static_cast<uint64_t>(bytes);
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes) / 1024;
  if (v < 1024) return fmt::format("{:.1f} KB", v);
  v /= 1024;
  if (v < 1024) return fmt::format("{:.1f} MB", v);
  return fmt::format("{:.2f} GB", v / 1024);
}

}  // namespace cohort
