#include "store/store_server.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "listen_socket.h"
#include "logger.h"

namespace cohort::store {

char StoreServer::read_buffer_[1 << 16];

namespace {
std::string PeerName(uv_tcp_t* tcp, bool local) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  int rc = local ? uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len)
                 : uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return "?";
  char ip[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    return fmt::format("{}:{}", ip, ntohs(a->sin_port));
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
  return fmt::format("{}:{}", ip, ntohs(a->sin6_port));
}
}  // namespace

StoreServer::StoreServer(uv_loop_t* loop, Store& store, StoreServerOptions options)
    : loop_(loop), store_(store), options_(std::move(options)) {}

StoreServer::~StoreServer() {
  Stop();
  store_.wake = nullptr;
  store_.propagate = nullptr;
  store_.info_persistence = nullptr;
  store_.persistence_command = nullptr;
  store_.shutdown = nullptr;
}

Status StoreServer::Start() {
  // From here on the store's time is the loop's cached time (read once per
  // iteration) plus this offset to the wall clock: no clock syscall per
  // request. The offset is measured now, before the log is replayed and the
  // first client is served, and again on every cron run.
  store_.RefreshClock();
  wall_offset_ = store_.now() - static_cast<int64_t>(uv_now(loop_));
  if (!options_.aof_path.empty()) {
    log_ = std::make_unique<AppendLog>(store_, options_.aof_path);
    auto report = log_->Load();
    if (!report.ok()) return report.status();
    if (report->truncated_bytes > 0) {
      if (options_.logger) options_.logger->Event(LogLevel::kWarn, "store", fmt::format("store: {} ended with {} bytes of an unfinished command (a crash during a write); cut "
                          "them off and loaded {} commands",
                          options_.aof_path, report->truncated_bytes, report->commands));
    }
    store_.stats().dirty = 0;
    store_.propagate = [this](int db, std::span<const std::string_view> args) { log_->Append(db, args); };
    store_.info_persistence = [this] { return log_->InfoFields(); };
  }
  store_.persistence_command = [this](std::string_view what) { return PersistenceCommand(what); };
  store_.shutdown = [this] {
    // Stop after the reply is written (next loop iteration).
    uv_timer_start(cron_.get(), [](uv_timer_t* t) {
      auto* self = static_cast<StoreServer*>(t->data);
      if (self != nullptr) self->Stop();
    }, 0, 0);
  };
  store_.wake = [this](Client& c) {
    auto it = conns_.find(c.id);
    if (it != conns_.end()) MarkPending(*it->second);
  };

  if (!options_.bind.empty()) {
    ListenSpec spec;
    spec.kind = ListenSpec::Kind::kTcp;
    spec.host = options_.bind;
    spec.family = options_.bind.find(':') != std::string::npos ? 6 : 4;
    spec.port = options_.port;
    auto fd = BindListener(spec);
    if (!fd.ok()) return fd.status();
    uv_tcp_init(loop_, tcp_listener_.get());
    tcp_listener_->data = this;
    int sock = fd->release();
    if (int rc = uv_tcp_open(tcp_listener_.get(), sock); rc != 0) {
      close(sock);
      return Status::Error(fmt::format("store: {}", uv_strerror(rc)));
    }
    if (Status s = Listen(reinterpret_cast<uv_stream_t*>(tcp_listener_.get()), true); !s.ok()) return s;
    nlohmann::json name = SocknameJson(sock);
    bound_port_ = name.is_null() ? 0 : name["port"].get<int>();
    store_.config().port = bound_port_;
  }
  if (!options_.unix_path.empty()) {
    ListenSpec spec;
    spec.kind = ListenSpec::Kind::kUnix;
    spec.path = options_.unix_path;
    // A stale socket from a crashed store would block the restart; a live one answers connect().
    unlink(options_.unix_path.c_str());
    auto fd = BindListener(spec);
    if (!fd.ok()) return fd.status();
    chmod(options_.unix_path.c_str(), 0600);  // owner only
    uv_pipe_init(loop_, unix_listener_.get(), 0);
    unix_listener_->data = this;
    int sock = fd->release();
    if (int rc = uv_pipe_open(unix_listener_.get(), sock); rc != 0) {
      close(sock);
      return Status::Error(fmt::format("store: {}", uv_strerror(rc)));
    }
    if (Status s = Listen(reinterpret_cast<uv_stream_t*>(unix_listener_.get()), false); !s.ok()) return s;
  }
  uv_prepare_init(loop_, prepare_.get());
  prepare_->data = this;
  uv_prepare_start(prepare_.get(), [](uv_prepare_t* p) {
    if (auto* self = static_cast<StoreServer*>(p->data)) self->FlushAll();
  });
  uv_timer_init(loop_, cron_.get());
  cron_->data = this;
  uint64_t period = static_cast<uint64_t>(1000 / std::max<int64_t>(1, store_.config().hz));
  uv_timer_start(cron_.get(), [](uv_timer_t* t) {
    auto* self = static_cast<StoreServer*>(t->data);
    if (self == nullptr) return;
    self->store_.Cron();  // reads the wall clock once
    self->wall_offset_ = self->store_.now() - static_cast<int64_t>(uv_now(self->loop_));
    if (self->log_) {
      self->log_->PollRewrite();
      self->log_->MaybeAutoRewrite();
    }
  }, period, period);
  uv_timer_init(loop_, block_timer_.get());
  block_timer_->data = this;
  return Status::Ok();
}

