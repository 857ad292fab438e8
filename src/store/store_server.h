// StoreServer: the store's network side on one libuv loop.
//
// Accepts clients on TCP and/or a unix socket, parses their requests
// (pipelined: every complete command in a read is run), runs them on the
// Store and sends replies. Replies are written once per loop iteration, in
// the prepare phase, right after the append log is flushed, so a client never
// sees an acknowledgement for a write that is not yet on disk (appendfsync
// always) and many pipelined replies leave in one write. Clients that send
// garbage get Redis's protocol error and are closed; others are unaffected.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <unordered_map>
#include <string>
#include <vector>

#include "logger.h"
#include "status.h"
#include "store/append_log.h"
#include "store/resp_parser.h"
#include "store/store.h"
#include "uv_handle.h"

namespace cohort::store {

struct StoreServerOptions {
  std::string bind = "127.0.0.1";  // "" = no TCP listener
  int port = 6380;                 // 0 = any free port
  std::string unix_path;           // "" = no unix socket
  std::string aof_path;            // "" = no persistence
  Logger* logger = nullptr;        // warnings (torn log, write errors); not owned
};

class StoreServer {
 public:
  StoreServer(uv_loop_t* loop, Store& store, StoreServerOptions options);
  ~StoreServer();
  StoreServer(const StoreServer&) = delete;
  StoreServer& operator=(const StoreServer&) = delete;

  // Loads the log, binds, and starts serving.
  Status Start();
  // Flushes and fsyncs the log, closes every client and listener.
  void Stop();
  int port() const { return bound_port_; }
  bool stopped() const { return stopped_; }
  std::function<void()> on_shutdown;  // SHUTDOWN command or Stop()

 private:
  struct Conn {
    Conn(uint64_t id, StoreServer* s) : client(id), server(s) {}
    UvHandle<uv_tcp_t> tcp;    // one of tcp and pipe is used
    UvHandle<uv_pipe_t> pipe;
    bool is_tcp = true;
    uv_stream_t* stream() const {
      return is_tcp ? reinterpret_cast<uv_stream_t*>(tcp.get()) : reinterpret_cast<uv_stream_t*>(pipe.get());
    }
    Client client;
    StoreServer* server;
    RespParser parser;
    std::string query;       // bytes received but not yet parsed into a full command
    size_t in_flight = 0;    // bytes handed to uv_write, not yet completed
    bool closing = false;
    bool queued = false;     // in pending_
  };
  struct WriteReq {
    uv_write_t req;
    std::string data;
    StoreServer* server;
    uint64_t id;
  };

  Status Listen(uv_stream_t* s, bool tcp);
  void OnConnection(uv_stream_t* listener, bool tcp);
  void OnRead(Conn& c, ssize_t nread, const uv_buf_t* buf);
  void ProcessInput(Conn& c, std::string_view data, bool from_query);
  void FlushAll();
  void FlushConn(Conn& c);
  void CloseConn(Conn& c);
  void ScheduleBlockTimer();
  std::string PersistenceCommand(std::string_view what);

  uv_loop_t* loop_;
  Store& store_;
  StoreServerOptions options_;
  std::unique_ptr<AppendLog> log_;
  UvHandle<uv_tcp_t> tcp_listener_;
  UvHandle<uv_pipe_t> unix_listener_;
  UvHandle<uv_prepare_t> prepare_;
  UvHandle<uv_timer_t> cron_;
  UvHandle<uv_timer_t> block_timer_;
  void MarkPending(Conn& c);

  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> pending_;  // clients with output or resumable input (Conn::queued)
  int64_t wall_offset_ = 0;     // unix ms minus uv_now(): the store's clock without a syscall
  // Closed connections, destroyed at the next flush (a callback may still be
  // running on one when it is closed).
  std::vector<std::unique_ptr<Conn>> graveyard_;
  uint64_t next_id_ = 1;
  int bound_port_ = 0;
  bool stopped_ = false;
  int64_t last_save_unix_ = 0;
  static char read_buffer_[1 << 16];
};

}  // namespace cohort::store
