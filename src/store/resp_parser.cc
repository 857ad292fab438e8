#include "store/resp_parser.h"

#include <cstring>

namespace cohort::store {
namespace {

// Parses a non-negative or negative decimal integer occupying all of s.
bool ParseInt(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  }
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'; }

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i >= line.size()) return true;
    std::string current;
    bool in_double = false, in_single = false;
    while (true) {
      if (in_double) {
        if (i >= line.size()) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          current.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < line.size()) {
          char e = line[++i];
          switch (e) {
            case 'n': current.push_back('\n'); break;
            case 'r': current.push_back('\r'); break;
            case 't': current.push_back('\t'); break;
            case 'b': current.push_back('\b'); break;
            case 'a': current.push_back('\a'); break;
            default: current.push_back(e); break;
          }
        } else if (c == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < line.size() && !IsSpace(line[i + 1])) return false;
          in_double = false;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (i >= line.size()) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          current.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (i + 1 < line.size() && !IsSpace(line[i + 1])) return false;
          in_single = false;
        } else {
          current.push_back(c);
        }
      } else {
        if (i >= line.size()) break;
        char c = line[i];
        if (IsSpace(c)) break;
        if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          current.push_back(c);
        }
      }
      ++i;
    }
    out.push_back(std::move(current));
  }
}

void RespParser::Reset() {
  multibulk_left_ = 0;
  bulk_len_ = -1;
  scanned_ = 0;
  spans_.clear();
}

RespParser::Outcome RespParser::Fail(std::string message) {
  Reset();
  error_ = std::move(message);
  return Outcome::kError;
}

RespParser::Outcome RespParser::Next(std::string_view buf, size_t& pos) {
  args_.clear();
  if (pos >= buf.size()) return Outcome::kNeedMore;
  if (!in_progress() && buf[pos] != '*') return ParseInline(buf, pos);
  return ParseMultibulk(buf, pos);
}

RespParser::Outcome RespParser::ParseInline(std::string_view buf, size_t& pos) {
  const char* start = buf.data() + pos;
  size_t avail = buf.size() - pos;
  const void* nl = std::memchr(start, '\n', avail);
  if (nl == nullptr) {
    if (avail > limits_.max_inline_len) return Fail("Protocol error: too big inline request");
    return Outcome::kNeedMore;
  }
  size_t line_len = static_cast<const char*>(nl) - start;
  std::string_view line(start, line_len);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!SplitInlineArgs(line, inline_args_)) return Fail("Protocol error: unbalanced quotes in request");
  pos += line_len + 1;
  for (const auto& a : inline_args_) args_.emplace_back(a);
  return Outcome::kCommand;
}

RespParser::Outcome RespParser::ParseMultibulk(std::string_view buf, size_t& pos) {
  // Reads one "\r\n"-terminated header line at buf[at...]; npos if incomplete.
  auto line_end = [&](size_t at) -> size_t {
    const void* cr = std::memchr(buf.data() + at, '\r', buf.size() - at);
    if (cr == nullptr) return std::string_view::npos;
    size_t p = static_cast<const char*>(cr) - buf.data();
    if (p + 1 >= buf.size()) return std::string_view::npos;
    return p;
  };
  if (!in_progress()) {
    size_t cr = line_end(pos);
    if (cr == std::string_view::npos) {
      if (buf.size() - pos > limits_.max_inline_len) return Fail("Protocol error: too big mbulk count string");
      return Outcome::kNeedMore;
    }
    int64_t n = 0;
    if (!ParseInt(buf.substr(pos + 1, cr - pos - 1), n) || n > INT32_MAX ||
        n > limits_.max_multibulk_len) {
      return Fail("Protocol error: invalid multibulk length");
    }
    if (limits_.unauthenticated && n > 10) return Fail("Protocol error: unauthenticated multibulk length");
    if (n <= 0) {  // "*0" and "*-1" are empty commands
      pos = cr + 2;
      return Outcome::kCommand;
    }
    multibulk_left_ = n;
    scanned_ = cr + 2 - pos;
    spans_.clear();
    spans_.reserve(static_cast<size_t>(std::min<int64_t>(n, 1024)));
  }
  while (multibulk_left_ > 0) {
    size_t at = pos + scanned_;
    if (bulk_len_ < 0) {
      if (at >= buf.size()) return Outcome::kNeedMore;
      size_t cr = line_end(at);
      if (cr == std::string_view::npos) {
        if (buf.size() - at > limits_.max_inline_len) return Fail("Protocol error: too big bulk count string");
        return Outcome::kNeedMore;
      }
      if (buf[at] != '$') return Fail(std::string("Protocol error: expected '$', got '") + buf[at] + "'");
      int64_t len = 0;
      if (!ParseInt(buf.substr(at + 1, cr - at - 1), len) || len < 0 ||
          len > limits_.max_bulk_len) {
        return Fail("Protocol error: invalid bulk length");
      }
      if (limits_.unauthenticated && len > 16384) return Fail("Protocol error: unauthenticated bulk length");
      bulk_len_ = len;
      scanned_ = cr + 2 - pos;
      at = cr + 2;
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (buf.size() - at < need) return Outcome::kNeedMore;
    spans_.emplace_back(scanned_, static_cast<size_t>(bulk_len_));
    scanned_ += need;
    bulk_len_ = -1;
    --multibulk_left_;
  }
  for (const auto& [off, len] : spans_) args_.emplace_back(buf.data() + pos + off, len);
  pos += scanned_;
  Reset();
  return Outcome::kCommand;
}

}  // namespace cohort::store
