#include "http_request.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using State = RequestHead::State;

TEST(ParseRequestHead, ARequestFromCurlIsCompleteWithMethodAndPath) {
  RequestHead h = ParseRequestHead("GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9209\r\nUser-Agent: curl/7.88\r\n"
                                   "Accept: */*\r\n\r\n");
  EXPECT_EQ(h.state, State::kComplete);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.path, "/metrics");
  EXPECT_EQ(ParseRequestHead("HEAD / HTTP/1.0\n\n").state, State::kComplete);
}

TEST(ParseRequestHead, PiecesAreIncompleteUntilTheBlankLine) {
  std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  for (size_t n = 0; n < req.size(); ++n) {
    EXPECT_EQ(ParseRequestHead(req.substr(0, n)).state, State::kIncomplete) << n;
  }
  EXPECT_EQ(ParseRequestHead(req).state, State::kComplete);
}

TEST(ParseRequestHead, GarbageIsBadAsSoonAsItShows) {
  for (const char* bad : {"hello\n", "\x16\x03\x01\x02", "get /metrics HTTP/1.1\r\n", "GET metrics HTTP/1.1\r\n",
                          "GET /metrics HTTP/2\r\n", "GET /metrics\r\n", "GET  /metrics HTTP/1.1\r\n",
                          "GET /met rics HTTP/1.1\r\n", "\r\n"}) {
    EXPECT_EQ(ParseRequestHead(bad).state, State::kBad) << bad;
  }
}

TEST(ParseRequestHead, AHeadLongerThanTheLimitIsRefused) {
  std::string long_line = "GET /" + std::string(9000, 'a');
  EXPECT_EQ(ParseRequestHead(long_line).state, State::kTooLarge);
  EXPECT_EQ(ParseRequestHead(long_line + " HTTP/1.1\r\n\r\n").state, State::kTooLarge);
  std::string many_headers = "GET / HTTP/1.1\r\n";
  while (many_headers.size() < 9000) many_headers += "X-A: b\r\n";
  EXPECT_EQ(ParseRequestHead(many_headers).state, State::kTooLarge);
  EXPECT_EQ(ParseRequestHead(many_headers + "\r\n").state, State::kTooLarge);
}

}  // namespace
}  // namespace cohort
