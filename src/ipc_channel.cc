#include "ipc_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "fd_passing.h"

namespace cohort {

IpcChannel::IpcChannel(uv_loop_t* loop, UniqueFd fd, Callbacks cb, size_t max_line,
                       size_t max_queued)
    : fd_(std::move(fd)),
      cb_(std::move(cb)),
      max_queued_(max_queued),
      splitter_(
          max_line,
          [this](std::string_view line) {
            if (cb_.on_line) cb_.on_line(line, read_fd_);
          },
          [this](size_t n) {
            if (cb_.on_oversized) cb_.on_oversized(n);
          }) {
  uv_poll_init(loop, poll_.get(), fd_.get());
  poll_->data = this;
  UpdatePoll();
}

IpcChannel::~IpcChannel() {
  if (alive_) *alive_ = false;
  if (read_fd_ >= 0) ::close(read_fd_);
}

void IpcChannel::SetReadPolling(bool on) {
  read_polling_ = on;
  UpdatePoll();
}

void IpcChannel::UpdatePoll() {
  if (closed_) return;
  int events = (read_polling_ ? UV_READABLE : 0) | (out_.empty() ? 0 : UV_WRITABLE);
  if (events == poll_events_) return;  // re-arming costs an epoll_ctl
  poll_events_ = events;
  if (events == 0) {
    uv_poll_stop(poll_.get());
    return;
  }
  uv_poll_start(poll_.get(), events, [](uv_poll_t* h, int status, int events) {
    if (h->data) static_cast<IpcChannel*>(h->data)->OnPoll(status, events);
  });
}

void IpcChannel::Close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  poll_.Close();
  fd_.reset();
  out_.clear();
  queued_bytes_ = 0;
  if (cb_.on_close) cb_.on_close(why);
}

Status IpcChannel::Send(std::string line, int fd) {
  if (closed_) return Status::Error("the channel is closed");
  if (queued_bytes_ + line.size() > max_queued_) {
    return Status::Error(fmt::format("the peer is not reading the channel ({} bytes queued)",
                                     queued_bytes_));
  }
  queued_bytes_ += line.size();
  out_.push_back(Pending{std::move(line), 0, fd});
  if (out_.size() == 1) {
    Flush();
    if (!closed_) UpdatePoll();
  }
  return Status::Ok();
}

void IpcChannel::Flush() {
  while (!out_.empty() && !closed_) {
    Pending& p = out_.front();
    ssize_t n = SendWithFd(fd_.get(), p.bytes.data() + p.offset, p.bytes.size() - p.offset,
                           p.offset == 0 ? p.fd : -1, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN) return;
      Close(fmt::format("write to the channel failed: {}", std::strerror(errno)));
      return;
    }
    p.offset += static_cast<size_t>(n);
    queued_bytes_ -= static_cast<size_t>(n);
    if (p.offset < p.bytes.size()) return;  // the rest when writable again
    out_.pop_front();
  }
}

void IpcChannel::OnPoll(int status, int events) {
  if (status < 0) {
    Close(fmt::format("the channel failed: {}", uv_strerror(status)));
    return;
  }
  if (events & UV_WRITABLE) {
    Flush();
    if (closed_) return;
  }
  if (events & (UV_READABLE | UV_DISCONNECT)) ReadSome(16);
  if (!closed_) UpdatePoll();
}

void IpcChannel::ReadSome(int max_reads) {
  bool alive = true;
  alive_ = &alive;
  char buf[64 * 1024];
  for (int i = 0; i < max_reads && !closed_; ++i) {
    std::vector<int> fds;
    ssize_t n = RecvWithFds(fd_.get(), buf, sizeof buf, &fds, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN) break;
      Close(fmt::format("read from the channel failed: {}", std::strerror(errno)));
      if (!alive) return;
      break;
    }
    for (int got : fds) {
      if (read_fd_ < 0) {
        read_fd_ = got;
      } else {
        ::close(got);  // Node sends at most one fd per line
      }
    }
    if (n == 0) {
      Close("the peer closed the channel");
      if (!alive) return;
      break;
    }
    splitter_.Feed(std::string_view(buf, static_cast<size_t>(n)));
    if (!alive) return;
    if (read_fd_ >= 0) {
      ::close(read_fd_);  // nobody took it: not a handle-carrying line
      read_fd_ = -1;
    }
  }
  alive_ = nullptr;
}

}  // namespace cohort
