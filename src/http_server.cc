#include "http_server.h"

#include <fmt/format.h>

namespace cohort {
namespace {

// After the response, how long a client may take to close its end; reading
// what it still sends until then avoids a reset that could cut the response.
constexpr Millis kLinger{2000};

struct WriteReq {
  uv_write_t req;
  std::string data;
};

uv_stream_t* AsStream(uv_tcp_t* t) { return reinterpret_cast<uv_stream_t*>(t); }

}  // namespace

struct HttpServer::Conn {
  uint64_t id = 0;
  HttpServer* server = nullptr;
  UvHandle<uv_tcp_t> tcp;
  UvHandle<uv_timer_t> timer;  // head timeout, then linger
  std::string input;           // the head so far (at most max_head plus one read)
  bool responded = false;
};

HttpServer::HttpServer(uv_loop_t* loop, Handler handler, Options options)
    : loop_(loop), handler_(std::move(handler)), options_(options) {}

HttpServer::~HttpServer() = default;  // the UvHandles close the listener and every connection

Result<std::unique_ptr<HttpServer>> HttpServer::Listen(uv_loop_t* loop, const ListenSpec& spec, std::string_view what,
                                                       Handler handler, Options options) {
  if (spec.kind != ListenSpec::Kind::kTcp) return Status::Error(fmt::format("{}: not a TCP address", what));
  Result<UniqueFd> fd = BindListener(spec);
  if (!fd.ok()) return Status::Error(fmt::format("{}: {}", what, fd.status().message()), fd.status().sys_errno());
  std::unique_ptr<HttpServer> server(new HttpServer(loop, std::move(handler), options));
  uv_tcp_t* listener = server->listener_.get();
  uv_tcp_init(loop, listener);
  if (int rc = uv_tcp_open(listener, fd->get()); rc != 0) {
    return Status::Error(fmt::format("{}: {}", what, uv_strerror(rc)), -rc);
  }
  fd->release();  // the handle owns it now
  listener->data = server.get();
  int rc = uv_listen(AsStream(listener), 64, [](uv_stream_t* s, int status) {
    if (status == 0 && s->data) static_cast<HttpServer*>(s->data)->OnConnection();
  });
  if (rc != 0) return Status::Error(fmt::format("{}: {}", what, uv_strerror(rc)), -rc);
  uv_os_fd_t bound = -1;
  uv_fileno(server->listener_.handle(), &bound);
  nlohmann::json name = SocknameJson(bound);
  server->port_ = name.is_object() ? name.value("port", 0) : 0;
  ListenSpec actual = spec;
  actual.port = server->port_;
  server->address_ = actual.Describe();
  return server;
}

void HttpServer::OnConnection() {
  auto conn = std::make_unique<Conn>();
  Conn& c = *conn;
  uv_tcp_init(loop_, c.tcp.get());
  if (uv_accept(AsStream(listener_.get()), AsStream(c.tcp.get())) != 0) return;
  // Over the limit: close at once, so the kernel's backlog does not fill up behind it.
  if (conns_.size() >= options_.max_connections) return;
  c.id = next_id_++;
  c.server = this;
  c.tcp->data = &c;
  uv_timer_init(loop_, c.timer.get());
  c.timer->data = &c;
  uv_timer_start(c.timer.get(), [](uv_timer_t* t) {
    auto* conn = static_cast<Conn*>(t->data);
    if (!conn) return;
    HttpServer* self = conn->server;
    // Linger over, or a client that never said anything: nothing to answer.
    if (conn->responded || conn->input.empty()) return self->Close(conn->id);
    self->Respond(*conn, PlainResponse(408, "the request head did not arrive in time\n"), false);
  }, static_cast<uint64_t>(options_.head_timeout.count()), 0);
  uv_read_start(
      AsStream(c.tcp.get()),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* conn = static_cast<Conn*>(h->data);
        *buf = conn ? uv_buf_init(conn->server->read_buf_, sizeof conn->server->read_buf_) : uv_buf_init(nullptr, 0);
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* conn = static_cast<Conn*>(s->data);
        if (conn) conn->server->OnRead(*conn, nread, buf);
      });
  conns_.emplace(c.id, std::move(conn));
}

void HttpServer::OnRead(Conn& c, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) return Close(c.id);  // EOF or error
  if (c.responded || nread == 0) return;  // lingering: what it still sends is dropped
  c.input.append(buf->base, static_cast<size_t>(nread));
  HttpHead head = ParseHttpRequestHead(c.input, options_.max_head);
  switch (head.outcome) {
    case HttpHead::Outcome::kNeedMore:
      return;
    case HttpHead::Outcome::kBad:
      return Respond(c, PlainResponse(head.status, head.error + "\n"), false);
    case HttpHead::Outcome::kOk:
      break;
  }
  HttpResponse response;
  try {
    response = handler_(head.request);
  } catch (const std::exception& e) {  // no exception may cross the loop's callback
    response = PlainResponse(500, std::string(e.what()) + "\n");
  }
  Respond(c, response, head.request.method == "HEAD");
}

void HttpServer::Respond(Conn& c, const HttpResponse& response, bool head_only) {
  c.responded = true;
  c.input.clear();
  c.input.shrink_to_fit();
  ++answered_;
  uv_timer_start(c.timer.get(), [](uv_timer_t* t) {
    if (auto* conn = static_cast<Conn*>(t->data)) conn->server->Close(conn->id);
  }, static_cast<uint64_t>(kLinger.count()), 0);
  auto* w = new WriteReq{};
  w->data = FormatHttpResponse(response, head_only);
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, AsStream(c.tcp.get()), &b, 1, [](uv_write_t* req, int status) {
    auto* conn = static_cast<Conn*>(req->handle->data);  // null once the connection is closed
    delete reinterpret_cast<WriteReq*>(req);
    if (!conn) return;
    if (status != 0) return conn->server->Close(conn->id);
    auto* sd = new uv_shutdown_t{};
    if (uv_shutdown(sd, AsStream(conn->tcp.get()), [](uv_shutdown_t* r, int) { delete r; }) != 0) {
      delete sd;
      conn->server->Close(conn->id);
    }
  });
  if (rc != 0) {
    delete w;
    Close(c.id);
  }
}

void HttpServer::Close(uint64_t id) { conns_.erase(id); }

}  // namespace cohort
