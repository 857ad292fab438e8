#include "sticky_key.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

namespace cohort {
namespace {

using Outcome = KeyScan::Outcome;

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

bool IsTokenChar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// One line (without its CRLF or LF) from the front of `rest`; false if the
// line is not complete yet.
bool NextLine(std::string_view& rest, std::string_view* line) {
  size_t lf = rest.find('\n');
  if (lf == std::string_view::npos) return false;
  *line = rest.substr(0, lf);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  rest.remove_prefix(lf + 1);
  return true;
}

enum class Head { kComplete, kIncomplete, kNotHttp, kStopped };

// Is `line` (possibly incomplete) a request line "METHOD SP target SP HTTP/x.y"?
// Sets *target when the line is complete and valid.
bool RequestLineSoFar(std::string_view line, bool complete, std::string_view* target) {
  size_t i = 0;
  while (i < line.size() && IsTokenChar(line[i])) ++i;
  if (i == line.size()) return !complete && i <= 32;
  if (i == 0 || i > 32 || line[i] != ' ') return false;
  size_t start = ++i;
  while (i < line.size() && line[i] != ' ') {
    if (static_cast<unsigned char>(line[i]) < 0x21 || line[i] == 0x7f) return false;
    ++i;
  }
  if (i == line.size()) return !complete;
  *target = line.substr(start, i - start);
  if (target->empty()) return false;
  std::string_view version = line.substr(i + 1);
  constexpr std::string_view kHttp = "HTTP/";
  if (!complete) return version.size() <= 8 && kHttp.substr(0, std::min(version.size(), kHttp.size())) ==
                                                   version.substr(0, std::min(version.size(), kHttp.size()));
  return version.size() == 8 && version.substr(0, 5) == kHttp;
}

// Walks an HTTP/1.x request head: the target, then each complete header
// until on_header returns true (kStopped).
Head ScanHead(std::string_view bytes, std::string_view* target,
              const std::function<bool(std::string_view, std::string_view)>& on_header) {
  std::string_view rest = bytes;
  while (rest.starts_with("\r\n") || rest.starts_with("\n")) rest.remove_prefix(rest[0] == '\r' ? 2 : 1);
  std::string_view line;
  if (!NextLine(rest, &line)) {
    if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
    return RequestLineSoFar(rest, false, target) ? Head::kIncomplete : Head::kNotHttp;
  }
  if (!RequestLineSoFar(line, true, target)) return Head::kNotHttp;
  while (NextLine(rest, &line)) {
    if (line.empty()) return Head::kComplete;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // folded or broken: not ours to judge
    if (on_header(line.substr(0, colon), TrimOws(line.substr(colon + 1)))) return Head::kStopped;
  }
  return Head::kIncomplete;
}

// The value of `name` in "a=1; b=2" (cookie pairs) or "a=1&b=2" (a query).
bool FindPair(std::string_view list, char separator, std::string_view name, std::string* value) {
  while (!list.empty()) {
    size_t end = list.find(separator);
    std::string_view pair = TrimOws(list.substr(0, end));
    list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
    size_t eq = pair.find('=');
    std::string_view n = eq == std::string_view::npos ? pair : pair.substr(0, eq);
    if (n != name) continue;
    std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.empty()) return false;
    *value = std::string(v);
    return true;
  }
  return false;
}

KeyScan Found(std::string key) { return KeyScan{Outcome::kFound, std::move(key)}; }
KeyScan Absent() { return KeyScan{Outcome::kAbsent, {}}; }
KeyScan NeedMore() { return KeyScan{Outcome::kNeedMore, {}}; }

KeyScan FromHead(Head h, std::string key) {
  switch (h) {
    case Head::kStopped: return Found(std::move(key));
    case Head::kIncomplete: return NeedMore();
    default: return Absent();
  }
}

}  // namespace

std::string StickySpec::Describe() const {
  switch (source) {
    case Source::kIp: return "ip";
    case Source::kCookie: return "cookie:" + name;
    case Source::kHeader: return "header:" + name;
    case Source::kQuery: return "query:" + name;
  }
  return "?";
}

Result<StickySpec> ParseStickySpec(std::string_view text) {
  StickySpec s;
  if (text == "ip") return s;
  size_t colon = text.find(':');
  std::string_view kind = text.substr(0, colon);
  std::string_view name = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (kind == "cookie") {
    s.source = StickySpec::Source::kCookie;
  } else if (kind == "header") {
    s.source = StickySpec::Source::kHeader;
  } else if (kind == "query") {
    s.source = StickySpec::Source::kQuery;
  } else {
    return Status::Error(fmt::format("unknown sticky mode '{}' (use ip, cookie:NAME, header:NAME or query:NAME)", text));
  }
  bool header = s.source == StickySpec::Source::kHeader;
  if (name.empty() || !std::all_of(name.begin(), name.end(), [&](char c) {
        return header ? IsTokenChar(c) : (c > 0x20 && c < 0x7f && c != ';' && c != '=' && c != '&' && c != ',');
      })) {
    return Status::Error(fmt::format("'{}': the {} name is missing or has characters it cannot have", text, kind));
  }
  s.name = std::string(name);
  return s;
}

KeyScan ScanStickyField(const StickySpec& spec, std::string_view bytes) {
  std::string key;
  std::string_view target;
  switch (spec.source) {
    case StickySpec::Source::kIp:
      return Absent();
    case StickySpec::Source::kQuery: {
      Head h = ScanHead(bytes, &target, [](std::string_view, std::string_view) { return true; });
      if (h == Head::kNotHttp || target.empty()) return h == Head::kNotHttp ? Absent() : NeedMore();
      size_t q = target.find('?');
      if (q == std::string_view::npos) return Absent();
      std::string_view query = target.substr(q + 1);
      query = query.substr(0, query.find('#'));
      return FindPair(query, '&', spec.name, &key) ? Found(std::move(key)) : Absent();
    }
    case StickySpec::Source::kHeader: {
      Head h = ScanHead(bytes, &target, [&](std::string_view name, std::string_view value) {
        if (!EqualsIgnoreCase(name, spec.name) || value.empty()) return false;
        key = std::string(value);
        return true;
      });
      return FromHead(h, std::move(key));
    }
    case StickySpec::Source::kCookie: {
      Head h = ScanHead(bytes, &target, [&](std::string_view name, std::string_view value) {
        return EqualsIgnoreCase(name, "cookie") && FindPair(value, ';', spec.name, &key);
      });
      return FromHead(h, std::move(key));
    }
  }
  return Absent();
}

KeyScan ScanForwardedFor(std::string_view bytes, const AddressSet& trusted) {
  std::string list;
  std::string_view target;
  Head h = ScanHead(bytes, &target, [&](std::string_view name, std::string_view value) {
    if (EqualsIgnoreCase(name, "x-forwarded-for")) {  // several headers form one list (RFC 9110 §5.3)
      if (!list.empty()) list += ',';
      list += value;
    }
    return false;
  });
  if (h != Head::kComplete) return h == Head::kIncomplete ? NeedMore() : Absent();
  std::string_view rest = list;
  while (!rest.empty()) {
    size_t comma = rest.rfind(',');
    std::string_view entry = TrimOws(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (entry.empty()) continue;
    std::optional<IpAddress> a = ParseIpAddress(entry);
    if (!a) return Found(std::string(entry));  // not an address: opaque, but still this client's
    if (!trusted.Contains(*a)) return Found(a->ToString());
  }
  return Absent();
}

}  // namespace cohort
