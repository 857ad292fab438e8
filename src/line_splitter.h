// LineSplitter: turns a byte stream into '\n'-terminated lines, bounded.
//
// Used for the Node IPC channel (one JSON value per line), worker
// stdout/stderr and the control socket. A line longer than max_line is not
// buffered: the splitter reports it once as oversized and skips bytes up to
// the next '\n', so a hostile peer cannot make cohort's memory grow.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cohort {

class LineSplitter {
 public:
  // on_line gets each complete line without its '\n' (a trailing '\r' is kept).
  // on_oversized gets the number of bytes seen so far of a line that is too long.
  using LineFn = std::function<void(std::string_view line)>;
  using OversizedFn = std::function<void(size_t bytes)>;

  LineSplitter(size_t max_line, LineFn on_line, OversizedFn on_oversized = nullptr)
      : max_line_(max_line), on_line_(std::move(on_line)), on_oversized_(std::move(on_oversized)) {}

  void Feed(std::string_view bytes);
  // The unterminated rest, if any (for a stream that ended); clears it.
  std::string TakePartial();
  size_t buffered() const { return buf_.size(); }

 private:
  size_t max_line_;
  LineFn on_line_;
  OversizedFn on_oversized_;
  std::string buf_;
  bool skipping_ = false;  // inside an oversized line, dropping bytes until '\n'.
};

}  // namespace cohort
