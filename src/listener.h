// Listener: one listening socket the primary owns, and its accept loop.
//
// While resumed, it accepts in batches when the socket is readable and hands
// each connection to on_accept; before each accept it asks has_room (the
// Balancer), and pauses when there is none, leaving connections in the
// kernel backlog. While connections arrive fast, it accepts on a 1 ms tick
// instead of on every readable event (AcceptPacer). On EMFILE/ENFILE it
// pauses for a moment instead of spinning. In shared mode it is never
// resumed: workers accept themselves.
// Runs on the loop thread; owns the fd; unlinks a unix socket path on close.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "accept_pacer.h"
#include "listen_socket.h"
#include "unique_fd.h"
#include "uv_handle.h"

namespace cohort {

class Listener {
 public:
  struct Callbacks {
    std::function<bool()> has_room;
    std::function<void(UniqueFd conn)> on_accept;
    std::function<void(const std::string& line)> on_warning;
    std::function<void()> before_batch;  // optional: runs before each batch of accepts
  };
  Listener(uv_loop_t* loop, ListenSpec spec, UniqueFd fd, Callbacks cb,
           AcceptPacer::Options pacing = AcceptPacer::Options());
  ~Listener();

  void Resume();
  void Pause();
  int fd() const { return fd_.get(); }
  const ListenSpec& spec() const { return spec_; }
  uint64_t accepted() const { return accepted_; }
  bool ticking() const { return ticking_; }

 private:
  void OnReadable();
  void OnTick();
  int AcceptBatch(int max);  // returns how many it accepted
  void Arm();                // polls, ticks or neither, as the state says

  ListenSpec spec_;
  UniqueFd fd_;
  Callbacks cb_;
  AcceptPacer pacer_;
  UvHandle<uv_poll_t> poll_;
  UvHandle<uv_timer_t> tick_;
  UvHandle<uv_timer_t> retry_;
  bool resumed_ = false;      // the owner wants connections
  bool backing_off_ = false;  // after EMFILE, until retry_ fires
  bool polling_ = false;      // poll_ is started
  bool ticking_ = false;      // tick_ is started
  uint64_t accepted_ = 0;
};

}  // namespace cohort
