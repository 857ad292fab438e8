#include "listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

namespace cohort {

static constexpr int kAcceptBatch = 64;   // per readable event
static constexpr int kTickBatch = 256;    // per tick: what arrived in 1 ms at up to 256k/s
static constexpr uint64_t kEmfileRetryMs = 50;

Listener::Listener(uv_loop_t* loop, ListenSpec spec, UniqueFd fd, Callbacks cb, AcceptPacer::Options pacing)
    : spec_(std::move(spec)), fd_(std::move(fd)), cb_(std::move(cb)), pacer_(pacing) {
  uv_poll_init(loop, poll_.get(), fd_.get());
  poll_->data = this;
  uv_timer_init(loop, tick_.get());
  tick_->data = this;
  uv_timer_init(loop, retry_.get());
  retry_->data = this;
}

Listener::~Listener() {
  poll_.Close();
  tick_.Close();
  retry_.Close();
  if (spec_.kind == ListenSpec::Kind::kUnix && fd_) ::unlink(spec_.path.c_str());
}

void Listener::Resume() {
  resumed_ = true;
  Arm();
}

void Listener::Pause() {
  resumed_ = false;
  Arm();
}

void Listener::Arm() {
  bool active = resumed_ && !backing_off_;
  bool poll = active && pacer_.mode() == AcceptPacer::Mode::kOnEvent;
  bool tick = active && pacer_.mode() == AcceptPacer::Mode::kOnTick;
  if (poll != polling_) {
    polling_ = poll;
    if (poll) {
      uv_poll_start(poll_.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
        if (h->data && status == 0) static_cast<Listener*>(h->data)->OnReadable();
      });
    } else {
      uv_poll_stop(poll_.get());
    }
  }
  if (tick != ticking_) {
    ticking_ = tick;
    if (tick) {
      uint64_t ms = static_cast<uint64_t>(pacer_.tick().count());
      uv_timer_start(
          tick_.get(),
          [](uv_timer_t* t) {
            if (t->data) static_cast<Listener*>(t->data)->OnTick();
          },
          ms, ms);
    } else {
      uv_timer_stop(tick_.get());
    }
  }
}

void Listener::OnReadable() {
  if (cb_.before_batch) cb_.before_batch();
  int n = AcceptBatch(kAcceptBatch);
  pacer_.OnEvent(std::chrono::steady_clock::now(), n);
  Arm();
}

void Listener::OnTick() {
  if (cb_.before_batch) cb_.before_batch();
  int n = AcceptBatch(kTickBatch);
  pacer_.OnTick(n);
  Arm();
}

int Listener::AcceptBatch(int max) {
  int n = 0;
  while (n < max) {
    if (!cb_.has_room()) {
      Pause();
      return n;
    }
    int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      if (errno == EAGAIN) return n;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        if (cb_.on_warning) {
          cb_.on_warning(fmt::format("accept on {}: {}; pausing for {} ms", spec_.Describe(),
                                     std::strerror(errno), kEmfileRetryMs));
        }
        backing_off_ = true;
        Arm();
        uv_timer_start(
            retry_.get(),
            [](uv_timer_t* t) {
              auto* self = static_cast<Listener*>(t->data);
              if (!self) return;
              self->backing_off_ = false;
              self->Arm();
            },
            kEmfileRetryMs, 0);
        return n;
      }
      if (cb_.on_warning) cb_.on_warning(fmt::format("accept on {}: {}", spec_.Describe(), std::strerror(errno)));
      return n;
    }
    ++accepted_;
    ++n;
    cb_.on_accept(UniqueFd(c));
  }
  return n;
}

}  // namespace cohort
