#include "http_request.h"

#include <cstring>

#include <fmt/format.h>

namespace cohort {
namespace {

// Methods: RFC 9110 allows any token, but every method there is is upper case,
// and "get" or "Get" is far more likely a confused client than an HTTP one.
bool IsMethodChar(unsigned char c) { return c >= 'A' && c <= 'Z'; }
// RFC 9110 token characters (header names).
bool IsTokenChar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}
// Visible ASCII: what a request target may contain.
bool IsTargetChar(unsigned char c) { return c > 0x20 && c < 0x7f; }
// Field values: visible characters, spaces, tabs and obs-text; no controls.
bool IsValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

HttpHead Bad(int status, std::string error) {
  HttpHead h;
  h.outcome = HttpHead::Outcome::kBad;
  h.status = status;
  h.error = std::move(error);
  return h;
}

HttpHead NeedMore() { return HttpHead{}; }

HttpHead Ok() {
  HttpHead h;
  h.outcome = HttpHead::Outcome::kOk;
  return h;
}

// One line without its terminator (LF, or CRLF).
std::string_view LineAt(std::string_view bytes, size_t from, size_t eol) {
  std::string_view line = bytes.substr(from, eol - from);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The request line, complete or not. `complete` says whether its LF arrived.
HttpHead ParseRequestLine(std::string_view line, bool complete, HttpRequest* out) {
  size_t i = 0;
  while (i < line.size() && IsMethodChar(line[i])) ++i;
  if (i == line.size()) return complete ? Bad(400, "the request line has no target") : NeedMore();
  if (i == 0 || line[i] != ' ') return Bad(400, "not an HTTP request (expected METHOD /path HTTP/1.1)");
  size_t t = ++i;
  // Origin form only (no proxy requests): a target that does not start so is garbage already.
  if (t < line.size() && line[t] != '/' && line[t] != '*') {
    return Bad(400, "only origin-form targets (/path) are served");
  }
  while (i < line.size() && IsTargetChar(line[i])) ++i;
  if (i == line.size()) return complete ? Bad(400, "the request line has no HTTP version") : NeedMore();
  if (i == t || line[i] != ' ') return Bad(400, "the request target is empty or has a control character");
  std::string_view target = line.substr(t, i - t);
  if (target[0] == '*' && target != "*") return Bad(400, "only origin-form targets (/path) are served");
  std::string_view version = line.substr(i + 1);
  static constexpr std::string_view kHttp = "HTTP/";
  size_t common = std::min(version.size(), kHttp.size());
  if (version.substr(0, common) != kHttp.substr(0, common)) return Bad(400, "not an HTTP version");
  if (!complete) return NeedMore();
  if (version != "HTTP/1.0" && version != "HTTP/1.1") {
    return Bad(505, fmt::format("{} is not served (HTTP/1.0 and HTTP/1.1 are)", version));
  }
  out->method = std::string(line.substr(0, t - 1));
  out->target = std::string(target);
  return Ok();
}

HttpHead CheckHeaderLine(std::string_view line) {
  if (line[0] == ' ' || line[0] == '\t') return Bad(400, "folded header lines are not allowed");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return Bad(400, "a header line without a name");
  for (size_t i = 0; i < colon; ++i) {
    if (!IsTokenChar(line[i])) return Bad(400, "a header name with a character not allowed in it");
  }
  for (size_t i = colon + 1; i < line.size(); ++i) {
    if (!IsValueChar(line[i])) return Bad(400, "a header value with a control character");
  }
  return Ok();
}

}  // namespace

HttpHead ParseHttpRequestHead(std::string_view bytes, size_t max_head) {
  auto too_large = [max_head] { return Bad(431, fmt::format("the request head is over {} bytes", max_head)); };
  size_t eol = bytes.find('\n');
  bool complete = eol != std::string_view::npos;
  if (complete ? eol + 1 > max_head : bytes.size() > max_head) return too_large();
  std::string_view line = LineAt(bytes, 0, complete ? eol : bytes.size());
  HttpRequest request;
  HttpHead head = ParseRequestLine(line, complete, &request);
  if (head.outcome != HttpHead::Outcome::kOk) return head;
  for (size_t pos = eol + 1;;) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) return bytes.size() > max_head ? too_large() : NeedMore();
    if (nl + 1 > max_head) return too_large();
    std::string_view header = LineAt(bytes, pos, nl);
    if (header.empty()) break;
    if (HttpHead h = CheckHeaderLine(header); h.outcome != HttpHead::Outcome::kOk) return h;
    pos = nl + 1;
  }
  head.request = std::move(request);
  return head;
}

std::string_view HttpReason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
}

HttpResponse PlainResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string FormatHttpResponse(const HttpResponse& r, bool head_only) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", r.status,
                                HttpReason(r.status), r.content_type, r.body.size());
  for (const auto& [name, value] : r.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

}  // namespace cohort
