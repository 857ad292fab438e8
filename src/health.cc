#include "health.h"

namespace cohort {

HealthVerdict DecideHealth(const HealthSnapshot& s) {
  HealthVerdict v;
  // Stopping wins over drained: both are 503, but "stopping" tells the
  // operator the listeners are about to close.
  if (s.stopping) {
    v.state = "stopping";
  } else if (s.drained) {
    v.state = "drained";
  } else if (s.ready_workers == 0) {
    v.state = "no worker ready";
  } else {
    v.state = "ready";
    v.status = 200;
  }
  v.body = {{"status", v.state}, {"app", s.app}, {"ready_workers", s.ready_workers}, {"workers", s.workers}};
  return v;
}

HttpResponse HealthResponse(const HttpRequest& request, const HealthSnapshot& snapshot) {
  std::string path = request.path();
  if (path != "/health" && path != "/") {
    return PlainResponse(404, "not found: this endpoint serves /health\n");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return PlainResponse(405, "/health answers GET and HEAD\n");
  }
  HealthVerdict v = DecideHealth(snapshot);
  HttpResponse r = PlainResponse(v.status, v.body.dump() + "\n");
  r.content_type = "application/json";
  return r;
}

}  // namespace cohort
