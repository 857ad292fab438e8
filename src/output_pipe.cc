#include "output_pipe.h"

#include <unistd.h>

namespace cohort {

static constexpr size_t kMaxPiece = 16 * 1024;

OutputPipe::OutputPipe(uv_loop_t* loop, UniqueFd read_end, LineFn on_line)
    : on_line_(std::move(on_line)) {
  uv_pipe_init(loop, pipe_.get(), 0);
  if (uv_pipe_open(pipe_.get(), read_end.get()) != 0) return;
  read_end.release();  // the pipe handle owns it now
  open_ = true;
  pipe_->data = this;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(pipe_.get()),
      [](uv_handle_t*, size_t, uv_buf_t* buf) {
        static char storage[64 * 1024];  // loop thread only; consumed before the next read
        *buf = uv_buf_init(storage, sizeof storage);
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* self = static_cast<OutputPipe*>(s->data);
        if (!self) return;
        if (n > 0) self->Consume(std::string_view(buf->base, static_cast<size_t>(n)));
        if (n < 0) {
          uv_read_stop(s);
          self->Finish();
        }
      });
}

OutputPipe::~OutputPipe() { Finish(); }

void OutputPipe::Consume(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(bytes);
      while (partial_.size() >= kMaxPiece) {
        on_line_(std::string_view(partial_).substr(0, kMaxPiece));
        partial_.erase(0, kMaxPiece);
      }
      return;
    }
    if (partial_.empty()) {
      on_line_(bytes.substr(0, nl));
    } else {
      partial_.append(bytes.substr(0, nl));
      on_line_(partial_);
      partial_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
}

void OutputPipe::Finish() {
  if (open_) {
    open_ = false;
    uv_os_fd_t fd;
    if (uv_fileno(pipe_.handle(), &fd) == 0) {
      char buf[16 * 1024];
      for (int i = 0; i < 64; ++i) {  // what the process wrote before it exited
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        Consume(std::string_view(buf, static_cast<size_t>(n)));
      }
    }
    pipe_.Close();
  }
  if (!partial_.empty()) {
    on_line_(partial_);
    partial_.clear();
  }
}

}  // namespace cohort
