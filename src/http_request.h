// The little HTTP/1.x that cohort's own endpoints speak (--health, --metrics):
// reading a request's head from the first bytes of a connection and writing
// a complete response. One request per connection, no bodies read, every
// response closes: enough for load balancers' checks and scrapers, and
// nothing a client can use to hold resources.
// Pure functions over bytes; no I/O (HttpServer does that).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", ... (upper-case letters, as every HTTP method is)
  std::string target;  // as sent: "/health?x=1" (origin form) or "*"
  std::string path() const { return target.substr(0, target.find('?')); }
};

struct HttpHead {
  enum class Outcome {
    kNeedMore,  // no complete head yet, and nothing wrong so far
    kBad,       // not an HTTP/1.x request head, or too large: answer `status` and close
    kOk,
  };
  Outcome outcome = Outcome::kNeedMore;
  HttpRequest request;  // kOk
  int status = 0;       // kBad: 400 (malformed), 431 (head over the limit), 505 (not HTTP/1.x)
  std::string error;    // kBad: what was wrong, for the response body and logs
};

// Reads the head (request line and header lines up to the empty line; LF
// alone is accepted for CRLF) from `bytes`, the connection's input so far.
// A head over `max_head` bytes is kBad 431. Garbage is reported as soon as
// it is seen, without waiting for the rest of the line.
HttpHead ParseHttpRequestHead(std::string_view bytes, size_t max_head = 8192);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more, e.g. {"Allow", "GET, HEAD"}
};

// A text/plain response.
HttpResponse PlainResponse(int status, std::string body);

// "OK", "Service Unavailable", ...; "" for a code it does not know.
std::string_view HttpReason(int status);
// The whole response with Content-Length and Connection: close; without the
// body for a HEAD request (head_only).
std::string FormatHttpResponse(const HttpResponse& response, bool head_only);

}  // namespace cohort
