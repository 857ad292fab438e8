// MetricsServer: `--metrics ADDR`, a minimal HTTP/1.1 responder on the
// loop: GET (or HEAD) /metrics answers the Prometheus text that `render`
// returns, any other path 404, another method 405, garbage 400, a head over
// 8 KiB 431; every connection closes after its response. At most 64
// connections at once, each given 5 s to send its request: a bad or slow
// client costs the primary (or daemon) nothing more. Runs on the loop thread.
//
// ParseMetricsAddress: loopback only unless the user writes public:ADDR, as
// the metrics name the apps, their processes and their load.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "listen_socket.h"
#include "restart_backoff.h"
#include "status.h"
#include "unique_fd.h"
#include "uv_handle.h"

namespace cohort {

struct MetricsAddress {
  ListenSpec spec;
  bool is_public = false;
  std::string text;  // as the user wrote it
};
// "PORT" (127.0.0.1:PORT), "127.0.0.1:PORT", "[::1]:PORT", "localhost:PORT",
// or "public:HOST:PORT" for any other address.
Result<MetricsAddress> ParseMetricsAddress(const std::string& text);

class MetricsServer {
 public:
  using Render = std::function<std::string()>;
  // `request_timeout`: how long a client may take to send its request.
  static Result<std::unique_ptr<MetricsServer>> Open(uv_loop_t* loop, const MetricsAddress& address, Render render,
                                                     Millis request_timeout = Millis(5000));
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  // Where it listens: "127.0.0.1:9209" (the port the kernel chose for 0).
  const std::string& where() const { return where_; }
  const std::string& text() const { return text_; }

 private:
  struct Conn;
  MetricsServer(uv_loop_t* loop, Render render, Millis request_timeout);
  void OnConnection();
  void OnRead(Conn& c, ssize_t n, const uv_buf_t* buf);
  void Respond(Conn& c, int code, const std::string& body, bool head_only, const char* extra_headers = "");
  void Close(uint64_t id);

  uv_loop_t* loop_;
  Render render_;
  Millis request_timeout_;
  std::string where_, text_;
  UvHandle<uv_tcp_t> listener_;
  std::map<uint64_t, std::shared_ptr<Conn>> conns_;
  uint64_t next_id_ = 1;
  std::string read_buf_;  // one buffer for every read: each is consumed at once
};

}  // namespace cohort