Status StoreServer::Listen(uv_stream_t* s, bool tcp) {
  int rc = uv_listen(s, 511, tcp ? [](uv_stream_t* l, int status) {
    auto* self = static_cast<StoreServer*>(l->data);
    if (self != nullptr && status == 0) self->OnConnection(l, true);
  } : [](uv_stream_t* l, int status) {
    auto* self = static_cast<StoreServer*>(l->data);
    if (self != nullptr && status == 0) self->OnConnection(l, false);
  });
  if (rc != 0) return Status::Error(fmt::format("store: listen: {}", uv_strerror(rc)));
  return Status::Ok();
}

void StoreServer::OnConnection(uv_stream_t* listener, bool tcp) {
  uint64_t id = next_id_++;
  auto conn = std::make_unique<Conn>(id, this);
  Conn& c = *conn;
  c.is_tcp = tcp;
  if (tcp) {
    uv_tcp_init(loop_, c.tcp.get());
  } else {
    uv_pipe_init(loop_, c.pipe.get(), 0);
  }
  uv_stream_t* stream = c.stream();
  if (uv_accept(listener, stream) != 0) return;
  if (tcp) {
    uv_tcp_nodelay(c.tcp.get(), 1);
    c.client.addr = PeerName(c.tcp.get(), false);
    c.client.laddr = PeerName(c.tcp.get(), true);
  } else {
    c.client.addr = options_.unix_path + ":0";
    c.client.laddr = options_.unix_path + ":0";
  }
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream), &fd) == 0) c.client.fd = fd;
  if (static_cast<int64_t>(conns_.size()) >= store_.config().maxclients) {
    ++store_.stats().rejected_connections;
    std::string_view msg = "-ERR max number of clients reached\r\n";
    uv_buf_t b = uv_buf_init(const_cast<char*>(msg.data()), static_cast<unsigned>(msg.size()));
    uv_try_write(stream, &b, 1);
    return;  // conn (and its handle) is closed when it goes out of scope
  }
  stream->data = &c;
  store_.AddClient(c.client);
  c.parser.set_unauthenticated(!c.client.authenticated);
  uv_read_start(
      stream,
      [](uv_handle_t*, size_t, uv_buf_t* buf) { *buf = uv_buf_init(read_buffer_, sizeof read_buffer_); },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* conn = static_cast<Conn*>(s->data);
        if (conn != nullptr) conn->server->OnRead(*conn, nread, buf);
      });
  conns_.emplace(id, std::move(conn));
}

