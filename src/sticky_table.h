// StickyTable: keys that workers declared as theirs
// (process.send({cmd: 'cohort:sticky', key})). A connection whose sticky
// value is a declared key goes to the worker that declared it, ahead of the
// hash. A worker's keys are forgotten when it goes (its memory, and the
// sessions in it, went with it) and, with a ttl, that long after their last
// declaration. Bounded: past max_keys the oldest declarations go first.
//
// Plain data on the loop thread; the time comes from the caller.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "worker_host.h"

namespace cohort {

class StickyTable {
 public:
  struct Options {
    size_t max_keys = 1'000'000;
    Millis ttl{0};  // 0: until the worker goes
  };
  StickyTable() : StickyTable(Options()) {}
  explicit StickyTable(Options options) : opt_(options) {}

  void Declare(std::string_view key, WorkerId worker, TimePoint now);
  std::optional<WorkerId> Find(std::string_view key, TimePoint now);
  void ForgetWorker(WorkerId worker);
  size_t size() const { return entries_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct Entry {
    WorkerId worker;
    TimePoint declared;
    uint64_t generation;  // matches the newest record in order_
  };
  struct Record {
    std::string key;
    uint64_t generation;
  };
  void Expire(TimePoint now);
  void EraseIfCurrent(const Record& r);

  Options opt_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::deque<Record> order_;  // declarations, oldest first; stale records are skipped
  uint64_t next_generation_ = 1;
};

}  // namespace cohort
