#include "metrics_server.h"

#include <fmt/format.h>

#include "http_request.h"
#include "ip_address.h"

namespace cohort {
namespace {

constexpr size_t kMaxConnections = 64;
constexpr size_t kMaxHead = 8192;

const char* Reason(int code) {
  switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Error";
  }
}

}  // namespace

Result<MetricsAddress> ParseMetricsAddress(const std::string& text) {
  MetricsAddress a;
  a.text = text;
  std::string rest = text;
  if (rest.starts_with("public:")) {
    a.is_public = true;
    rest = rest.substr(7);
  }
  if (!rest.empty() && rest.find_first_not_of("0123456789") == std::string::npos) rest = "127.0.0.1:" + rest;
  if (rest.starts_with("localhost:")) rest = "127.0.0.1:" + rest.substr(10);
  Result<ListenSpec> spec = ParseListenAddress(rest);
  auto bad = [&](const std::string& why) {
    return Status::Error(fmt::format("--metrics {}: {}", text, why));
  };
  if (!spec.ok() || spec->kind != ListenSpec::Kind::kTcp || !spec->host) {
    return bad("expected PORT, 127.0.0.1:PORT, [::1]:PORT or public:HOST:PORT");
  }
  std::optional<IpAddress> ip = ParseIpAddress(*spec->host);
  Result<AddressSet> loopback = AddressSet::Parse("loopback");
  if (!a.is_public && (!ip || !loopback.ok() || !loopback->Contains(*ip))) {
    return bad(fmt::format("{} is not a loopback address; the metrics name your apps and processes to whoever "
                           "connects: write public:{} to serve them there anyway",
                           *spec->host, rest));
  }
  a.spec = *spec;
  return a;
}

struct MetricsServer::Conn {
  uint64_t id = 0;
  MetricsServer* server = nullptr;
  UvHandle<uv_tcp_t> tcp;
  UvHandle<uv_timer_t> timer;
  std::string in;
  bool responded = false;
};

MetricsServer::MetricsServer(uv_loop_t* loop, Render render, Millis request_timeout)
    : loop_(loop), render_(std::move(render)), request_timeout_(request_timeout) {}

MetricsServer::~MetricsServer() = default;  // handles close themselves; pending writes are cancelled

Result<std::unique_ptr<MetricsServer>> MetricsServer::Open(uv_loop_t* loop, const MetricsAddress& address,
                                                           Render render, Millis request_timeout) {
  Result<UniqueFd> fd = BindListener(address.spec);
  if (!fd.ok()) return Status::Error(fmt::format("--metrics {}: {}", address.text, fd.status().message()));
  std::unique_ptr<MetricsServer> s(new MetricsServer(loop, std::move(render), request_timeout));
  s->text_ = address.text;
  nlohmann::json name = SocknameJson(fd->get());
  std::string host = *address.spec.host;
  s->where_ = fmt::format("{}:{}", address.spec.family == 6 ? "[" + host + "]" : host,
                          name.is_object() ? name.value("port", 0) : address.spec.port);
  uv_tcp_init(loop, s->listener_.get());
  if (int e = uv_tcp_open(s->listener_.get(), fd->get()); e != 0) {
    return Status::Error(fmt::format("--metrics {}: {}", address.text, uv_strerror(e)));
  }
  fd->release();  // the handle owns it now
  s->listener_->data = s.get();
  int e = uv_listen(reinterpret_cast<uv_stream_t*>(s->listener_.get()), 64, [](uv_stream_t* l, int status) {
    if (status == 0 && l->data) static_cast<MetricsServer*>(l->data)->OnConnection();
  });
  if (e != 0) return Status::Error(fmt::format("--metrics {}: {}", address.text, uv_strerror(e)));
  return s;
}

void MetricsServer::OnConnection() {
  auto c = std::make_shared<Conn>();
  uv_tcp_init(loop_, c->tcp.get());
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_.get()), reinterpret_cast<uv_stream_t*>(c->tcp.get())) != 0) {
    return;
  }
  if (conns_.size() >= kMaxConnections) return;  // c goes out of scope: closed at once
  c->id = next_id_++;
  c->server = this;
  c->tcp->data = c.get();
  uv_timer_init(loop_, c->timer.get());
  c->timer->data = c.get();
  uv_timer_start(c->timer.get(), [](uv_timer_t* t) {
    if (auto* conn = static_cast<Conn*>(t->data)) conn->server->Close(conn->id);
  }, static_cast<uint64_t>(request_timeout_.count()), 0);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(c->tcp.get()),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* conn = static_cast<Conn*>(h->data);
        std::string& scratch = conn->server->read_buf_;
        scratch.resize(16384);
        *buf = uv_buf_init(scratch.data(), static_cast<unsigned>(scratch.size()));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        if (auto* conn = static_cast<Conn*>(s->data)) conn->server->OnRead(*conn, n, buf);
      });
  conns_.emplace(c->id, std::move(c));
}

void MetricsServer::OnRead(Conn& c, ssize_t n, const uv_buf_t* buf) {
  if (n < 0) return Close(c.id);  // EOF or error: nothing to answer
  if (c.responded || n == 0) return;
  c.in.append(buf->base, static_cast<size_t>(n));
  RequestHead head = ParseRequestHead(c.in, kMaxHead);
  switch (head.state) {
    case RequestHead::State::kIncomplete:
      return;
    case RequestHead::State::kBad:
      return Respond(c, 400, "bad request: expected GET /metrics HTTP/1.1\n", false);
    case RequestHead::State::kTooLarge:
      return Respond(c, 431, "request head over 8 KiB\n", false);
    case RequestHead::State::kComplete:
      break;
  }
  bool head_only = head.method == "HEAD";
  if (head.method != "GET" && !head_only) {
    return Respond(c, 405, "only GET /metrics\n", false, "Allow: GET, HEAD\r\n");
  }
  if (head.path != "/metrics") return Respond(c, 404, "not found: the metrics are at /metrics\n", head_only);
  std::string body;
  try {
    body = render_();
  } catch (const std::exception& e) {  // nothing may escape a libuv callback
    return Respond(c, 500, fmt::format("cannot render the metrics: {}\n", e.what()), head_only);
  }
  Respond(c, 200, body, head_only);
}

void MetricsServer::Respond(Conn& c, int code, const std::string& body, bool head_only, const char* extra_headers) {
  c.responded = true;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(c.tcp.get()));
  const char* type = code == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8";
  struct Write {
    uv_write_t req;
    std::string data;
    std::weak_ptr<Conn> conn;
  };
  auto* w = new Write;
  w->data = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
                        code, Reason(code), type, body.size(), extra_headers);
  if (!head_only) w->data += body;
  w->conn = conns_.at(c.id);
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int e = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(c.tcp.get()), &b, 1, [](uv_write_t* req, int) {
    std::unique_ptr<Write> w(static_cast<Write*>(req->data));
    if (std::shared_ptr<Conn> conn = w->conn.lock()) conn->server->Close(conn->id);
  });
  if (e != 0) {
    delete w;
    Close(c.id);
  }
}

void MetricsServer::Close(uint64_t id) { conns_.erase(id); }

}  // namespace cohort
