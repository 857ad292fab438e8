// HttpServer: a minimal HTTP/1.x responder on the loop, for cohort's own
// endpoints (--health, --metrics). One request per connection: read the
// head (ParseHttpRequestHead), ask the handler, write the response, close.
//
// Bounded so that nobody can hurt the primary through it: a head over
// max_head bytes gets 431, garbage 400, a client that does not complete its
// head within head_timeout is closed (with 408 if it sent part of one), and
// beyond max_connections new connections are closed at once. Each of these
// affects only that client.
// Runs on the loop thread; owns the listening socket and every connection.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "http_request.h"
#include "listen_socket.h"
#include "restart_backoff.h"
#include "status.h"
#include "uv_handle.h"

namespace cohort {

class HttpServer {
 public:
  // Called once per well-formed request; returns the whole response.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  struct Options {
    size_t max_head = 8192;
    Millis head_timeout{5000};
    size_t max_connections = 64;
  };

  // Binds `spec` (TCP) and serves. `what` names it in errors as the user
  // wrote it, e.g. "--health 127.0.0.1:9000: cannot listen on 127.0.0.1:9000:
  // Address already in use (EADDRINUSE)".
  static Result<std::unique_ptr<HttpServer>> Listen(uv_loop_t* loop, const ListenSpec& spec, std::string_view what,
                                                    Handler handler, Options options);
  static Result<std::unique_ptr<HttpServer>> Listen(uv_loop_t* loop, const ListenSpec& spec, std::string_view what,
                                                    Handler handler) {
    return Listen(loop, spec, what, std::move(handler), Options{});
  }
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound address, "127.0.0.1:9000", "[::1]:9209" (the real port when asked for 0).
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  uint64_t answered() const { return answered_; }  // responses written, bad requests included
  size_t connections() const { return conns_.size(); }

 private:
  struct Conn;
  HttpServer(uv_loop_t* loop, Handler handler, Options options);
  void OnConnection();
  void OnRead(Conn& c, ssize_t nread, const uv_buf_t* buf);
  void Respond(Conn& c, const HttpResponse& response, bool head_only);
  void Close(uint64_t id);

  uv_loop_t* loop_;
  Handler handler_;
  Options options_;
  UvHandle<uv_tcp_t> listener_;
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;
  uint64_t next_id_ = 1;
  uint64_t answered_ = 0;
  std::string address_;
  int port_ = 0;
  char read_buf_[4096];  // every connection's reads land here in turn (one loop thread)
};

}  // namespace cohort
