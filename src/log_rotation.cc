#include "log_rotation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace cohort {
namespace {

constexpr std::string_view kGz = ".gz";
constexpr std::string_view kTmp = ".tmp";
constexpr size_t kTimestampLength = 19;  // 2026-11-24_20-31-05

// "web-out.log" -> {"web-out", ".log"}; "output" -> {"output", ""}.
std::pair<std::string_view, std::string_view> SplitExtension(std::string_view base) {
  size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {base, ""};
  return {base.substr(0, dot), base.substr(dot)};
}

bool IsTimestamp(std::string_view s) {
  if (s.size() != kTimestampLength) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char want = i == 4 || i == 7 || i == 13 || i == 16 ? '-' : i == 10 ? '_' : '0';
    if (want == '0' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != want) return false;
  }
  return true;
}

}  // namespace

std::string RotatedLogName(std::string_view live_base, const struct tm& utc, int seq) {
  auto [stem, ext] = SplitExtension(live_base);
  std::string ts = fmt::format("{:04}-{:02}-{:02}_{:02}-{:02}-{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                               utc.tm_hour, utc.tm_min, utc.tm_sec);
  return seq > 0 ? fmt::format("{}__{}.{}{}", stem, ts, seq, ext) : fmt::format("{}__{}{}", stem, ts, ext);
}

std::optional<RotatedLog> ParseRotatedLogName(std::string_view live_base, std::string_view name) {
  auto [stem, ext] = SplitExtension(live_base);
  RotatedLog r;
  r.name = std::string(name);
  std::string_view rest = name;
  if (rest.ends_with(kGz)) {
    r.compressed = true;
    rest.remove_suffix(kGz.size());
  }
  if (!rest.starts_with(stem) || rest.substr(stem.size()).substr(0, 2) != "__") return std::nullopt;
  rest.remove_prefix(stem.size() + 2);
  if (!rest.ends_with(ext)) return std::nullopt;
  rest.remove_suffix(ext.size());
  if (!IsTimestamp(rest.substr(0, kTimestampLength))) return std::nullopt;
  r.timestamp = std::string(rest.substr(0, kTimestampLength));
  rest.remove_prefix(kTimestampLength);
  if (!rest.empty()) {
    if (rest.size() < 2 || rest[0] != '.' || rest.size() > 10) return std::nullopt;
    for (char c : rest.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    r.seq = std::stoi(std::string(rest.substr(1)));
    if (r.seq == 0) return std::nullopt;
  }
  return r;
}

TidyPlan PlanTidy(std::string_view live_base, const std::vector<std::string>& names, int keep, bool compress) {
  TidyPlan plan;
  std::vector<RotatedLog> rotated;
  for (const std::string& n : names) {
    std::string_view v(n);
    if (v.ends_with(kTmp)) {
      // An interrupted gzip of one of ours: its source is still there.
      std::string_view src = v.substr(0, v.size() - kTmp.size());
      if (auto r = ParseRotatedLogName(live_base, src); r && r->compressed) plan.remove.push_back(n);
      continue;
    }
    if (auto r = ParseRotatedLogName(live_base, v)) rotated.push_back(std::move(*r));
  }
  std::sort(rotated.begin(), rotated.end());
  // A file both plain and gzipped (the daemon died between gzip's rename and
  // the unlink): the .gz is complete, the plain one goes.
  for (size_t i = 0; i + 1 < rotated.size(); ++i) {
    if (rotated[i].timestamp == rotated[i + 1].timestamp && rotated[i].seq == rotated[i + 1].seq) {
      RotatedLog& plain = rotated[i].compressed ? rotated[i + 1] : rotated[i];
      plan.remove.push_back(plain.name);
      plain.name.clear();
    }
  }
  std::erase_if(rotated, [](const RotatedLog& r) { return r.name.empty(); });
  size_t drop = rotated.size() > static_cast<size_t>(std::max(keep, 0)) ? rotated.size() - std::max(keep, 0) : 0;
  for (size_t i = 0; i < rotated.size(); ++i) {
    if (i < drop) {
      plan.remove.push_back(rotated[i].name);
    } else if (compress && !rotated[i].compressed) {
      plan.compress.push_back(rotated[i].name);
    }
  }
  return plan;
}

}  // namespace cohort