void StoreServer::OnRead(Conn& c, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) return CloseConn(c);
  if (nread == 0 || c.closing) return;
  store_.stats().net_input_bytes += static_cast<uint64_t>(nread);
  // The loop's cached time (read once per iteration) as unix ms: no clock syscall per request.
  store_.SetTime(static_cast<int64_t>(uv_now(loop_)) + wall_offset_);
  std::string_view data(buf->base, static_cast<size_t>(nread));
  if (c.query.empty() && !c.client.blocked) {
    ProcessInput(c, data, false);
  } else {
    if (c.query.size() + data.size() > (1ULL << 30)) {  // client-query-buffer-limit
      return CloseConn(c);
    }
    c.query.append(data);
    if (!c.client.blocked) ProcessInput(c, c.query, true);
  }
  MarkPending(c);
}

void StoreServer::MarkPending(Conn& c) {
  if (c.queued || c.closing) return;
  c.queued = true;
  pending_.push_back(&c);
}

// Runs every complete command in data; keeps what remains in c.query.
void StoreServer::ProcessInput(Conn& c, std::string_view data, bool from_query) {
  size_t pos = 0;
  while (pos < data.size() && !c.client.blocked && !c.client.close_after_reply) {
    size_t before = pos;
    RespParser::Outcome o = c.parser.Next(data, pos);
    if (o == RespParser::Outcome::kNeedMore) {
      pos = before;
      break;
    }
    if (o == RespParser::Outcome::kError) {
      c.client.reply.Error("ERR " + c.parser.error());
      c.client.close_after_reply = true;
      pos = data.size();
      break;
    }
    if (!c.parser.args().empty()) {
      store_.Execute(c.client, c.parser.args());
      c.parser.set_unauthenticated(!c.client.authenticated);
    }
    if (c.client.out.size() > store_.config().client_output_limit) {
      c.client.close_after_reply = true;
    }
  }
  if (from_query) {
    c.query.erase(0, pos);
  } else if (pos < data.size() && !c.client.close_after_reply) {
    c.query.assign(data.substr(pos));
  }
}

void StoreServer::FlushAll() {
  // Unblocked clients may have more commands waiting in their buffers.
  for (size_t i = 0; i < pending_.size(); ++i) {
    Conn& c = *pending_[i];
    if (!c.client.blocked && !c.query.empty() && !c.closing && !c.client.close_after_reply) {
      ProcessInput(c, c.query, true);
    }
  }
  if (log_) {
    if (Status s = log_->Flush(); !s.ok()) {
      // Never acknowledge what could not be written: drop replies of this round.
      if (options_.logger) options_.logger->Event(LogLevel::kError, "store", s.message());
    }
  }
  std::vector<Conn*> pending;
  pending.swap(pending_);
  for (Conn* c : pending) {
    c->queued = false;
    FlushConn(*c);
  }
  // Closed connections may still have been listed above; free them only now.
  graveyard_.clear();
  ScheduleBlockTimer();
}

