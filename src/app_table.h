// The human view of apps (the `ls` request's JSON): one row per worker, as
// PM2's table (name, slot, pid, status, uptime, restarts, cpu, memory), plus
// connections; `cohort ls` prints it and `cohort monit` draws the same rows.
// Pure formatting: unit-tested on JSON.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cohort {

struct AppRow {
  std::string app, slot, pid, status, uptime, restarts, cpu, memory, connections;
};

// The app's workers sorted by slot (then worker id), then its slots without a
// worker (backing off, errored); a stopped or errored app is one row.
std::vector<AppRow> RowsOf(const nlohmann::json& app);
// "12.5%", or "-" before the first sample.
std::string FormatCpu(const nlohmann::json& percent);
// "45.3 MB", or "-" before the first sample.
std::string FormatMemory(const nlohmann::json& bytes);
// One aligned line (with '\n'); HeaderRow() names the columns.
std::string FormatAppRow(const AppRow& row);
AppRow HeaderRow();
// Everything `cohort ls` prints for these apps.
std::string FormatAppTable(const nlohmann::json& apps);

}  // namespace cohort
