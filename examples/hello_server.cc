// A hello-world HTTP server on libcohort_worker (include/cohort/worker.h).
// The same binary runs in both of cohort's modes for --listen programs:
//
//   cohort run -i 2 --listen 8080 -- build/hello_server                 # shared: it accepts (LISTEN_FDS)
//   cohort run -i 2 --listen 8080 -s rr -- build/hello_server           # balanced: cohort passes connections
//   cohort run -i 2 --listen 8080 --sticky header:X-User -- build/hello_server
//   cohort send hello_server '{"hi":1}'                                 # balanced: it logs the message
//
// It answers every request with its pid, one request per connection, in
// turn (a small example, not a model for slow clients). GET /hang makes it
// stop answering, to see --watchdog replace it.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <cohort/worker.h>

namespace {

void Serve(int fd) {
  timeval patience{5, 0};  // a client that sends nothing does not hold the worker for long
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;  // the stop signal: finish this request first
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  if (request.rfind("GET /hang ", 0) == 0) {
    for (;;) pause();  // hung: no more Next(), so no more watchdog pings
  }
  std::string body = std::to_string(getpid()) + "\n";
  std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  for (size_t off = 0; off < response.size();) {
    ssize_t n = send(fd, response.data() + off, response.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(fd);
}

}  // namespace

int main() {
  std::string error;
  std::unique_ptr<cohort::Worker> worker = cohort::Worker::Open(&error);
  if (!worker) {
    std::fprintf(stderr, "hello_server: %s\n", error.c_str());
    return 1;
  }
  for (int sig : {SIGTERM, SIGINT, SIGQUIT}) worker->LeaveOnSignal(sig);  // whichever --stop-signal is
  worker->SetStatus(worker->balanced() ? "serving (balanced)" : "serving (shared)");
  worker->Ready();
  while (std::optional<cohort::Event> ev = worker->Next()) {
    switch (ev->kind) {
      case cohort::Event::Kind::kConnection:
        Serve(ev->connection.fd);
        break;
      case cohort::Event::Kind::kMessage:
        std::printf("message: %s\n", ev->message.c_str());
        std::fflush(stdout);
        break;
      case cohort::Event::Kind::kLeave:
        if (ev->signal) {
          std::printf("leaving (SIG%s)\n", sigabbrev_np(ev->signal));
        } else {
          std::printf("leaving (asked by cohort)\n");
        }
        std::fflush(stdout);
        break;
    }
  }
  worker->Stopping();
  return 0;
}
