#include "timer_set.h"

namespace cohort {

TimerSet::Id TimerSet::Start(Millis delay, std::function<void()> fn) {
  Id id = next_++;
  Timer& t = timers_[id];
  t.owner = this;
  t.id = id;
  t.fn = std::move(fn);
  uv_timer_init(loop_, t.handle.get());
  t.handle->data = &t;
  uv_timer_start(
      t.handle.get(),
      [](uv_timer_t* h) {
        auto* t = static_cast<Timer*>(h->data);
        if (!t) return;
        TimerSet* self = t->owner;
        std::function<void()> fn = std::move(t->fn);
        self->timers_.erase(t->id);  // closes the handle; t is gone
        fn();
      },
      static_cast<uint64_t>(delay.count() < 0 ? 0 : delay.count()), 0);
  return id;
}

}  // namespace cohort
