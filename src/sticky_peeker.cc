#include "sticky_peeker.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "proxy_protocol.h"

namespace cohort {
namespace {

using Outcome = KeyScan::Outcome;

ssize_t RecvRetrying(int fd, char* buf, size_t n, int flags) {
  ssize_t r;
  do {
    r = ::recv(fd, buf, n, flags | MSG_DONTWAIT);
  } while (r < 0 && errno == EINTR);
  return r;
}

}  // namespace

StickyPeeker::StickyPeeker(uv_loop_t* loop, Options options, Decided decided)
    : loop_(loop), opt_(std::move(options)), decided_(std::move(decided)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)), buf_(opt_.max_bytes) {
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
  uv_check_init(loop_, check_.get());
  check_->data = this;
  uv_idle_init(loop_, idle_.get());
  if (epoll_) {
    uv_poll_init(loop_, poll_.get(), epoll_.get());
    poll_->data = this;
    uv_poll_start(poll_.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
      if (h->data && status == 0) static_cast<StickyPeeker*>(h->data)->OnEpoll();
    });
  }
}

StickyPeeker::~StickyPeeker() {
  poll_.Close();
  timer_.Close();
  check_.Close();
  idle_.Close();
}

void StickyPeeker::Add(UniqueFd conn) {
  Pending p;
  p.fd = std::move(conn);
  bool want_ip = opt_.spec.source == StickySpec::Source::kIp || opt_.trusted;
  if (std::optional<IpAddress> peer = want_ip ? PeerAddress(p.fd.get()) : std::nullopt) {
    p.client = peer->ToString();
    p.trusted_peer = opt_.trusted && opt_.trusted->Contains(*peer);
  }
  if (!opt_.spec.NeedsBytes() && !p.trusted_peer) {
    Hand(std::move(p.fd), std::move(p.client), true);
    return;
  }
  std::string key;
  if (!epoll_ || Evaluate(p, &key) == Step::kDone) {
    Hand(std::move(p.fd), std::move(key), true);
    return;
  }
  Wait(std::move(p));
}

StickyPeeker::Step StickyPeeker::Evaluate(Pending& p, std::string* key) {
  bool ip = opt_.spec.source == StickySpec::Source::kIp;
  *key = ip ? p.client : std::string();
  ssize_t n = RecvRetrying(p.fd.get(), buf_.data(), buf_.size(), MSG_PEEK);
  if (n < 0) return errno == EAGAIN ? Step::kWait : Step::kDone;
  if (n == 0) return Step::kDone;  // closed before a byte: the worker will see that
  std::string_view bytes(buf_.data(), static_cast<size_t>(n));
  bool full = static_cast<size_t>(n) >= buf_.size();
  if (p.trusted_peer && !p.proxy_done) {
    ProxyHeader h = ParseProxyHeader(bytes);
    switch (h.outcome) {
      case ProxyHeader::Outcome::kNeedMore:
        return full ? Step::kDone : Step::kWait;
      case ProxyHeader::Outcome::kInvalid:
        return Step::kDone;
      case ProxyHeader::Outcome::kNone:
        p.proxy_done = true;
        break;
      case ProxyHeader::Outcome::kOk:
        // Take the header off the socket; the peeked bytes after it stay.
        if (RecvRetrying(p.fd.get(), buf_.data(), h.length, 0) != static_cast<ssize_t>(h.length)) {
          return Step::kDone;
        }
        ++stats_.proxied;
        p.proxy_done = true;
        if (h.source) {
          p.client = h.source->ToString();
          p.trusted_peer = opt_.trusted->Contains(*h.source);
        }
        if (ip) *key = p.client;
        bytes = std::string_view(buf_.data(), static_cast<size_t>(n)).substr(h.length);
        full = false;
        if (!opt_.spec.NeedsBytes() && !p.trusted_peer) return Step::kDone;
        if (bytes.empty()) return Step::kWait;
        break;
    }
  }
  KeyScan scan = ip ? ScanForwardedFor(bytes, *opt_.trusted) : ScanStickyField(opt_.spec, bytes);
  switch (scan.outcome) {
    case Outcome::kFound:
      *key = std::move(scan.key);
      return Step::kDone;
    case Outcome::kAbsent:
      return Step::kDone;
    case Outcome::kNeedMore:
      return full ? Step::kDone : Step::kWait;
  }
  return Step::kDone;
}

