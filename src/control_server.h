// ControlServer: a primary's control socket, a unix stream socket in
// $COHORT_HOME/run. One JSON request per line, one JSON response line per
// request, answered in order on each connection; a handler may answer later
// (a reload answers when it is done). Peers must be the same user as the
// primary or root (SO_PEERCRED); others get one refusal line and are closed.
// Runs on the loop thread; owns the listening fd, every connection, and the
// socket path (unlinked on destruction).
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "ipc_channel.h"
#include "status.h"
#include "unique_fd.h"
#include "uv_handle.h"

namespace cohort {

class ControlServer {
 public:
  // Call exactly once per request; harmless if the client has gone.
  using Reply = std::function<void(const nlohmann::json& response)>;
  using Handler = std::function<void(const nlohmann::json& request, Reply reply)>;
  static constexpr size_t kMaxRequest = 1 << 20;

  // Fails if another live primary answers on `path`; replaces a stale socket file.
  static Result<std::unique_ptr<ControlServer>> Listen(uv_loop_t* loop, const std::string& path,
                                                       Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  const std::string& path() const { return path_; }

 private:
  struct Conn {
    uint64_t id;
    std::unique_ptr<IpcChannel> channel;
    std::deque<std::string> requests;  // received, not yet handled
    bool busy = false;                 // a request is being handled
  };
  ControlServer(uv_loop_t* loop, std::string path, UniqueFd fd, Handler handler);
  void OnAcceptable();
  void Accept(UniqueFd fd);
  void Next(const std::shared_ptr<Conn>& conn);
  void ScheduleSweep();

  uv_loop_t* loop_;
  std::string path_;
  UniqueFd fd_;
  Handler handler_;
  UvHandle<uv_poll_t> poll_;
  UvHandle<uv_timer_t> sweep_;  // frees closed connections outside their callbacks
  std::map<uint64_t, std::shared_ptr<Conn>> conns_;
  uint64_t next_id_ = 1;
};

}  // namespace cohort
