#include "terminal_sink.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include <fmt/format.h>

namespace cohort {

struct TerminalSink::Shared {
  struct Chunk {
    int fd;
    std::string bytes;
  };
  std::mutex mu;
  std::condition_variable wake, idle;
  std::deque<Chunk> queue;        // guarded by mu
  size_t queued_bytes = 0;        // queued or being written; guarded by mu
  bool writing = false;           // the writer holds a batch; guarded by mu
  bool stop = false;              // guarded by mu
  uint64_t unreported_drops = 0;  // guarded by mu
  std::atomic<uint64_t> dropped{0};
};

namespace {

// Blocking write of all of `bytes` (this is the writer thread). Gives up on
// a descriptor that fails for good (a closed pipe): the lines are lost, as
// they would be for any writer.
void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {  // someone made it non-blocking
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
    } else {
      return;
    }
  }
}

}  // namespace

void TerminalSink::WriterLoop(std::shared_ptr<Shared> s, int err_fd) {
  std::unique_lock lock(s->mu);
  for (;;) {
    s->wake.wait(lock, [&] { return s->stop || !s->queue.empty(); });
    if (s->queue.empty()) return;  // stopping, and everything is out
    std::deque<Shared::Chunk> batch;
    batch.swap(s->queue);
    s->writing = true;
    lock.unlock();
    size_t bytes = 0;
    for (const auto& c : batch) {
      WriteAll(c.fd, c.bytes);
      bytes += c.bytes.size();
    }
    lock.lock();
    s->writing = false;
    s->queued_bytes -= bytes;
    if (s->queue.empty() && s->unreported_drops > 0) {
      uint64_t n = std::exchange(s->unreported_drops, 0);
      lock.unlock();
      WriteAll(err_fd, fmt::format("cohort: dropped {} lines of output while the terminal was not reading\n", n));
      lock.lock();
    }
    if (s->queue.empty()) s->idle.notify_all();
  }
}

TerminalSink::TerminalSink(Options options) : opt_(options), shared_(std::make_shared<Shared>()) {
  std::thread(WriterLoop, shared_, opt_.err_fd).detach();
}

TerminalSink::~TerminalSink() {
  {
    std::lock_guard lock(shared_->mu);
    shared_->stop = true;
  }
  shared_->wake.notify_all();
  // The thread is detached and owns its share of the state: if the terminal
  // stays blocked past the grace period, the process exits without it.
  Drain(opt_.exit_grace);
}

void TerminalSink::Write(LogStream stream, std::string_view line) {
  int fd = stream == LogStream::kOut ? opt_.out_fd : opt_.err_fd;
  {
    std::lock_guard lock(shared_->mu);
    if (shared_->queued_bytes + line.size() + 1 > opt_.max_queued) {
      ++shared_->unreported_drops;
      shared_->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // Consecutive lines for one stream share a write.
    if (shared_->queue.empty() || shared_->queue.back().fd != fd || shared_->queue.back().bytes.size() > (64 << 10)) {
      shared_->queue.push_back({fd, {}});
    }
    std::string& b = shared_->queue.back().bytes;
    b.append(line);
    b.push_back('\n');
    shared_->queued_bytes += line.size() + 1;
  }
  shared_->wake.notify_one();
}

uint64_t TerminalSink::dropped() const { return shared_->dropped.load(std::memory_order_relaxed); }

bool TerminalSink::Drain(Millis timeout) {
  std::unique_lock lock(shared_->mu);
  return shared_->idle.wait_for(lock, timeout, [&] { return shared_->queue.empty() && !shared_->writing; });
}

}  // namespace cohort
