// ClusterPrimary's way out of rotation: the --health endpoint, `cohort
// drain`, and the graceful stop that answers 503 and serves on for
// --drain-delay before the listeners close (health.h has the decision).
#include <fmt/format.h>

#include "cluster_primary.h"

namespace cohort {

void ClusterPrimary::Reload(Done done) {
  if (stop_requested_) return done(Status::Error("the app is stopping"));
  supervisor_.Reload(std::move(done));
}

Status ClusterPrimary::OpenHealthEndpoint() {
  if (config_.health.empty()) return Status::Ok();
  Result<ListenSpec> spec = ParseTcpListenAddress(config_.health, "--health");
  if (!spec.ok()) return spec.status();
  auto server = HttpServer::Listen(loop_, *spec, "--health " + config_.health, [this](const HttpRequest& request) {
    return HealthResponse(request, Health());
  });
  if (!server.ok()) return server.status();
  health_ = std::move(*server);
  Log(LogLevel::kInfo, fmt::format("health endpoint on http://{}/health", health_->address()));
  return Status::Ok();
}

HealthSnapshot ClusterPrimary::Health() const {
  HealthSnapshot h{.app = config_.name, .ready_workers = 0, .workers = supervisor_.instances(),
                   .drained = drained_, .stopping = stop_requested_};
  for (const WorkerView& w : supervisor_.Workers()) h.ready_workers += w.state == WorkerState::kReady;
  return h;
}

Status ClusterPrimary::SetDrained(bool drained) {
  if (!health_) {
    return Status::Error(fmt::format("{} has no health endpoint for a proxy to check (start it with --health "
                                     "HOST:PORT)", config_.name));
  }
  if (drained && !drained_) drained_since_ = Now();
  if (drained != drained_) {
    Log(LogLevel::kInfo, drained ? "drained: health answers 503, the workers serve on"
                                 : "undrained: health answers 200 again while a worker is ready");
  }
  drained_ = drained;
  return Status::Ok();
}

Millis ClusterPrimary::DrainDelayLeft() const {
  if (!health_) return Millis(0);  // nobody checks: nothing to wait for
  Millis left = config_.drain_delay.value_or(Millis(0));
  if (drained_) left -= std::chrono::duration_cast<Millis>(Now() - drained_since_);
  return std::max(left, Millis(0));
}

void ClusterPrimary::Stop(Done done) {
  if (drain_delay_timer_) return delayed_stop_.push_back(std::move(done));
  if (!stop_requested_) {
    stop_requested_ = true;
    if (Millis delay = DrainDelayLeft(); delay.count() > 0) {
      Log(LogLevel::kInfo, fmt::format("stopping: health answers 503; serving on for {}ms so the proxies notice "
                                       "(--drain-delay)", delay.count()));
      delayed_stop_.push_back(std::move(done));
      drain_delay_timer_ = timers_.Start(delay, [this] {
        drain_delay_timer_ = 0;
        StopNow(std::exchange(delayed_stop_, {}));
      });
      return;
    }
  }
  StopNow({std::move(done)});
}

void ClusterPrimary::StopNow(std::vector<Done> waiters) {
  for (auto& [key, l] : listeners_) l->Pause();
  supervisor_.Stop([this, waiters = std::move(waiters)](Status s) {
    listeners_.clear();
    peekers_.clear();
    if (program_) program_->Close();
    health_.reset();
    auto done = [waiters, s] {
      for (const Done& d : waiters) d(s);
    };
    // The store goes last: workers may write to it until they exit.
    if (store_) return store_->Stop(done);
    done();
  });
}

}  // namespace cohort