void StoreServer::FlushConn(Conn& c) {
  if (c.closing) return;
  uv_stream_t* stream = c.stream();
  std::string& out = c.client.out;
  if (!out.empty() && c.in_flight == 0) {
    uv_buf_t b = uv_buf_init(out.data(), static_cast<unsigned>(out.size()));
    int n = uv_try_write(stream, &b, 1);
    if (n > 0) {
      store_.stats().net_output_bytes += static_cast<uint64_t>(n);
      out.erase(0, static_cast<size_t>(n));
    } else if (n < 0 && n != UV_EAGAIN) {
      return CloseConn(c);
    }
  }
  if (!out.empty()) {
    if (out.size() + c.in_flight > (c.client.subscriptions() > 0 ? store_.config().pubsub_output_limit
                                                                  : store_.config().client_output_limit)) {
      return CloseConn(c);  // client-output-buffer-limit
    }
    auto* req = new WriteReq{{}, std::move(out), this, c.client.id};
    out.clear();
    c.in_flight += req->data.size();
    uv_buf_t b = uv_buf_init(req->data.data(), static_cast<unsigned>(req->data.size()));
    req->req.data = req;
    int rc = uv_write(&req->req, stream, &b, 1, [](uv_write_t* w, int status) {
      auto* r = static_cast<WriteReq*>(w->data);
      StoreServer* self = r->server;
      auto it = self->conns_.find(r->id);
      if (it != self->conns_.end()) {
        Conn& conn = *it->second;
        conn.in_flight -= r->data.size();
        self->store_.stats().net_output_bytes += r->data.size();
        if (status < 0) {
          self->CloseConn(conn);
        } else if (conn.in_flight == 0 && (conn.client.close_after_reply || !conn.client.out.empty())) {
          self->FlushConn(conn);
        }
      }
      delete r;
    });
    if (rc != 0) {
      c.in_flight -= req->data.size();
      delete req;
      return CloseConn(c);
    }
    return;
  }
  if (c.client.close_after_reply && c.in_flight == 0) CloseConn(c);
}

void StoreServer::CloseConn(Conn& c) {
  if (c.closing) return;
  c.closing = true;
  store_.RemoveClient(c.client);
  uint64_t id = c.client.id;
  c.tcp.Close();
  c.pipe.Close();
  // In-flight writes complete (with an error) after the handle closes; they
  // look the connection up by id, so removing it from conns_ here is safe.
  auto it = conns_.find(id);
  if (it != conns_.end()) {
    graveyard_.push_back(std::move(it->second));
    conns_.erase(it);
  }
}

void StoreServer::ScheduleBlockTimer() {
  int64_t deadline = store_.NextBlockDeadline();
  if (deadline == 0) {
    uv_timer_stop(block_timer_.get());
    return;
  }
  int64_t delay = std::max<int64_t>(0, deadline - store_.now());
  uv_timer_start(block_timer_.get(), [](uv_timer_t* t) {
    auto* self = static_cast<StoreServer*>(t->data);
    if (self != nullptr) self->store_.Cron();
  }, static_cast<uint64_t>(delay), 0);
}

std::string StoreServer::PersistenceCommand(std::string_view what) {
  if (what == "lastsave") return ":" + std::to_string(last_save_unix_ != 0 ? last_save_unix_ : store_.start_ms() / 1000);
  if (!log_) return "-ERR persistence is off (the store runs without --dir)";
  if (what == "save") {
    // A synchronous rewrite: start one and wait for it.
    if (!log_->rewriting()) {
      if (Status s = log_->StartRewrite(); !s.ok()) return "-ERR " + s.message();
    }
    while (log_->rewriting()) {
      usleep(1000);
      log_->PollRewrite();
    }
    last_save_unix_ = store_.now() / 1000;
    return "OK";
  }
  if (Status s = log_->StartRewrite(); !s.ok()) return "-ERR " + s.message();
  last_save_unix_ = store_.now() / 1000;
  return what == "bgsave" ? "Background saving started" : "Background append only file rewriting started";
}

void StoreServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (log_) {
    (void)log_->Flush();
  }
  // Send what is queued (best effort), then close; CloseConn moves each
  // connection out of conns_, so walk a snapshot.
  std::vector<Conn*> all;
  for (auto& [id, c] : conns_) all.push_back(c.get());
  for (Conn* c : all) {
    FlushConn(*c);
    CloseConn(*c);
  }
  pending_.clear();
  graveyard_.clear();
  tcp_listener_.Close();
  unix_listener_.Close();
  prepare_.Close();
  cron_.Close();
  block_timer_.Close();
  if (!options_.unix_path.empty()) unlink(options_.unix_path.c_str());
  log_.reset();
  if (on_shutdown) on_shutdown();
}

}  // namespace cohort::store
