#include "app_table.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using nlohmann::json;

json App() {
  return json::parse(R"({"name":"web","status":"running","primary_pid":10,"scheduler":"rr","daemon":true,
    "listeners":[{"address":"*:8080"}],
    "workers":[
      {"slot":1,"id":2,"pid":202,"state":"ready","uptime_ms":65000,"restarts":3,"connections":7,
       "cpu_percent":12.34,"rss_bytes":47500000},
      {"slot":0,"id":1,"pid":201,"state":"ready","uptime_ms":5000,"restarts":0,"connections":9,
       "cpu_percent":null,"rss_bytes":null}],
    "waiting_slots":[],
    "errored_slots":[{"slot":2,"restarts":16,"error":"crash loop: 16 unstable restart(s) in a row"}]})");
}

TEST(AppTable, OneRowPerWorkerBySlotWithCpuAndMemory) {
  std::vector<AppRow> rows = RowsOf(App());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].pid, "201");
  EXPECT_EQ(rows[0].cpu, "-");  // not sampled yet
  EXPECT_EQ(rows[0].memory, "-");
  EXPECT_EQ(rows[1].slot, "1");
  EXPECT_EQ(rows[1].uptime, "1m05s");
  EXPECT_EQ(rows[1].restarts, "3");
  EXPECT_EQ(rows[1].cpu, "12.3%");
  EXPECT_EQ(rows[1].memory, "45.3 MB");
  EXPECT_EQ(rows[1].connections, "7");
  EXPECT_EQ(rows[2].slot, "2");
  EXPECT_EQ(rows[2].status, "errored");
}

TEST(AppTable, TheTableHasPm2sColumnsAndSaysWhyASlotIsErrored) {
  std::string t = FormatAppTable(json::array({App()}));
  EXPECT_NE(t.find("NAME"), std::string::npos);
  for (const char* column : {"SLOT", "PID", "STATUS", "UPTIME", "RESTARTS", "CPU", "MEMORY"}) {
    EXPECT_NE(t.find(column), std::string::npos) << column;
  }
  EXPECT_NE(t.find("12.3%"), std::string::npos) << t;
  EXPECT_NE(t.find("web: slot 2: crash loop"), std::string::npos) << t;
  EXPECT_NE(t.find("web: daemon pid 10, scheduler rr, listening on *:8080"), std::string::npos) << t;
}

TEST(AppTable, AnErroredDaemonAppIsOneRowWithItsReason) {
  json app = {{"name", "api"}, {"status", "errored"}, {"error", "every slot is errored"},
              {"workers", json::array()}, {"listeners", json::array()}};
  std::vector<AppRow> rows = RowsOf(app);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "errored");
  std::string t = FormatAppTable(json::array({app}));
  EXPECT_NE(t.find("api: every slot is errored"), std::string::npos) << t;
  EXPECT_EQ(t.find("listening"), std::string::npos) << t;
  EXPECT_EQ(FormatAppTable(json::array()), "no apps are running\n");
}

}  // namespace
}  // namespace cohort
