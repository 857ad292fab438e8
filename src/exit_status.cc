#include "exit_status.h"

#include <signal.h>
#include <string.h>

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace cohort {

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

Result<int> ParseSignal(std::string_view text) {
  int number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (number > 0 && number < NSIG) return number;
  } else {
    std::string name;
    for (char c : text) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (name.starts_with("SIG")) name.erase(0, 3);
    for (int sig = 1; sig < NSIG; ++sig) {
      const char* abbrev = sigabbrev_np(sig);
      if (abbrev && name == abbrev) return sig;
    }
  }
  return Status::Error(fmt::format("unknown signal '{}' (use a name such as SIGTERM, QUIT, or a number)", text));
}

std::string DescribeExit(ExitStatus status) {
  if (status.signal != 0) return "was killed by " + SignalName(status.signal);
  return fmt::format("exited with code {}", status.code);
}

}  // namespace cohort
