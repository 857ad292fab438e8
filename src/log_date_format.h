// Timestamps on log lines in the format PM2 users write (`log_date_format`,
// moment.js/dayjs tokens): YYYY YY MMMM MMM MM M DD D dddd ddd HH H hh h mm m
// ss s SSS A a Z ZZ X x, text in [brackets] kept as is, anything else
// copied. `--time` is PM2's "YYYY-MM-DDTHH:mm:ss". The format is parsed once;
// formatting takes the time as a value, so tests need no clock.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

// One instant, broken down in the local time zone.
struct LogTime {
  struct tm local {};
  int millis = 0;
  long utc_offset_s = 0;  // local - UTC (tm_gmtoff)
  int64_t epoch_ms = 0;
};
LogTime LocalLogTime(std::chrono::system_clock::time_point when);

class LogDateFormat {
 public:
  static constexpr const char* kPm2Time = "YYYY-MM-DDTHH:mm:ss";  // what PM2's --time uses
  explicit LogDateFormat(std::string_view format);
  std::string Format(const LogTime& t) const;
  bool empty() const { return parts_.empty(); }

 private:
  struct Part {
    std::string token;  // "" for literal text
    std::string literal;
  };
  std::vector<Part> parts_;
};

}  // namespace cohort
