// TerminalSink: the foreground primary's output (its workers' lines and its
// own events) on stdout/stderr, without ever blocking the loop.
//
// A terminal or pipe can stop reading (Ctrl-S, a pager left open, a slow
// `| tee`); a blocking write there would stop the primary from accepting
// and balancing connections. So Write() only queues the line; a thread of
// the sink's own writes the queue out, in order. The queue is bounded: a
// line that would overflow it is dropped and counted, and once the output
// flows again a line on stderr says how many were lost. Write() runs on the
// loop thread; the writer thread only writes. At destruction, whatever is
// queued gets `exit_grace` to go out (a blocked terminal does not hold up
// the primary's exit for longer).
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "duration.h"
#include "logger.h"

namespace cohort {

class TerminalSink : public LogSink {
 public:
  struct Options {
    int out_fd = 1;
    int err_fd = 2;
    size_t max_queued = 4 << 20;  // bytes
    Millis exit_grace{2000};
  };
  TerminalSink() : TerminalSink(Options()) {}
  explicit TerminalSink(Options options);
  ~TerminalSink() override;
  TerminalSink(const TerminalSink&) = delete;
  TerminalSink& operator=(const TerminalSink&) = delete;

  void Write(LogStream stream, std::string_view line) override;
  // Lines dropped because the queue was full, since the start.
  uint64_t dropped() const;
  // Waits until what was queued so far is written, at most `timeout`.
  bool Drain(Millis timeout);

 private:
  struct Shared;  // queue and writer state, shared with the writer thread
  static void WriterLoop(std::shared_ptr<Shared> s, int err_fd);
  Options opt_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace cohort
