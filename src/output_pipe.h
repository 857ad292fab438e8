// OutputPipe: reads one of a worker's stdout/stderr pipes and hands it on
// line by line. A line longer than 16 KiB is passed on in pieces rather than
// held (output is never dropped for being long). Runs on the loop thread;
// owns the pipe's read end.
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <string_view>

#include "unique_fd.h"
#include "uv_handle.h"

namespace cohort {

class OutputPipe {
 public:
  using LineFn = std::function<void(std::string_view line)>;
  OutputPipe(uv_loop_t* loop, UniqueFd read_end, LineFn on_line);
  ~OutputPipe();
  // Reads what is left without waiting and passes on an unterminated tail.
  void Finish();

 private:
  void Consume(std::string_view bytes);
  LineFn on_line_;
  UvHandle<uv_pipe_t> pipe_;
  std::string partial_;
  bool open_ = false;
};

}  // namespace cohort
