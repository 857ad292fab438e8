#include "http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace cohort {
namespace {

using Outcome = HttpHead::Outcome;

TEST(HttpRequestHead, ReadsMethodAndTargetOfACompleteHead) {
  HttpHead h = ParseHttpRequestHead("GET /health?verbose=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: haproxy\r\n\r\n");
  ASSERT_EQ(h.outcome, Outcome::kOk) << h.error;
  EXPECT_EQ(h.request.method, "GET");
  EXPECT_EQ(h.request.target, "/health?verbose=1");
  EXPECT_EQ(h.request.path(), "/health");
}

TEST(HttpRequestHead, AcceptsHttp10WithoutHeadersAndBareLf) {
  // What HAProxy's `option httpchk GET /health` sends by default.
  EXPECT_EQ(ParseHttpRequestHead("GET /health HTTP/1.0\r\n\r\n").outcome, Outcome::kOk);
  EXPECT_EQ(ParseHttpRequestHead("HEAD / HTTP/1.1\nHost: x\n\n").outcome, Outcome::kOk);
}

TEST(HttpRequestHead, EveryPrefixOfAGoodHeadNeedsMore) {
  std::string head = "GET /health HTTP/1.1\r\nHost: 10.0.0.1:9000\r\nAccept: */*\r\n\r\n";
  for (size_t n = 0; n < head.size(); ++n) {
    HttpHead h = ParseHttpRequestHead(head.substr(0, n));
    EXPECT_EQ(h.outcome, Outcome::kNeedMore) << "prefix of " << n << " bytes: " << h.error;
  }
  EXPECT_EQ(ParseHttpRequestHead(head).outcome, Outcome::kOk);
}

TEST(HttpRequestHead, ARequestFromCurlIsCompleteWithMethodAndPath) {
  HttpHead h = ParseHttpRequestHead("GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9209\r\nUser-Agent: curl/7.88\r\n"
                                    "Accept: */*\r\n\r\n");
  ASSERT_EQ(h.outcome, Outcome::kOk) << h.error;
  EXPECT_EQ(h.request.method, "GET");
  EXPECT_EQ(h.request.path(), "/metrics");
}

TEST(HttpRequestHead, GarbageIsBadAtOnceWithoutWaitingForALineEnd) {
  for (std::string garbage : {std::string("\x16\x03\x01\x02\x00", 5), std::string("hello there"),
                              std::string("*3\r\n$3\r\nSET"), std::string(" GET /"), std::string("GET  /")}) {
    HttpHead h = ParseHttpRequestHead(garbage);
    EXPECT_EQ(h.outcome, Outcome::kBad) << garbage;
    EXPECT_EQ(h.status, 400) << garbage;
  }
}

TEST(HttpRequestHead, WhatIsNotAnHttp1RequestLineIsBad) {
  for (const char* bad : {"hello\n", "get /metrics HTTP/1.1\r\n", "Get /metrics HTTP/1.1\r\n", "GET metrics HTTP/1.1\r\n",
                          "GET /metrics HTTP/2\r\n", "GET /metrics\r\n", "GET  /metrics HTTP/1.1\r\n",
                          "GET /met rics HTTP/1.1\r\n", "\r\n"}) {
    EXPECT_EQ(ParseHttpRequestHead(bad).outcome, Outcome::kBad) << bad;
  }
}

TEST(HttpRequestHead, MalformedLinesAreBad) {
  EXPECT_EQ(ParseHttpRequestHead("GET\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET /\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET http://x/ HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET /a\x01 HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET / FTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET / HTTP/1.1\r\nno colon\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET / HTTP/1.1\r\n: no name\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead("GET / HTTP/1.1\r\nA: x\r\n folded\r\n\r\n").status, 400);
  EXPECT_EQ(ParseHttpRequestHead(std::string("GET / HTTP/1.1\r\nA: x\0y\r\n\r\n", 27)).status, 400);
}

TEST(HttpRequestHead, OtherHttpVersionsGet505) {
  HttpHead h = ParseHttpRequestHead("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  EXPECT_EQ(h.outcome, Outcome::kBad);
  EXPECT_EQ(h.status, 505);
}

TEST(HttpRequestHead, AHeadOverTheLimitIs431EvenBeforeItEnds) {
  std::string head = "GET / HTTP/1.1\r\nX-Big: " + std::string(200, 'a');
  EXPECT_EQ(ParseHttpRequestHead(head, 100).status, 431);
  EXPECT_EQ(ParseHttpRequestHead(head + "\r\n\r\n", 100).status, 431);
  EXPECT_EQ(ParseHttpRequestHead("GET /" + std::string(200, 'a'), 100).status, 431);
  EXPECT_EQ(ParseHttpRequestHead(head + "\r\n\r\n", 1000).outcome, Outcome::kOk);
  std::string many_headers = "GET / HTTP/1.1\r\n";
  while (many_headers.size() < 9000) many_headers += "X-A: b\r\n";
  EXPECT_EQ(ParseHttpRequestHead(many_headers).status, 431);
  EXPECT_EQ(ParseHttpRequestHead(many_headers + "\r\n").status, 431);
}

TEST(HttpRequestHead, BytesAfterTheHeadDoNotMatter) {
  HttpHead h = ParseHttpRequestHead("POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\n\x01\x02\x03\x04", 60);
  EXPECT_EQ(h.outcome, Outcome::kOk) << h.error;
}

TEST(HttpResponse, HasLengthAndClosesAndHeadOmitsTheBody) {
  HttpResponse r{.status = 503, .content_type = "application/json", .body = "{\"status\":\"drained\"}", .headers = {}};
  std::string full = FormatHttpResponse(r, false);
  EXPECT_EQ(full,
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 20\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n{\"status\":\"drained\"}");
  std::string head = FormatHttpResponse(r, true);
  EXPECT_EQ(head, full.substr(0, full.size() - r.body.size()));
  r.headers = {{"Allow", "GET, HEAD"}};
  EXPECT_NE(FormatHttpResponse(r, true).find("Content-Length: 20\r\nAllow: GET, HEAD\r\nCache-Control"),
            std::string::npos);
}

}  // namespace
}  // namespace cohort
