#include "terminal_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "unique_fd.h"

namespace cohort {
namespace {

struct Pipe {
  Pipe() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    r.reset(p[0]);
    w.reset(p[1]);
  }
  std::string ReadAvailable() {
    ::fcntl(r.get(), F_SETFL, O_NONBLOCK);
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(r.get(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  UniqueFd r, w;
};

TEST(TerminalSink, WritesLinesInOrderToTheirStreams) {
  Pipe out, err;
  {
    TerminalSink sink({.out_fd = out.w.get(), .err_fd = err.w.get()});
    sink.Write(LogStream::kOut, "one");
    sink.Write(LogStream::kErr, "two");
    sink.Write(LogStream::kEvent, "three");
    sink.Write(LogStream::kOut, "four");
    ASSERT_TRUE(sink.Drain(Millis(10000)));
    EXPECT_EQ(sink.dropped(), 0u);
  }
  EXPECT_EQ(out.ReadAvailable(), "one\nfour\n");
  EXPECT_EQ(err.ReadAvailable(), "two\nthree\n");
}

TEST(TerminalSink, AStreamNobodyReadsNeverBlocksTheWriterAndDropsAreReported) {
  Pipe out, err;
  ::fcntl(out.w.get(), F_SETPIPE_SZ, 4096);
  std::string line(100, 'x');
  {
    TerminalSink sink({.out_fd = out.w.get(), .err_fd = err.w.get(), .max_queued = 64 << 10});
    // 10 MB into a 4 KB pipe that nobody reads: every call returns (a
    // blocking write would hang this test), and what does not fit is dropped.
    for (int i = 0; i < 100000; ++i) sink.Write(LogStream::kOut, line);
    EXPECT_GT(sink.dropped(), 90000u);
    EXPECT_FALSE(sink.Drain(Millis(20)));
    // The reader comes back: the queue drains and the loss is said on stderr.
    std::string got;
    while (!sink.Drain(Millis(1))) got += out.ReadAvailable();
    got += out.ReadAvailable();
    EXPECT_EQ(got.size() % (line.size() + 1), 0u) << "whole lines only";
    EXPECT_EQ(got.size() / (line.size() + 1) + sink.dropped(), 100000u);
  }
  std::string notice = err.ReadAvailable();
  EXPECT_NE(notice.find("cohort: dropped "), std::string::npos) << notice;
  EXPECT_NE(notice.find("lines of output while the terminal was not reading"), std::string::npos);
}

TEST(TerminalSink, ABlockedTerminalHoldsUpDestructionOnlyForTheGracePeriod) {
  Pipe out, err;
  ::fcntl(out.w.get(), F_SETPIPE_SZ, 4096);
  auto sink = std::make_unique<TerminalSink>(
      TerminalSink::Options{.out_fd = out.w.get(), .err_fd = err.w.get(), .exit_grace = Millis(50)});
  for (int i = 0; i < 1000; ++i) sink->Write(LogStream::kOut, std::string(100, 'y'));
  sink.reset();  // returns although the writer is still blocked
  // The detached writer still delivers everything once the reader is back
  // (and only then is done with the descriptors this test closes).
  size_t got = 0;
  char buf[65536];
  while (got < 1000u * 101) {
    ssize_t n = ::read(out.r.get(), buf, sizeof buf);
    ASSERT_GT(n, 0);
    got += static_cast<size_t>(n);
  }
  EXPECT_EQ(got, 1000u * 101);
}

}  // namespace
}  // namespace cohort
