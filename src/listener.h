// Listener: one listening socket the primary owns, and its accept loop.
//
// While resumed, it accepts in batches when the socket is readable and hands
// each connection to on_accept; before each accept it asks has_room (the
// Balancer), and pauses when there is none, leaving connections in the
// kernel backlog. On EMFILE/ENFILE it pauses for a moment instead of
// spinning. In shared mode it is never resumed: workers accept themselves.
// Runs on the loop thread; owns the fd; unlinks a unix socket path on close.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

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
  };
  Listener(uv_loop_t* loop, ListenSpec spec, UniqueFd fd, Callbacks cb);
  ~Listener();

  void Resume();
  void Pause();
  int fd() const { return fd_.get(); }
  const ListenSpec& spec() const { return spec_; }
  uint64_t accepted() const { return accepted_; }

 private:
  void OnReadable();
  ListenSpec spec_;
  UniqueFd fd_;
  Callbacks cb_;
  UvHandle<uv_poll_t> poll_;
  UvHandle<uv_timer_t> retry_;
  bool polling_ = false;
  bool backing_off_ = false;  // after EMFILE, until retry_ fires
  uint64_t accepted_ = 0;
};

}  // namespace cohort
