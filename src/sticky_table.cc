#include "sticky_table.h"

#include <iterator>

namespace cohort {

void StickyTable::Declare(std::string_view key, WorkerId worker, TimePoint now) {
  Expire(now);
  uint64_t gen = next_generation_++;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    it = entries_.emplace(std::string(key), Entry{worker, now, gen}).first;
  } else {
    it->second = Entry{worker, now, gen};
  }
  order_.push_back({it->first, gen});
  while (entries_.size() > opt_.max_keys && !order_.empty()) {
    EraseIfCurrent(order_.front());
    order_.pop_front();
  }
  // Re-declarations leave stale records behind; keep them from piling up.
  if (order_.size() > 2 * entries_.size() + 1024) {
    std::deque<Record> fresh;
    for (Record& r : order_) {
      auto e = entries_.find(r.key);
      if (e != entries_.end() && e->second.generation == r.generation) fresh.push_back(std::move(r));
    }
    order_ = std::move(fresh);
  }
}

std::optional<WorkerId> StickyTable::Find(std::string_view key, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (opt_.ttl.count() > 0 && now - it->second.declared >= opt_.ttl) {
    entries_.erase(it);  // its record in order_ is now stale
    return std::nullopt;
  }
  return it->second.worker;
}

void StickyTable::ForgetWorker(WorkerId worker) {
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.worker == worker; });
}

void StickyTable::EraseIfCurrent(const Record& r) {
  auto e = entries_.find(r.key);
  if (e != entries_.end() && e->second.generation == r.generation) entries_.erase(e);
}

void StickyTable::Expire(TimePoint now) {
  if (opt_.ttl.count() <= 0) return;
  // Declarations are in time order, so expired ones are at the front.
  while (!order_.empty()) {
    const Record& r = order_.front();
    auto e = entries_.find(r.key);
    bool current = e != entries_.end() && e->second.generation == r.generation;
    if (current && now - e->second.declared < opt_.ttl) break;
    if (current) entries_.erase(e);
    order_.pop_front();
  }
}

}  // namespace cohort
