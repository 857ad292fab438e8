#include "listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

namespace cohort {

static constexpr int kAcceptBatch = 64;
static constexpr uint64_t kEmfileRetryMs = 50;

Listener::Listener(uv_loop_t* loop, ListenSpec spec, UniqueFd fd, Callbacks cb)
    : spec_(std::move(spec)), fd_(std::move(fd)), cb_(std::move(cb)) {
  uv_poll_init(loop, poll_.get(), fd_.get());
  poll_->data = this;
  uv_timer_init(loop, retry_.get());
  retry_->data = this;
}

Listener::~Listener() {
  poll_.Close();
  retry_.Close();
  if (spec_.kind == ListenSpec::Kind::kUnix && fd_) ::unlink(spec_.path.c_str());
}

void Listener::Resume() {
  if (polling_ || backing_off_) return;
  polling_ = true;
  uv_poll_start(poll_.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
    if (h->data && status == 0) static_cast<Listener*>(h->data)->OnReadable();
  });
}

void Listener::Pause() {
  if (!polling_) return;
  polling_ = false;
  uv_poll_stop(poll_.get());
}

void Listener::OnReadable() {
  for (int i = 0; i < kAcceptBatch; ++i) {
    if (!cb_.has_room()) {
      Pause();
      return;
    }
    int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      if (errno == EAGAIN) return;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        if (cb_.on_warning) {
          cb_.on_warning(fmt::format("accept on {}: {}; pausing for {} ms", spec_.Describe(),
                                     std::strerror(errno), kEmfileRetryMs));
        }
        Pause();
        backing_off_ = true;
        uv_timer_start(
            retry_.get(),
            [](uv_timer_t* t) {
              auto* self = static_cast<Listener*>(t->data);
              if (!self) return;
              self->backing_off_ = false;
              self->Resume();
            },
            kEmfileRetryMs, 0);
        return;
      }
      if (cb_.on_warning) cb_.on_warning(fmt::format("accept on {}: {}", spec_.Describe(), std::strerror(errno)));
      return;
    }
    ++accepted_;
    cb_.on_accept(UniqueFd(c));
  }
}

}  // namespace cohort
