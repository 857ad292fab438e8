// MetricsServer: `--metrics ADDR` on cohort's HTTP responder (HttpServer:
// garbage 400, a head over 8 KiB 431, at most 64 connections, each given 5 s
// to send its request, every connection closed after its response): GET (or
// HEAD) /metrics answers the Prometheus text that `render` returns, any
// other path 404, another method 405. Runs on the loop thread.
//
// ParseMetricsAddress: loopback only unless the user writes public:ADDR, as
// the metrics name the apps, their processes and their load.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "http_server.h"
#include "listen_socket.h"
#include "restart_backoff.h"
#include "status.h"

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
  // Where it listens: "127.0.0.1:9209" (the port the kernel chose for 0).
  const std::string& where() const { return http_->address(); }
  const std::string& text() const { return text_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<HttpServer> http_;
  std::string text_;
};

}  // namespace cohort
