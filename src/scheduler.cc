#include "scheduler.h"

#include <fmt/format.h>

#include "least_connections_scheduler.h"
#include "round_robin_scheduler.h"

namespace cohort {

Result<std::unique_ptr<Scheduler>> MakeScheduler(std::string_view name) {
  if (name == "rr" || name == "round-robin") return std::unique_ptr<Scheduler>(new RoundRobinScheduler());
  if (name == "least") return std::unique_ptr<Scheduler>(new LeastConnectionsScheduler());
  return Status::Error(fmt::format("unknown scheduler '{}' (use rr, least or shared)", name));
}

}  // namespace cohort
