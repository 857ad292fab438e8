#include "monit_view.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using nlohmann::json;

json App(const std::string& name, std::vector<int> pids) {
  json workers = json::array();
  for (size_t i = 0; i < pids.size(); ++i) {
    workers.push_back({{"slot", i}, {"id", i + 1}, {"pid", pids[i]}, {"state", "ready"}, {"uptime_ms", 65000},
                       {"restarts", 1}, {"connections", 12}, {"cpu_percent", 10.25}, {"rss_bytes", 50 << 20}});
  }
  return {{"name", name}, {"status", "running"}, {"daemon", true}, {"workers", workers},
          {"reloads", {{"succeeded", 2}, {"failed", 1}}}, {"connections", {{"confirmed", 24}}}};
}

std::string Text(const std::vector<MonitView::Line>& lines) {
  std::string s;
  for (const auto& l : lines) s += l.text + "\n";
  return s;
}

TEST(MonitView, ShowsEveryWorkerWithItsPidCpuMemoryRestartsAndConnections) {
  MonitView v;
  v.SetApps(json::array({App("web", {101, 102}), App("api", {201})}));
  std::string t = Text(v.Render(120, 40, "", "12:00:00"));
  EXPECT_NE(t.find("cohort monit: 2 app(s), 3 worker(s)"), std::string::npos) << t;
  EXPECT_NE(t.find("12:00:00"), std::string::npos);
  for (const char* pid : {"101", "102", "201"}) EXPECT_NE(t.find(pid), std::string::npos) << pid;
  EXPECT_NE(t.find("web (daemon): 2 worker(s), cpu 20.5%, memory 100.0 MB, reloads 2 ok / 1 failed, 24 connections"),
            std::string::npos) << t;
  EXPECT_NE(t.find("10.2%"), std::string::npos);
  EXPECT_NE(t.find("50.0 MB"), std::string::npos);
  EXPECT_NE(t.find("r: reload"), std::string::npos);
}

TEST(MonitView, TheSelectionMovesAndFollowsItsAppAcrossRefreshes) {
  MonitView v;
  EXPECT_FALSE(v.selected());
  v.SetApps(json::array({App("a", {1}), App("b", {2}), App("c", {3})}));
  EXPECT_EQ(v.selected(), "a");
  v.Move(1);
  v.Move(1);
  v.Move(1);
  EXPECT_EQ(v.selected(), "c");
  v.SetApps(json::array({App("c", {3}), App("a", {1})}));
  EXPECT_EQ(v.selected(), "c");
  v.Move(-5);
  EXPECT_EQ(v.selected(), "c");  // first: c is at index 0 now
  v.SetApps(json::array({App("b", {2})}));
  EXPECT_EQ(v.selected(), "b");  // c is gone
  auto lines = v.Render(100, 20, "", "");
  int selected = 0;
  for (const auto& l : lines) selected += l.selected;
  EXPECT_EQ(selected, 1);
}

TEST(MonitView, FitsTheScreenAndKeepsTheSelectedAppInView) {
  json apps = json::array();
  for (int i = 0; i < 10; ++i) apps.push_back(App("app" + std::to_string(i), {1000 + i, 2000 + i}));
  MonitView v;
  v.SetApps(apps);
  v.Move(9);
  auto lines = v.Render(60, 12, "app9: reloaded", "");
  ASSERT_EQ(lines.size(), 12u);
  for (const auto& l : lines) EXPECT_LE(l.text.size(), 60u) << l.text;
  std::string t = Text(lines);
  EXPECT_NE(t.find("> app9"), std::string::npos) << t;
  EXPECT_EQ(lines[10].text, "app9: reloaded");
  EXPECT_NE(lines[11].text.find("q: quit"), std::string::npos);
}

TEST(MonitView, NoAppsSaysSo) {
  MonitView v;
  v.SetApps(json::array());
  EXPECT_NE(Text(v.Render(100, 10, "", "")).find("no apps are running"), std::string::npos);
}

}  // namespace
}  // namespace cohort
