// SupervisorTest: a Supervisor on a FakeWorkerHost, with helpers to make
// workers serve and to read the log. Test support, shared by the Supervisor's
// test files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_worker_host.h"
#include "supervisor.h"

namespace cohort {

inline const std::string kHttp = "null:8080:4:undefined:0";
inline const std::string kAdmin = "127.0.0.1:9090:4:undefined:0";

class SupervisorTest : public ::testing::Test {
 protected:
  void Make(int instances, SupervisorOptions o = {}) {
    o.instances = instances;
    o.ready_timeout = Millis(10000);
    o.kill_timeout = Millis(5000);
    sup = std::make_unique<Supervisor>(o, &host, [this](int, const std::string& l) { log.push_back(l); });
    sup->Start([this](const std::string& why) { start_failures.push_back(why); });
  }
  // The worker becomes online and listens on `keys`.
  void Serve(WorkerId id, std::vector<std::string> keys = {kHttp}) {
    sup->OnOnline(id);
    for (auto& k : keys) sup->OnListening(id, k);
  }
  WorkerState StateOf(WorkerId id) {
    for (auto& w : sup->Workers()) if (w.id == id) return w.state;
    ADD_FAILURE() << "no worker " << id;
    return WorkerState::kStarting;
  }
  bool Alive(WorkerId id) {
    for (auto& w : sup->Workers()) if (w.id == id) return true;
    return false;
  }
  WorkerId In(int slot) { return *host.LastIn(slot); }
  bool LogHas(const std::string& text) {
    for (auto& l : log) if (l.find(text) != std::string::npos) return true;
    return false;
  }

  FakeWorkerHost host;
  std::unique_ptr<Supervisor> sup;
  std::vector<std::string> log;
  std::vector<std::string> start_failures;
};

}  // namespace cohort
