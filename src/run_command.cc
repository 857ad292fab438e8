#include "run_command.h"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include "child_reaper.h"
#include "cluster_primary.h"
#include "code_pages.h"
#include "exit_status.h"
#include "metrics_server.h"
#include "metrics_text.h"
#include "cohort_home.h"
#include "control_server.h"
#include "primary_control.h"
#include "terminal_sink.h"
#include "uv_handle.h"

namespace cohort {
namespace {

class ForegroundRun {
 public:
  ForegroundRun(uv_loop_t* loop, AppConfig config, LogOptions log, const MetricsAddress* metrics)
      : loop_(loop), logger_(log, &terminal_), primary_(loop, std::move(config), &logger_), metrics_address_(metrics) {}

  int Run() {
    const std::string& name = primary_.config().name;
    if (Status s = OpenControlSocket(); !s.ok()) {
      logger_.Event(LogLevel::kError, name, s.message());
      return 1;
    }
    if (metrics_address_) {
      auto server = MetricsServer::Open(loop_, *metrics_address_, [this] {
        return RenderMetricsWithSelf(nlohmann::json::array({primary_.Describe()}));
      });
      if (!server.ok()) {
        logger_.Event(LogLevel::kError, name, server.status().message());
        return 1;
      }
      metrics_ = std::move(*server);
      logger_.Event(LogLevel::kInfo, name, fmt::format("metrics on http://{}/metrics", metrics_->where()));
    }
    reaper_ = std::make_unique<ChildReaper>(loop_, [this](pid_t pid, ExitStatus st) {
      primary_.OnChildExit(pid, st);
    });
    WatchSignal(SIGINT);
    WatchSignal(SIGTERM);
    WatchSignal(SIGHUP);
    WatchSignal(SIGUSR2);
    Status started = primary_.Start(
        [this](const std::string& why) {
          logger_.Event(LogLevel::kError, primary_.config().name, fmt::format("could not start: {}", why));
          Shutdown(1);
        },
        [this] { ReleaseSetupCode(); });
    if (!started.ok()) {
      logger_.Event(LogLevel::kError, name, fmt::format("could not start: {}", started.message()));
      Shutdown(1);
    }
    ReleaseSetupCode();
    uv_run(loop_, UV_RUN_DEFAULT);
    return exit_code_;
  }

  void Shutdown(int code) {
    if (stopping_) return;
    stopping_ = true;
    exit_code_ = code;
    primary_.Stop([this](Status) { Finish(); });
  }

 private:
  // Setup is done (the command line, config), then the workers' start (their
  // spawn and first messages): that code need not stay resident.
  void ReleaseSetupCode() {
    Result<size_t> r = ReleaseCodePages();
    if (!r.ok()) logger_.Event(LogLevel::kDebug, primary_.config().name, r.status().message());
  }

  Status OpenControlSocket() {
    Result<std::string> home = CohortHome();
    if (!home.ok()) return home.status();
    Result<std::string> path = AppSocketPath(*home, primary_.config().name);
    if (!path.ok()) return path.status();
    Result<std::string> dir = EnsureRunDir(*home);
    if (!dir.ok()) return dir.status();
    auto server = ControlServer::Listen(loop_, *path, [this](const nlohmann::json& req, ControlServer::Reply reply) {
      HandleControlRequest(req, std::move(reply));
    });
    if (!server.ok()) {
      return Status::Error(fmt::format("{} (use --name to run another copy)", server.status().message()));
    }
    control_ = std::move(*server);
    return Status::Ok();
  }

  void HandleControlRequest(const nlohmann::json& req, ControlServer::Reply reply) {
    if (req.value("cmd", "") == "stop") {
      reply({{"ok", true}});
      Shutdown(0);
      return;
    }
    HandlePrimaryRequest(primary_, req, std::move(reply));
  }

  void WatchSignal(int signum) {
    auto& h = signals_.emplace_back();
    uv_signal_init(loop_, h.get());
    h->data = this;
    uv_signal_start(
        h.get(),
        [](uv_signal_t* s, int sig) {
          if (s->data) static_cast<ForegroundRun*>(s->data)->OnSignal(sig);
        },
        signum);
  }

  void OnSignal(int sig) {
    const std::string& name = primary_.config().name;
    if (sig == SIGUSR2) {
      logger_.Event(LogLevel::kInfo, name, "SIGUSR2: rolling reload");
      primary_.Reload([](Status) {});  // the outcome is logged by the supervisor
      return;
    }
    if (stopping_) {
      // `timeout`, systemd and `kill -- -PGID` deliver one stop as two
      // signals in quick succession; only a later one means "kill now".
      if (std::chrono::steady_clock::now() - stop_requested_ < std::chrono::milliseconds(500)) return;
      logger_.Event(LogLevel::kWarn, name, fmt::format("{} again: killing every worker now", SignalName(sig)));
      exit_code_ = 128 + sig;
      primary_.KillAll();
      return;
    }
    stop_requested_ = std::chrono::steady_clock::now();
    logger_.Event(LogLevel::kInfo, name,
                  fmt::format("{}: stopping gracefully (send it again to kill at once)", SignalName(sig)));
    Shutdown(0);
  }

  void Finish() {
    control_.reset();
    metrics_.reset();
    signals_.clear();
    reaper_.reset();
    uv_stop(loop_);
  }

  uv_loop_t* loop_;
  TerminalSink terminal_;  // never blocks the loop, whatever the terminal does
  Logger logger_;
  ClusterPrimary primary_;
  const MetricsAddress* metrics_address_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<MetricsServer> metrics_;
  std::unique_ptr<ChildReaper> reaper_;
  std::vector<UvHandle<uv_signal_t>> signals_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_requested_;
  int exit_code_ = 0;
};

}  // namespace

int RunForeground(AppConfig config, LogOptions log, const MetricsAddress* metrics) {
  ::signal(SIGPIPE, SIG_IGN);
  uv_loop_t loop;
  uv_loop_init(&loop);
  int code;
  {
    ForegroundRun run(&loop, std::move(config), log, metrics);
    code = run.Run();
  }
  uv_run(&loop, UV_RUN_NOWAIT);  // let closed handles finish closing
  uv_loop_close(&loop);
  return code;
}

}  // namespace cohort
