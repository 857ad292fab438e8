#include "http_request.h"

#include <algorithm>

namespace cohort {
namespace {

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool IsTarget(std::string_view s) {
  return !s.empty() && s[0] == '/' &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// "GET /metrics HTTP/1.1" (a bare "\n" line end is tolerated, as most servers do).
bool ParseRequestLine(std::string_view line, RequestHead& head) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method) || !IsTarget(target) || (version != "HTTP/1.1" && version != "HTTP/1.0")) return false;
  head.method = method;
  head.path = target.substr(0, target.find('?'));
  return true;
}

}  // namespace

RequestHead ParseRequestHead(std::string_view bytes, size_t max_head) {
  RequestHead head;
  size_t eol = bytes.find('\n');
  if (eol == std::string_view::npos) {
    // Garbage is refused as soon as it shows, not after max_head bytes.
    std::string_view start = bytes.substr(0, std::min(bytes.size(), bytes.find(' ')));
    bool plausible = std::all_of(start.begin(), start.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    head.state = !plausible ? RequestHead::State::kBad
                 : bytes.size() > max_head ? RequestHead::State::kTooLarge
                                           : RequestHead::State::kIncomplete;
    return head;
  }
  if (eol > max_head || !ParseRequestLine(bytes.substr(0, eol), head)) {
    head.state = eol > max_head ? RequestHead::State::kTooLarge : RequestHead::State::kBad;
    return head;
  }
  // The head ends at the first empty line.
  for (size_t pos = eol + 1; pos < bytes.size() && pos <= max_head;) {
    size_t next = bytes.find('\n', pos);
    if (next == std::string_view::npos) break;
    std::string_view line = bytes.substr(pos, next - pos);
    if (line.empty() || line == "\r") {
      head.state = RequestHead::State::kComplete;
      return head;
    }
    pos = next + 1;
  }
  head.state = bytes.size() > max_head ? RequestHead::State::kTooLarge : RequestHead::State::kIncomplete;
  return head;
}

}  // namespace cohort
