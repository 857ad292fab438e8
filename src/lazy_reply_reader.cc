#include "lazy_reply_reader.h"

#include <algorithm>

namespace cohort {

LazyReplyReader::LazyReplyReader(uv_loop_t* loop, Millis quiet) : quiet_(quiet) {
  uv_timer_init(loop, timer_.get());
  timer_->data = this;
}

void LazyReplyReader::Handed(IpcChannel* channel) {
  if (std::find(lazy_.begin(), lazy_.end(), channel) == lazy_.end()) {
    channel->SetReadPolling(false);
    lazy_.push_back(channel);
  }
  // Restarted on every handoff (no syscall): under load it never fires, so
  // the channels are not re-armed in epoll over and over.
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) {
        if (t->data) static_cast<LazyReplyReader*>(t->data)->OnQuiet();
      },
      static_cast<uint64_t>(quiet_.count()), 0);
}

void LazyReplyReader::Collect() {
  // Reading runs the channel's callbacks, which may hand connections (Handed
  // appends) or forget channels: walk a copy and skip what was forgotten.
  std::vector<IpcChannel*> now = lazy_;
  for (IpcChannel* ch : now) {
    if (std::find(lazy_.begin(), lazy_.end(), ch) != lazy_.end()) ch->ReadAvailable();
  }
}

void LazyReplyReader::Forget(IpcChannel* channel) {
  lazy_.erase(std::remove(lazy_.begin(), lazy_.end(), channel), lazy_.end());
}

void LazyReplyReader::OnQuiet() {
  Collect();
  std::vector<IpcChannel*> now = std::exchange(lazy_, {});
  for (IpcChannel* ch : now) ch->SetReadPolling(true);
}

}  // namespace cohort