void StickyPeeker::Wait(Pending p) {
  int fd = p.fd.get();
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    std::string key = opt_.spec.source == StickySpec::Source::kIp ? p.client : std::string();
    Hand(std::move(p.fd), std::move(key), true);
    return;
  }
  p.generation = next_generation_++;
  deadlines_.push_back({fd, p.generation, uv_now(loop_) + static_cast<uint64_t>(opt_.timeout.count())});
  waiting_.emplace(fd, std::move(p));
  while (waiting_.size() > opt_.max_pending && !deadlines_.empty()) {
    Deadline oldest = deadlines_.front();
    deadlines_.pop_front();
    auto it = waiting_.find(oldest.fd);
    if (it == waiting_.end() || it->second.generation != oldest.generation) continue;
    ++stats_.timed_out;
    Finish(oldest.fd, {}, true);
  }
  ArmTimer();
}

void StickyPeeker::Finish(int fd, std::string key, bool defer) {
  auto it = waiting_.find(fd);
  if (it == waiting_.end()) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  Pending p = std::move(it->second);
  waiting_.erase(it);
  if (key.empty() && opt_.spec.source == StickySpec::Source::kIp) key = p.client;
  Hand(std::move(p.fd), std::move(key), defer);
}

void StickyPeeker::Hand(UniqueFd fd, std::string key, bool defer) {
  ++(key.empty() ? stats_.unkeyed : stats_.keyed);
  if (!defer) {
    decided_(std::move(fd), std::move(key));
    return;
  }
  ready_.emplace_back(std::move(fd), std::move(key));
  if (ready_.size() == 1) {
    uv_idle_start(idle_.get(), [](uv_idle_t*) {});
    uv_check_start(check_.get(), [](uv_check_t* h) {
      auto* self = static_cast<StickyPeeker*>(h->data);
      if (!self) return;
      uv_check_stop(h);
      uv_idle_stop(self->idle_.get());
      auto ready = std::move(self->ready_);
      self->ready_.clear();
      for (auto& [fd, key] : ready) self->decided_(std::move(fd), std::move(key));
    });
  }
}

void StickyPeeker::OnEpoll() {
  epoll_event events[64];
  int n;
  do {
    n = ::epoll_wait(epoll_.get(), events, 64, 0);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      auto it = waiting_.find(fd);
      if (it == waiting_.end()) continue;
      std::string key;
      bool hangup = events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
      if (Evaluate(it->second, &key) == Step::kDone || hangup) Finish(fd, std::move(key), true);
    }
  } while (n == 64);
}

void StickyPeeker::OnTimer() {
  uint64_t now = uv_now(loop_);
  while (!deadlines_.empty() && deadlines_.front().at_ms <= now) {
    Deadline d = deadlines_.front();
    deadlines_.pop_front();
    auto it = waiting_.find(d.fd);
    if (it == waiting_.end() || it->second.generation != d.generation) continue;
    ++stats_.timed_out;
    // Not deferred: the loop could sleep in poll before its check phase.
    Finish(d.fd, {}, false);
  }
  ArmTimer();
}

void StickyPeeker::ArmTimer() {
  while (!deadlines_.empty()) {
    const Deadline& d = deadlines_.front();
    auto it = waiting_.find(d.fd);
    if (it != waiting_.end() && it->second.generation == d.generation) break;
    deadlines_.pop_front();  // already handed on
  }
  if (deadlines_.empty()) {
    uv_timer_stop(timer_.get());
    return;
  }
  uint64_t now = uv_now(loop_), at = deadlines_.front().at_ms;
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) {
        if (t->data) static_cast<StickyPeeker*>(t->data)->OnTimer();
      },
      at > now ? at - now : 0, 0);
}

}  // namespace cohort
