// The head of an HTTP/1.x request, as much of it as cohort's metrics
// endpoint needs: the request line (method, path); header lines are skipped.
// Bytes may arrive in pieces; call again with everything received so far.
// Bounded: a head longer than `max_head` bytes is refused. Pure; fuzzed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cohort {

struct RequestHead {
  enum class State {
    kIncomplete,  // no blank line yet (and nothing wrong so far)
    kComplete,
    kBad,       // not HTTP/1.x: 400
    kTooLarge,  // over max_head without a blank line: 431
  };
  State state = State::kIncomplete;
  std::string method;
  std::string path;  // the target without its ?query
};

RequestHead ParseRequestHead(std::string_view bytes, size_t max_head = 8192);

}  // namespace cohort
