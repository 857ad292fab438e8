#include "store_supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "exit_status.h"
#include "process_spawner.h"

extern char** environ;

namespace cohort {

StoreSupervisor::StoreSupervisor(uv_loop_t* loop, Logger* logger, StoreSupervisorOptions options)
    : loop_(loop), logger_(logger), options_(std::move(options)) {
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
}

StoreSupervisor::~StoreSupervisor() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

void StoreSupervisor::Start(std::function<void(std::vector<std::pair<std::string, std::string>>)> on_ready,
                            std::function<void(std::string)> on_fail) {
  on_ready_ = std::move(on_ready);
  on_fail_ = std::move(on_fail);
  // mkdir -p with 0700 for the parts we create.
  std::string path;
  for (size_t i = 0; i <= options_.data_dir.size(); ++i) {
    if (i == options_.data_dir.size() || options_.data_dir[i] == '/') {
      path = options_.data_dir.substr(0, i);
      if (!path.empty() && ::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
        return on_fail_(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
      }
    }
  }
  Spawn();
}

void StoreSupervisor::Spawn() {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    return on_fail_ ? on_fail_("pipe2: " + std::string(std::strerror(errno))) : void();
  }
  UniqueFd out_r(out[0]), out_w(out[1]), err_r(err[0]), err_w(err[1]);
  SpawnSpec spec;
  spec.file = options_.exe;
  spec.argv = {"cohort",        "store",
               "--bind",        "127.0.0.1",
               "--port",        std::to_string(port_),
               "--unix",        socket_path(),
               "--dir",         options_.data_dir,
               "--appendfsync", options_.appendfsync};
  for (char** e = environ; *e != nullptr; ++e) spec.env.emplace_back(*e);
  spec.stdout_fd = out_w.get();
  spec.stderr_fd = err_w.get();
  spec.parent_death_signal = SIGTERM;  // never outlive the primary
  Result<pid_t> pid = cohort::Spawn(spec);
  if (!pid.ok()) {
    if (!ready_ && on_fail_) return on_fail_("cannot start the store: " + pid.status().message());
    logger_->Event(LogLevel::kError, options_.app, "cannot restart the store: " + pid.status().message());
    return;
  }
  pid_ = *pid;
  started_ = std::chrono::steady_clock::now();
  out_ = std::make_unique<OutputPipe>(loop_, std::move(out_r), [this](std::string_view l) { OnLine(l, false); });
  err_ = std::make_unique<OutputPipe>(loop_, std::move(err_r), [this](std::string_view l) { OnLine(l, true); });
}

void StoreSupervisor::OnLine(std::string_view line, bool is_err) {
  constexpr std::string_view kReady = "cohort store: ready on 127.0.0.1:";
  if (!is_err && line.starts_with(kReady)) {
    int port = std::atoi(std::string(line.substr(kReady.size())).c_str());
    logger_->Event(LogLevel::kInfo, options_.app,
                   fmt::format("store (pid {}) ready on 127.0.0.1:{}, data in {}", pid_, port, options_.data_dir));
    if (!ready_) {
      ready_ = true;
      port_ = port;
      std::string url = fmt::format("redis://127.0.0.1:{}", port);
      if (on_ready_) {
        on_ready_({{"COHORT_STORE_URL", url}, {"REDIS_URL", url}, {"COHORT_STORE_SOCKET", socket_path()}});
      }
    }
    return;
  }
  if (is_err) last_error_ = std::string(line);
  logger_->Event(is_err ? LogLevel::kWarn : LogLevel::kInfo, options_.app, fmt::format("store: {}", line));
}

bool StoreSupervisor::OnChildExit(pid_t pid, ExitStatus status) {
  if (pid != pid_ || pid_ <= 0) return false;
  pid_ = -1;
  if (out_) out_->Finish();
  if (err_) err_->Finish();
  if (stopping_) {
    if (on_stopped_) on_stopped_();
    return true;
  }
  std::string how = DescribeExit(status);
  if (!ready_) {
    if (on_fail_) {
      on_fail_(fmt::format("the store {} before it was ready{}", how,
                           last_error_.empty() ? "" : ": " + last_error_));
    }
    return true;
  }
  auto uptime = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started_);
  Millis delay = backoff_.OnCrash(uptime);
  ++restarts_;
  logger_->Event(LogLevel::kWarn, options_.app,
                 fmt::format("store {}; restarting it in {} ms on the same port", how, delay.count()));
  uv_timer_start(timer_.get(), [](uv_timer_t* t) {
    if (auto* self = static_cast<StoreSupervisor*>(t->data)) self->Spawn();
  }, static_cast<uint64_t>(delay.count()), 0);
  return true;
}

void StoreSupervisor::Stop(std::function<void()> done) {
  stopping_ = true;
  uv_timer_stop(timer_.get());
  if (pid_ <= 0) return done();
  on_stopped_ = std::move(done);
  ::kill(pid_, SIGTERM);
}

}  // namespace cohort
