#include "daemon.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "code_pages.h"
#include "cohort_home.h"
#include "metrics_text.h"
#include "node_protocol.h"
#include "notify_socket.h"
#include "primary_control.h"

namespace cohort {
namespace {

using nlohmann::json;

json Error(const std::string& message) { return {{"ok", false}, {"error", message}}; }

const char* StatusName(int s) {
  static const char* names[] = {"running", "stopped", "errored"};
  return names[s];
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << text;
    f.flush();
    if (!f) return Status::Error("cannot write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno("rename " + tmp);
  return Status::Ok();
}

}  // namespace

Daemon::Daemon(uv_loop_t* loop, std::string home) : loop_(loop), home_(std::move(home)), later_(loop) {}

Daemon::~Daemon() = default;

void Daemon::ReleaseSetupCode() {
  if (Result<size_t> r = ReleaseCodePages(); !r.ok()) logger_.Event(LogLevel::kDebug, "daemon", r.status().message());
}

void Daemon::Later(std::function<void()> fn) { later_.Start(Millis(0), std::move(fn)); }

cohort::Status Daemon::OpenMetrics(const std::string& text) {
  Result<MetricsAddress> address = ParseMetricsAddress(text);
  if (!address.ok()) return address.status();
  if (metrics_ && (metrics_->text() == text || metrics_->where() == address->spec.Describe())) return Status::Ok();
  auto server = MetricsServer::Open(loop_, *address, [this] {
    json apps = json::array();
    for (const auto& [n, app] : apps_) apps.push_back(Describe(app));
    return RenderMetricsWithSelf(apps);
  });
  if (!server.ok()) return server.status();
  metrics_ = std::move(*server);
  logger_.Event(LogLevel::kInfo, "daemon", fmt::format("metrics on http://{}/metrics", metrics_->where()));
  return Status::Ok();
}

cohort::Status Daemon::OpenLogs(App& app) {
  std::string name = app.config.name;
  auto log = AppLog::Open(loop_, app.config, home_, [this, name](const std::string& error) {
    logger_.Event(LogLevel::kError, name, error);
  });
  if (!log.ok()) return log.status();
  LogOptions options = logger_.options();
  options.date_format = app.config.log_date_format;
  app.logger = std::make_unique<Logger>(options, log->get());
  app.log = std::move(*log);
  return Status::Ok();
}

std::string Daemon::LogFileConflict(const AppConfig& config) const {
  std::vector<std::string> mine = DistinctPaths(LogPathsFor(config, home_));
  for (const auto& [name, other] : apps_) {
    if (name == config.name) continue;
    for (const std::string& path : DistinctPaths(LogPathsFor(other.config, home_))) {
      if (std::find(mine.begin(), mine.end(), path) != mine.end()) {
        return fmt::format("{} already writes its log to {}; give {} another out_file/error_file/log_file", name,
                           path, config.name);
      }
    }
  }
  return "";
}

void Daemon::StartApp(App& app, std::function<void(const std::string& error)> started) {
  app.primary.reset();  // (one still stopping) it logs through the logger OpenLogs replaces
  Status logs = OpenLogs(app);
  if (!logs.ok()) {
    app.status = AppStatus::kErrored;
    app.error = logs.message();
    started(app.error);
    return;
  }
  uint64_t gen = ++app.generation;
  std::string name = app.config.name;
  app.status = AppStatus::kRunning;
  app.error.clear();
  app.primary = std::make_unique<ClusterPrimary>(loop_, app.config, app.logger.get());
  auto once = std::make_shared<std::function<void(const std::string&)>>(std::move(started));
  auto report = [once](const std::string& error) {
    if (*once) std::exchange(*once, nullptr)(error);
  };
  // Answer once every slot is ready, or at the latest after the ready timeout
  // (a slot that keeps crashing must not hang `cohort start`).
  later_.Start(app.config.ready_timeout + Millis(1000), [report] { report(""); });
  auto failed = [this, name, gen, report](const std::string& why) {
    auto it = apps_.find(name);
    if (it == apps_.end() || it->second.generation != gen) return;
    App& a = it->second;
    a.status = AppStatus::kErrored;
    a.error = why;
    logger_.Event(LogLevel::kError, name, "could not start: " + why);
    report("could not start: " + why);
    StopApp(a, [] {});
    a.status = AppStatus::kErrored;  // StopApp marks it stopped
    Persist();
  };
  // A crash loop: the app gives up as a failed start does (its ports close);
  // `cohort restart` or `reload` starts it again. Not from inside the
  // Supervisor's own call: on a later turn.
  app.primary->OnErrored([this, name, gen](const std::string& why) {
    Later([this, name, gen, why] {
      auto it = apps_.find(name);
      if (it == apps_.end() || it->second.generation != gen || it->second.status != AppStatus::kRunning) return;
      logger_.Event(LogLevel::kError, name, "errored: " + why);
      StopApp(it->second, [] {});
      it->second.status = AppStatus::kErrored;  // StopApp marks it stopped
      it->second.error = why;
      Persist();
    });
  });
  Status s = app.primary->Start(failed, [this, report] {
    report("");
    ReleaseSetupCode();  // starting an app is rare: its code need not stay resident
  });
  if (!s.ok()) failed(s.message());
}

void Daemon::RestartApp(App& app, std::function<void(std::string)> done) {
  std::string n = app.config.name;
  StopApp(app, [this, n, done] {
    auto it = apps_.find(n);
    if (it == apps_.end()) return done(n + " was deleted");
    StartApp(it->second, [n, done](const std::string& e) { done(e.empty() ? "" : n + ": " + e); });
    Persist();
  });
}

void Daemon::StopApp(App& app, std::function<void()> stopped) {
  app.status = AppStatus::kStopped;
  if (!app.primary) {
    stopped();
    return;
  }
  std::string name = app.config.name;
  uint64_t gen = app.generation;
  app.primary->Stop([this, name, gen, stopped](cohort::Status) {
    // Destroy the primary on a later turn: we are inside its own callback.
    Later([this, name, gen, stopped] {
      auto it = apps_.find(name);
      if (it != apps_.end() && it->second.generation == gen) it->second.primary.reset();
      stopped();
    });
  });
}

json Daemon::Describe(const App& app) const {
  json j;
  if (app.primary) {
    j = app.primary->Describe();
  } else {
    j = {{"name", app.config.name}, {"script", app.config.script}, {"instances", app.config.instances},
         {"scheduler", app.config.scheduler}, {"workers", json::array()}, {"listeners", json::array()},
         {"waiting_slots", json::array()}, {"primary_pid", ::getpid()}};
  }
  j["status"] = StatusName(static_cast<int>(app.status));
  j["daemon"] = true;
  j["logs"] = AppLog::Describe(app.config, LogPathsFor(app.config, home_));
  if (!app.error.empty()) j["error"] = app.error;
  return j;
}

void Daemon::Persist() {
  json apps = json::array();
  for (const auto& [name, app] : apps_) {
    apps.push_back({{"config", AppConfigToJson(app.config)}, {"status", StatusName(static_cast<int>(app.status))}});
  }
  Status s = WriteFileAtomically(home_ + "/state.json", WithMetrics(json{{"apps", apps}}).dump(2));
  if (!s.ok()) logger_.Event(LogLevel::kError, "daemon", s.message());
}

json Daemon::WithMetrics(json state) const {
  if (metrics_) state["metrics"] = metrics_->text();
  return state;
}

void Daemon::Start(const json& req, ControlServer::Reply reply) {
  Result<AppConfig> config = AppConfigFromJson(req.value("config", json::object()));
  if (!config.ok()) return reply(Error(config.status().message()));
  Status valid = ValidateAppConfig(*config);
  if (!valid.ok()) return reply(Error(valid.message()));
  if (Status n = ValidateAppName(config->name); !n.ok()) return reply(Error(n.message()));
  auto it = apps_.find(config->name);
  if (it != apps_.end() && it->second.status == AppStatus::kRunning) {
    return reply(Error(fmt::format("{} is already running (use `cohort reload {}` or `cohort restart {}`)",
                                   config->name, config->name, config->name)));
  }
  if (std::string conflict = LogFileConflict(*config); !conflict.empty()) return reply(Error(conflict));
  if (req.contains("metrics")) {
    if (!req["metrics"].is_string()) return reply(Error("metrics must be an address"));
    if (Status m = OpenMetrics(req["metrics"].get<std::string>()); !m.ok()) return reply(Error(m.message()));
  }
  App& app = apps_[config->name];
  app.config = std::move(*config);
  std::string name = app.config.name;
  std::string metrics = metrics_ ? metrics_->where() : "";
  StartApp(app, [name, reply, metrics](const std::string& error) {
    if (error.empty()) {
      json ok = {{"ok", true}, {"app", name}};
      if (!metrics.empty()) ok["metrics"] = metrics;
      reply(ok);
    } else {
      reply(Error(fmt::format("{}: {}", name, error)));
    }
  });
  Persist();
}

void Daemon::ForEachApp(const std::string& name, const ControlServer::Reply& reply,
                        const std::function<void(App&, std::function<void(std::string)>)>& op) {
  std::vector<App*> targets;
  if (name == "all") {
    for (auto& [n, app] : apps_) targets.push_back(&app);
  } else if (auto it = apps_.find(name); it != apps_.end()) {
    targets.push_back(&it->second);
  } else {
    return reply(Error(fmt::format("no app named {}", name)));
  }
  if (targets.empty()) return reply({{"ok", true}, {"apps", json::array()}});
  auto pending = std::make_shared<size_t>(targets.size());
  auto errors = std::make_shared<std::vector<std::string>>();
  auto names = std::make_shared<json>(json::array());
  for (App* app : targets) {
    names->push_back(app->config.name);
    op(*app, [reply, pending, errors, names](std::string error) {
      if (!error.empty()) errors->push_back(std::move(error));
      if (--*pending > 0) return;
      if (errors->empty()) {
        reply({{"ok", true}, {"apps", *names}});
      } else {
        reply(Error(fmt::format("{}", fmt::join(*errors, "; "))));
      }
    });
  }
}

void Daemon::Handle(const json& req, ControlServer::Reply reply) {
  std::string cmd = req.value("cmd", "");
  std::string name = req.value("app", "");
  if (cmd == "ping") {
    json pong = {{"ok", true}, {"pid", ::getpid()}, {"version", COHORT_VERSION}, {"daemon", true}};
    if (metrics_) pong["metrics"] = metrics_->where();
    return reply(pong);
  }
  if (cmd == "ls") {
    json apps = json::array();
    for (const auto& [n, app] : apps_) apps.push_back(Describe(app));
    return reply({{"ok", true}, {"apps", apps}});
  }
  if (cmd == "start") return Start(req, std::move(reply));
  if (cmd == "save") {
    json apps = json::array();
    for (const auto& [n, app] : apps_) {
      if (app.status == AppStatus::kRunning) apps.push_back({{"config", AppConfigToJson(app.config)}, {"status", "running"}});
    }
    Status s = WriteFileAtomically(home_ + "/dump.json", WithMetrics(json{{"apps", apps}}).dump(2));
    if (!s.ok()) return reply(Error(s.message()));
    return reply({{"ok", true}, {"saved", apps.size()}, {"file", home_ + "/dump.json"}});
  }
  if (cmd == "resurrect") {
    std::string file = home_ + "/dump.json";
    if (::access(file.c_str(), R_OK) != 0) file = home_ + "/state.json";
    Resurrect(file, [reply, file](const std::vector<std::string>& errors) {
      if (errors.empty()) return reply({{"ok", true}, {"file", file}});
      reply(Error(fmt::format("{}", fmt::join(errors, "; "))));
    });
    return;
  }
  if (cmd == "kill") {
    reply({{"ok", true}});
    Shutdown([this] { uv_stop(loop_); });
    return;
  }
  if (cmd == "flush") return Flush(name, reply);
  if (name.empty()) return reply(Error(fmt::format("'{}' needs an app name", cmd)));
  if (req.contains("environment") && (cmd == "reload" || cmd == "restart")) {
    // --update-env: the caller's environment from now on (kept in state.json).
    if (!req["environment"].is_array()) return reply(Error("environment must be a list of KEY=VALUE strings"));
    std::vector<std::string> environment;
    for (const json& e : req["environment"]) {
      if (e.is_string()) environment.push_back(e.get<std::string>());
    }
    bool found = false;
    for (auto& [n, app] : apps_) {
      if (name != "all" && n != name) continue;
      found = true;
      app.config.environment = environment;
      if (app.primary) app.primary->SetEnvironment(environment);
    }
    if (found) Persist();
  }
  if (cmd == "stop") {
    ForEachApp(name, reply, [this](App& app, auto done) { StopApp(app, [done] { done(""); }); });
    Persist();
    return;
  }
  if (cmd == "restart") {
    ForEachApp(name, reply, [this](App& app, auto done) { RestartApp(app, done); });
    return;
  }
  if (cmd == "delete") {
    ForEachApp(name, reply, [this](App& app, auto done) {
      std::string n = app.config.name;
      StopApp(app, [this, n, done] {
        auto it = apps_.find(n);
        if (it != apps_.end()) apps_.erase(it);
        Persist();
        done("");
      });
    });
    return;
  }
  if (cmd == "reload" && name == "all") {
    ForEachApp(name, reply, [this](App& app, auto done) {
      if (app.status == AppStatus::kErrored) return RestartApp(app, done);  // nothing runs to reload
      if (!app.primary) return done("");
      std::string n = app.config.name;
      app.primary->Reload([n, done](cohort::Status s) { done(s.ok() ? "" : n + ": " + s.message()); });
    });
    return;
  }
  if ((cmd == "drain" || cmd == "undrain") && name == "all") {
    json drained = json::array();  // apps without --health have nothing to drain
    for (auto& [n, app] : apps_) {
      if (app.primary && !app.config.health.empty() && app.primary->SetDrained(cmd == "drain").ok()) {
        drained.push_back(n);
      }
    }
    return reply({{"ok", true}, {"apps", drained}});
  }
  auto it = apps_.find(name);
  if (it == apps_.end()) return reply(Error(fmt::format("no app named {}", name)));
  App& app = it->second;
  if (cmd == "describe") {
    json j = Describe(app);
    j["config"] = ConfigForDescribe(app.config);
    return reply({{"ok", true}, {"app", j}});
  }
  if (cmd == "reload" && app.status == AppStatus::kErrored) {
    RestartApp(app, [reply](const std::string& e) { reply(e.empty() ? json{{"ok", true}} : Error(e)); });
    return;
  }
  if (!app.primary) return reply(Error(fmt::format("{} is {}", name, StatusName(static_cast<int>(app.status)))));
  if (cmd == "scale") {
    HandlePrimaryRequest(*app.primary, req, [this, name, reply](const json& r) {
      auto it = apps_.find(name);
      if (r.value("ok", false) && it != apps_.end()) {
        it->second.config.instances = r.value("instances", it->second.config.instances);
        Persist();
      }
      reply(r);
    });
    return;
  }
  json forwarded = req;
  forwarded.erase("environment");  // applied above
  HandlePrimaryRequest(*app.primary, forwarded, std::move(reply));  // reload, send, signal, drain, undrain
}

void Daemon::Flush(const std::string& name, const ControlServer::Reply& reply) {
  auto flushed = std::make_shared<json>(json::array());
  auto left = std::make_shared<size_t>(1);
  auto one_done = [reply, flushed, left] {
    if (--*left == 0) reply({{"ok", true}, {"apps", *flushed}});
  };
  for (auto& [n, app] : apps_) {
    if (!name.empty() && name != "all" && n != name) continue;
    flushed->push_back(n);
    if (app.log) {
      ++*left;
      app.log->Flush(one_done);
      continue;
    }
    // Not running: nobody writes to its files; empty them from here.
    for (const std::string& path : DistinctPaths(LogPathsFor(app.config, home_))) {
      auto file = RotatingLogFile::Open(loop_, path, app.config.log_rotation, [this, n](const std::string& e) {
        logger_.Event(LogLevel::kError, n, e);
      });
      if (!file.ok()) continue;
      ++*left;
      (*file)->Flush(one_done);
    }
  }
  if (flushed->empty() && !name.empty() && name != "all") return reply(Error(fmt::format("no app named {}", name)));
  one_done();
}

void Daemon::Resurrect(const std::string& file, std::function<void(const std::vector<std::string>&)> done) {
  std::ifstream f(file);
  json state = json::parse(f, nullptr, false);
  auto errors = std::make_shared<std::vector<std::string>>();
  auto pending = std::make_shared<size_t>(1);
  auto finish = [errors, pending, done] {
    if (--*pending == 0) done(*errors);
  };
  if (state.is_discarded() || !state.contains("apps") || !state["apps"].is_array()) {
    errors->push_back("nothing to resurrect in " + file);
    return finish();
  }
  // The metrics endpoint comes back with the apps, unless this daemon
  // already has one ($COHORT_METRICS).
  if (auto m = state.find("metrics"); !metrics_ && m != state.end() && m->is_string()) {
    if (Status s = OpenMetrics(m->get<std::string>()); !s.ok()) errors->push_back(fmt::format("{}: metrics: {}", file, s.message()));
  }
  for (const json& entry : state["apps"]) {
    // An errored app is tried again: what made it crash (a database not up yet,
    // a full disk) is often gone after a reboot. A stopped one stays stopped.
    if (!entry.is_object()) continue;
    if (std::string status = entry.value("status", ""); status != "running" && status != "errored") continue;
    Result<AppConfig> config = AppConfigFromJson(entry.value("config", json::object()));
    cohort::Status valid = config.ok() ? ValidateAppConfig(*config) : config.status();
    if (!valid.ok()) {
      errors->push_back(fmt::format("{}: skipped an app: {}", file, valid.message()));
      continue;
    }
    auto it = apps_.find(config->name);
    if (it != apps_.end() && it->second.status == AppStatus::kRunning) continue;
    App& app = apps_[config->name];
    app.config = std::move(*config);
    logger_.Event(LogLevel::kInfo, app.config.name, "resurrecting from " + file);
    ++*pending;
    std::string name = app.config.name;
    StartApp(app, [errors, finish, name](const std::string& e) {
      if (!e.empty()) errors->push_back(name + ": " + e);
      finish();
    });
  }
  Persist();
  finish();
}

void Daemon::Shutdown(std::function<void()> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  logger_.Event(LogLevel::kInfo, "daemon", "stopping every app");
  auto pending = std::make_shared<size_t>(1);
  auto finish = [this, pending, done] {
    if (--*pending > 0) return;
    control_.reset();
    metrics_.reset();
    signals_.clear();
    reaper_.reset();
    done();
  };
  for (auto& [name, app] : apps_) {
    if (!app.primary) continue;
    ++*pending;
    AppStatus keep = app.status;  // stays "running" in state.json: resurrect brings it back
    StopApp(app, finish);
    app.status = keep;
  }
  finish();
}

int Daemon::Run() {
  std::string path = DaemonSocketPath(home_);
  auto server = ControlServer::Listen(loop_, path, [this](const json& req, ControlServer::Reply reply) {
    Handle(req, std::move(reply));
  });
  if (!server.ok()) {
    logger_.Event(LogLevel::kError, "daemon", server.status().message());
    return 1;
  }
  control_ = std::move(*server);
  if (const char* metrics = std::getenv("COHORT_METRICS"); metrics && *metrics) {
    // A bad address must not keep the apps from running; daemon.log says why.
    if (Status m = OpenMetrics(metrics); !m.ok()) logger_.Event(LogLevel::kError, "daemon", m.message());
  }
  reaper_ = std::make_unique<ChildReaper>(loop_, [this](pid_t pid, ExitStatus st) {
    for (auto& [name, app] : apps_) {
      if (app.primary && app.primary->OnChildExit(pid, st)) return;
    }
  });
  for (int sig : {SIGTERM, SIGINT}) {
    auto& h = signals_.emplace_back();
    uv_signal_init(loop_, h.get());
    h->data = this;
    uv_signal_start(h.get(), [](uv_signal_t* s, int) {
      auto* self = static_cast<Daemon*>(s->data);
      if (self) self->Shutdown([self] { uv_stop(self->loop_); });
    }, sig);
  }
  logger_.Event(LogLevel::kInfo, "daemon", fmt::format("daemon {} listening on {}", ::getpid(), path));
  if (const char* notify = ::getenv("NOTIFY_SOCKET")) {
    // Under systemd (`cohort startup`, Type=notify): ready now. No app may
    // inherit the socket.
    std::string socket = notify;
    ::unsetenv("NOTIFY_SOCKET");
    Status s = SendNotify(socket, fmt::format("READY=1\nMAINPID={}\nSTATUS=listening on {}", ::getpid(), path));
    if (!s.ok()) logger_.Event(LogLevel::kWarn, "daemon", s.message());
  }
  // Setup is done: its code (the command line above all) need not stay resident.
  ReleaseSetupCode();
  uv_run(loop_, UV_RUN_DEFAULT);
  logger_.Event(LogLevel::kInfo, "daemon", "daemon exiting");
  return 0;
}

}  // namespace cohort
