#include "metrics_text.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using nlohmann::json;

json App() {
  return json::parse(R"json({"name":"web","status":"running",
    "reloads":{"succeeded":3,"failed":1},
    "connections":{"handed":120,"confirmed":118,"bounced":2,"dropped":0,"queued":5},
    "workers":[
      {"slot":0,"id":4,"pid":201,"state":"ready","restarts":2,"memory_restarts":1,"handed":70,
       "cpu_seconds":1.25,"rss_bytes":47500000},
      {"slot":0,"id":5,"pid":205,"state":"starting (reload)","restarts":2,"memory_restarts":1,"handed":0,
       "cpu_seconds":null,"rss_bytes":null},
      {"slot":1,"id":2,"pid":202,"state":"ready","restarts":0,"memory_restarts":0,"handed":50,
       "cpu_seconds":0.5,"rss_bytes":40000000}],
    "waiting_slots":[],
    "errored_slots":[{"slot":2,"restarts":16,"error":"crash loop"}]})json");
}

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(RenderMetrics, PerWorkerMemoryCpuAndConnectionsLabelledByAppSlotAndPid) {
  std::string t = RenderMetrics(json::array({App()}), nullptr);
  EXPECT_TRUE(Has(t, "# TYPE cohort_worker_resident_memory_bytes gauge")) << t;
  EXPECT_TRUE(Has(t, R"(cohort_worker_resident_memory_bytes{app="web",slot="0",pid="201"} 47500000)")) << t;
  EXPECT_TRUE(Has(t, "# TYPE cohort_worker_cpu_seconds_total counter"));
  EXPECT_TRUE(Has(t, R"(cohort_worker_cpu_seconds_total{app="web",slot="1",pid="202"} 0.5)")) << t;
  EXPECT_TRUE(Has(t, R"(cohort_worker_connections_handed_total{app="web",slot="0",pid="201"} 70)"));
  // Not sampled yet: no series rather than a made-up zero.
  EXPECT_EQ(t.find(R"(cohort_worker_resident_memory_bytes{app="web",slot="0",pid="205"})"), std::string::npos);
}

TEST(RenderMetrics, RestartsPerSlotOnceEvenDuringAReloadAndForErroredSlots) {
  std::string t = RenderMetrics(json::array({App()}), nullptr);
  EXPECT_TRUE(Has(t, R"(cohort_worker_restarts_total{app="web",slot="0"} 2)")) << t;
  EXPECT_TRUE(Has(t, R"(cohort_worker_restarts_total{app="web",slot="2"} 16)")) << t;
  EXPECT_TRUE(Has(t, R"(cohort_worker_memory_restarts_total{app="web",slot="0"} 1)")) << t;
  size_t first = t.find(R"(cohort_worker_restarts_total{app="web",slot="0"})");
  EXPECT_EQ(t.find(R"(cohort_worker_restarts_total{app="web",slot="0"})", first + 1), std::string::npos);
}

TEST(RenderMetrics, AppCountersAndGauges) {
  std::string t = RenderMetrics(json::array({App()}), nullptr);
  EXPECT_TRUE(Has(t, R"(cohort_reloads_total{app="web",outcome="succeeded"} 3)")) << t;
  EXPECT_TRUE(Has(t, R"(cohort_reloads_total{app="web",outcome="failed"} 1)"));
  EXPECT_TRUE(Has(t, R"(cohort_connections_queued{app="web"} 5)"));
  EXPECT_TRUE(Has(t, R"(cohort_connections_handed_total{app="web"} 120)"));
  EXPECT_TRUE(Has(t, R"(cohort_connections_bounced_total{app="web"} 2)"));
  EXPECT_TRUE(Has(t, R"(cohort_workers{app="web",state="ready"} 2)"));
  EXPECT_TRUE(Has(t, R"(cohort_workers{app="web",state="starting"} 1)"));
  EXPECT_TRUE(Has(t, R"(cohort_workers{app="web",state="errored"} 1)"));
  EXPECT_TRUE(Has(t, R"(cohort_workers{app="web",state="draining"} 0)"));
  EXPECT_TRUE(Has(t, R"(cohort_app_status{app="web",status="running"} 1)"));
  EXPECT_TRUE(Has(t, R"(cohort_app_status{app="web",status="errored"} 0)"));
}

TEST(RenderMetrics, EveryFamilyHasHelpAndTypeOnceAndTheProcessItself) {
  json other = App();
  other["name"] = "api";
  ProcessUsage self{.cpu_seconds = 0.75, .cpu_percent = 1, .rss_bytes = 4600000};
  std::string t = RenderMetrics(json::array({App(), other}), &self);
  EXPECT_TRUE(Has(t, "process_resident_memory_bytes 4600000"));
  EXPECT_TRUE(Has(t, "process_cpu_seconds_total 0.75"));
  size_t type = t.find("# TYPE cohort_reloads_total counter");
  ASSERT_NE(type, std::string::npos);
  EXPECT_EQ(t.find("# TYPE cohort_reloads_total", type + 1), std::string::npos);
  EXPECT_TRUE(Has(t, R"(cohort_reloads_total{app="api",outcome="failed"} 1)"));
  EXPECT_EQ(t.back(), '\n');
}

TEST(RenderMetrics, LabelValuesAreEscaped) {
  json app = {{"name", "we\"ird\\na\nme"}, {"workers", json::array()}};
  std::string t = RenderMetrics(json::array({app}), nullptr);
  EXPECT_NE(t.find(R"(cohort_connections_queued{app="we\"ird\\na\nme"} 0)"), std::string::npos) << t;
}

TEST(RenderMetrics, NoAppsStillGivesAValidDocument) {
  std::string t = RenderMetrics(json::array(), nullptr);
  EXPECT_NE(t.find("# TYPE cohort_workers gauge"), std::string::npos);
}

}  // namespace
}  // namespace cohort
