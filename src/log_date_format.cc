#include "log_date_format.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>

namespace cohort {
namespace {

// Longest first, so "YYYY" wins over "YY" and "SSS" over "S".
constexpr std::array<std::string_view, 25> kTokens = {"YYYY", "MMMM", "dddd", "MMM", "ddd", "SSS", "YY", "MM", "DD",
                                                      "HH",   "hh",   "mm",   "ss",  "SS",  "ZZ",  "M",  "D",  "H",
                                                      "h",    "m",    "s",    "S",   "A",   "a",   "Z"};

const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
const char* const kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

std::string Offset(long seconds, bool colon) {
  char sign = seconds < 0 ? '-' : '+';
  long m = std::labs(seconds) / 60;
  return colon ? fmt::format("{}{:02}:{:02}", sign, m / 60, m % 60) : fmt::format("{}{:02}{:02}", sign, m / 60, m % 60);
}

std::string Expand(std::string_view token, const LogTime& t) {
  const struct tm& tm = t.local;
  int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  if (token == "YYYY") return fmt::format("{:04}", tm.tm_year + 1900);
  if (token == "YY") return fmt::format("{:02}", (tm.tm_year + 1900) % 100);
  if (token == "MMMM") return kMonths[tm.tm_mon % 12];
  if (token == "MMM") return std::string(kMonths[tm.tm_mon % 12]).substr(0, 3);
  if (token == "MM") return fmt::format("{:02}", tm.tm_mon + 1);
  if (token == "M") return fmt::format("{}", tm.tm_mon + 1);
  if (token == "DD") return fmt::format("{:02}", tm.tm_mday);
  if (token == "D") return fmt::format("{}", tm.tm_mday);
  if (token == "dddd") return kDays[tm.tm_wday % 7];
  if (token == "ddd") return std::string(kDays[tm.tm_wday % 7]).substr(0, 3);
  if (token == "HH") return fmt::format("{:02}", tm.tm_hour);
  if (token == "H") return fmt::format("{}", tm.tm_hour);
  if (token == "hh") return fmt::format("{:02}", hour12);
  if (token == "h") return fmt::format("{}", hour12);
  if (token == "mm") return fmt::format("{:02}", tm.tm_min);
  if (token == "m") return fmt::format("{}", tm.tm_min);
  if (token == "ss") return fmt::format("{:02}", tm.tm_sec);
  if (token == "s") return fmt::format("{}", tm.tm_sec);
  if (token == "SSS") return fmt::format("{:03}", t.millis);
  if (token == "SS") return fmt::format("{:02}", t.millis / 10);
  if (token == "S") return fmt::format("{}", t.millis / 100);
  if (token == "A") return tm.tm_hour < 12 ? "AM" : "PM";
  if (token == "a") return tm.tm_hour < 12 ? "am" : "pm";
  if (token == "Z") return Offset(t.utc_offset_s, true);
  if (token == "ZZ") return Offset(t.utc_offset_s, false);
  if (token == "X") return fmt::format("{}", t.epoch_ms / 1000);
  if (token == "x") return fmt::format("{}", t.epoch_ms);
  return std::string(token);
}

}  // namespace

LogTime LocalLogTime(std::chrono::system_clock::time_point when) {
  LogTime t;
  t.epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(t.epoch_ms / 1000);
  t.millis = static_cast<int>(t.epoch_ms % 1000);
  ::localtime_r(&secs, &t.local);
  t.utc_offset_s = t.local.tm_gmtoff;
  return t;
}

LogDateFormat::LogDateFormat(std::string_view f) {
  auto literal = [this](std::string_view text) {
    if (parts_.empty() || !parts_.back().token.empty()) parts_.push_back({});
    parts_.back().literal.append(text);
  };
  size_t i = 0;
  while (i < f.size()) {
    if (f[i] == '[') {  // moment's escape: [T] is the letter T
      size_t close = f.find(']', i);
      if (close != std::string_view::npos) {
        literal(f.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
    }
    std::string_view token;
    for (std::string_view t : kTokens) {
      if (f.substr(i, t.size()) == t) {
        token = t;
        break;
      }
    }
    if (token.empty() && (f[i] == 'X' || f[i] == 'x')) token = f.substr(i, 1);
    if (token.empty()) {
      literal(f.substr(i, 1));
      ++i;
    } else {
      parts_.push_back({std::string(token), ""});
      i += token.size();
    }
  }
}

std::string LogDateFormat::Format(const LogTime& t) const {
  std::string out;
  for (const Part& p : parts_) out += p.token.empty() ? p.literal : Expand(p.token, t);
  return out;
}

}  // namespace cohort
