// LazyReplyReader: reads workers' replies to connection handoffs without the
// primary being woken for each one.
//
// Every handoff makes a Node worker write two lines back (NODE_HANDLE_ACK,
// then {ack, accepted}). If the primary polls the channel, each write wakes
// it, and on a busy machine the wakeup also preempts the worker right after
// its write: two context switches per connection, the largest cost of
// round-robin balancing measured on 2 cores. So once a connection has been
// handed on a channel, the channel stops waking the primary; its lines wait
// in the socket and are read by Collect(), which the primary calls before each
// accept batch (it is awake anyway), and at the latest when no handoff has
// gone out for `quiet`, when polling is turned back on (so replies, control
// messages and hang-ups of an idle app are seen within `quiet`).
// Runs on the loop thread. Does not own the channels; Forget() one before it
// is destroyed.
#pragma once

#include <uv.h>

#include <vector>

#include "duration.h"
#include "ipc_channel.h"
#include "uv_handle.h"

namespace cohort {

class LazyReplyReader {
 public:
  LazyReplyReader(uv_loop_t* loop, Millis quiet);
  LazyReplyReader(const LazyReplyReader&) = delete;
  LazyReplyReader& operator=(const LazyReplyReader&) = delete;

  // A connection was just handed on `channel`.
  void Handed(IpcChannel* channel);
  // Reads whatever the lazy channels hold now.
  void Collect();
  void Forget(IpcChannel* channel);
  size_t lazy_channels() const { return lazy_.size(); }

 private:
  void OnQuiet();

  Millis quiet_;
  std::vector<IpcChannel*> lazy_;  // channels not polled for reading
  UvHandle<uv_timer_t> timer_;
};

}  // namespace cohort
