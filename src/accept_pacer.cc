#include "accept_pacer.h"

namespace cohort {

AcceptPacer::Mode AcceptPacer::OnEvent(TimePoint now, int accepted) {
  if (accepted == 0) return mode_;
  if (events_in_window_ == 0 || now - window_start_ >= opt_.tick) {
    window_start_ = now;
    events_in_window_ = 0;
  }
  if (++events_in_window_ >= opt_.enter_events) {
    mode_ = Mode::kOnTick;
    events_in_window_ = 0;
  }
  return mode_;
}

AcceptPacer::Mode AcceptPacer::OnTick(int accepted) {
  if (accepted < opt_.leave_below) mode_ = Mode::kOnEvent;
  return mode_;
}

}  // namespace cohort
