// An app's health as a load balancer sees it (--health HOST:PORT): 200 while
// at least one worker is ready and the app is neither drained by the
// operator (`cohort drain`) nor stopping; 503 otherwise, so HAProxy takes
// the host out of rotation before its listeners close. The decision and
// the endpoint's routing are pure functions of a snapshot (no sockets, no
// clock); ClusterPrimary takes the snapshot and HttpServer does the I/O.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "http_request.h"

namespace cohort {

struct HealthSnapshot {
  std::string app;
  int ready_workers = 0;  // serving (listening on every server), not leaving
  int workers = 0;        // slots the app is meant to have
  bool drained = false;   // `cohort drain`: out of rotation on purpose, still serving
  bool stopping = false;  // a graceful stop has begun (its drain delay included)
};

struct HealthVerdict {
  int status = 503;     // HTTP status: 200 or 503
  std::string state;    // "ready", "drained", "stopping", "no worker ready"
  nlohmann::json body;  // {"status": state, "app", "ready_workers", "workers"}
};

HealthVerdict DecideHealth(const HealthSnapshot& snapshot);

// What the endpoint answers: GET or HEAD /health (or /) gets the verdict as
// JSON; another path 404, another method 405.
HttpResponse HealthResponse(const HttpRequest& request, const HealthSnapshot& snapshot);

}  // namespace cohort
