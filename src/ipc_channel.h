// IpcChannel: the primary's end of one worker's IPC socket (a unix stream
// socketpair), speaking Node's framing: one JSON value per '\n'-terminated
// line; a line may carry one fd (SCM_RIGHTS).
//
// Sending: each fd-carrying line goes out whole in one sendmsg(), because
// Node pairs a received fd with the one NODE_HANDLE line of the same read
// (design.md §2). Lines are queued when the socket is full and flushed when
// it is writable; the queue is bounded (a worker that stops reading cannot
// make the primary grow without end). The fd of a queued line must stay open
// until the line is sent: the caller owns it.
//
// Receiving: lines go to on_line with the fd that came with the same read
// (or -1); a callee that wants it takes it and sets `fd` to -1, and the
// channel closes any fd nobody took. Oversized lines are reported and
// skipped. on_close runs once when the peer hangs up or the socket fails.
// on_line may destroy the channel; on_close must not (defer it). Runs on the
// loop thread. Owns the fd.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "line_splitter.h"
#include "status.h"
#include "unique_fd.h"
#include "uv_handle.h"

namespace cohort {

class IpcChannel {
 public:
  struct Callbacks {
    std::function<void(std::string_view line, int& fd)> on_line;
    std::function<void(size_t bytes)> on_oversized;
    std::function<void(const std::string& why)> on_close;
  };
  static constexpr size_t kDefaultMaxLine = 8 << 20;
  static constexpr size_t kDefaultMaxQueued = 64 << 20;

  IpcChannel(uv_loop_t* loop, UniqueFd fd, Callbacks cb, size_t max_line = kDefaultMaxLine,
             size_t max_queued = kDefaultMaxQueued);
  ~IpcChannel();
  IpcChannel(const IpcChannel&) = delete;
  IpcChannel& operator=(const IpcChannel&) = delete;

  // Queues `line` (must end with '\n'), with `fd` (or -1) attached to it.
  // Fails when the channel is closed or the queue is full.
  Status Send(std::string line, int fd = -1);
  bool open() const { return fd_.valid(); }
  size_t queued_bytes() const { return queued_bytes_; }
  // Reads whatever the peer already wrote (used before acting on its exit).
  void Drain() { ReadSome(1 << 30); }
  // Whether the peer's writes wake the loop (on by default). Off, its lines
  // wait in the socket until ReadAvailable() or until polling is on again
  // (LazyReplyReader). Sending is unaffected.
  void SetReadPolling(bool on);
  void ReadAvailable() { ReadSome(16); }
  void Close(const std::string& why);

 private:
  struct Pending {
    std::string bytes;
    size_t offset = 0;
    int fd = -1;  // not owned; sent with the first byte of the line
  };
  void OnPoll(int status, int events);
  void ReadSome(int max_reads);
  void Flush();
  void UpdatePoll();

  UniqueFd fd_;
  Callbacks cb_;
  size_t max_queued_;
  LineSplitter splitter_;
  UvHandle<uv_poll_t> poll_;
  std::deque<Pending> out_;
  size_t queued_bytes_ = 0;
  int read_fd_ = -1;  // fd received with the read being split; owned until handed out
  int poll_events_ = 0;  // what poll_ watches now
  bool read_polling_ = true;
  bool closed_ = false;
  bool* alive_ = nullptr;  // set during callbacks: cleared if `this` is destroyed
};

}  // namespace cohort
