#include "health.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

HealthSnapshot Serving(int ready, int workers) {
  return {.app = "web", .ready_workers = ready, .workers = workers, .drained = false, .stopping = false};
}

TEST(Health, ReadyWhileAtLeastOneWorkerIs) {
  HealthVerdict v = DecideHealth(Serving(1, 4));
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.body, (nlohmann::json{{"status", "ready"}, {"app", "web"}, {"ready_workers", 1}, {"workers", 4}}));
}

TEST(Health, NoReadyWorkerIs503) {
  HealthVerdict v = DecideHealth(Serving(0, 2));
  EXPECT_EQ(v.status, 503);
  EXPECT_EQ(v.state, "no worker ready");
}

TEST(Health, DrainedIs503EvenWithEveryWorkerReady) {
  HealthSnapshot s = Serving(2, 2);
  s.drained = true;
  HealthVerdict v = DecideHealth(s);
  EXPECT_EQ(v.status, 503);
  EXPECT_EQ(v.body["status"], "drained");
  EXPECT_EQ(v.body["ready_workers"], 2);
}

TEST(Health, StoppingIs503AndSaysSoOverDrained) {
  HealthSnapshot s = Serving(2, 2);
  s.stopping = true;
  s.drained = true;
  EXPECT_EQ(DecideHealth(s).status, 503);
  EXPECT_EQ(DecideHealth(s).state, "stopping");
}

TEST(HealthEndpoint, GetAndHeadOfHealthGetTheVerdictAsJson) {
  HttpResponse r = HealthResponse({.method = "GET", .target = "/health?from=haproxy"}, Serving(2, 2));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "ready");
  HealthSnapshot drained = Serving(2, 2);
  drained.drained = true;
  EXPECT_EQ(HealthResponse({.method = "HEAD", .target = "/"}, drained).status, 503);
}

TEST(HealthEndpoint, OtherPathsAndMethodsAreRefused) {
  EXPECT_EQ(HealthResponse({.method = "GET", .target = "/metrics"}, Serving(1, 1)).status, 404);
  EXPECT_EQ(HealthResponse({.method = "POST", .target = "/health"}, Serving(1, 1)).status, 405);
}

}  // namespace
}  // namespace cohort
