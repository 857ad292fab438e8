#include "monit_view.h"

#include <algorithm>

#include <fmt/format.h>

#include "app_table.h"
#include "byte_size.h"

namespace cohort {

using nlohmann::json;

void MonitView::SetApps(json apps) {
  std::optional<std::string> was = selected();
  apps_ = apps.is_array() ? std::move(apps) : json::array();
  selected_ = 0;
  for (size_t i = 0; was && i < apps_.size(); ++i) {
    if (apps_[i].value("name", "") == *was) selected_ = i;
  }
}

void MonitView::Move(int delta) {
  if (apps_.empty()) return;
  int n = static_cast<int>(apps_.size());
  selected_ = static_cast<size_t>(std::clamp(static_cast<int>(selected_) + delta, 0, n - 1));
}

std::optional<std::string> MonitView::selected() const {
  if (selected_ >= apps_.size()) return std::nullopt;
  return apps_[selected_].value("name", "");
}

namespace {

std::string Summary(const json& app) {
  double cpu = 0;
  uint64_t rss = 0;
  size_t workers = 0;
  for (const json& w : app.value("workers", json::array())) {
    ++workers;
    if (w.value("cpu_percent", json()).is_number()) cpu += w["cpu_percent"].get<double>();
    if (w.value("rss_bytes", json()).is_number()) rss += w["rss_bytes"].get<uint64_t>();
  }
  json reloads = app.value("reloads", json::object());
  json conns = app.value("connections", json::object());
  return fmt::format("{} ({}{}): {} worker(s), cpu {:.1f}%, memory {}, reloads {} ok / {} failed, {} connections{}",
                     app.value("name", "?"), app.value("daemon", false) ? "daemon" : "foreground",
                     app.value("reloading", false) ? ", reloading" : "", workers, cpu, FormatBytes(rss),
                     reloads.value("succeeded", 0), reloads.value("failed", 0), conns.value("confirmed", uint64_t{0}),
                     app.value("status", "running") == "running" ? "" : " [" + app.value("status", "") + "]");
}

std::string Fit(std::string s, int width) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (width >= 0 && static_cast<int>(s.size()) > width) s.resize(static_cast<size_t>(width));
  return s;
}

}  // namespace

std::vector<MonitView::Line> MonitView::Render(int width, int height, const std::string& status,
                                               const std::string& clock) const {
  size_t workers = 0;
  for (const json& app : apps_) workers += app.value("workers", json::array()).size();
  std::string title = fmt::format("cohort monit: {} app(s), {} worker(s)", apps_.size(), workers);
  title += std::string(static_cast<size_t>(std::max<int>(1, width - static_cast<int>(title.size()) -
                                                                static_cast<int>(clock.size()))), ' ') + clock;
  std::vector<Line> body;
  size_t selected_line = 0;
  for (size_t i = 0; i < apps_.size(); ++i) {
    if (i == selected_) selected_line = body.size();
    body.push_back({Fit((i == selected_ ? "> " : "  ") + Summary(apps_[i]), width), i == selected_, true});
    for (const AppRow& r : RowsOf(apps_[i])) body.push_back({Fit("  " + FormatAppRow(r), width)});
    if (apps_[i].contains("error")) body.push_back({Fit("  " + apps_[i].value("error", ""), width)});
  }
  if (apps_.empty()) body.push_back({"  no apps are running (cohort start APP, or cohort run APP in another terminal)"});
  std::vector<Line> out = {{Fit(title, width), false, true},
                           {Fit("  " + FormatAppRow(HeaderRow()), width), false, true}};
  // Two lines above, the status and the help below: scroll so the selected app's summary shows.
  int room = std::max(0, height - 4);
  size_t first = 0;
  if (selected_line >= static_cast<size_t>(room)) first = selected_line - static_cast<size_t>(room) + 1;
  for (size_t i = first; i < body.size() && static_cast<int>(out.size()) < height - 2; ++i) out.push_back(body[i]);
  while (static_cast<int>(out.size()) < height - 2) out.push_back({});
  out.push_back({Fit(status, width)});
  out.push_back({Fit("up/down: select   r: reload   R: restart   q: quit", width)});
  if (static_cast<int>(out.size()) > height) out.resize(static_cast<size_t>(std::max(0, height)));
  return out;
}

}  // namespace cohort
