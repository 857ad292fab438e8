#include "accept_pacer.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

using Mode = AcceptPacer::Mode;
using std::chrono::microseconds;

TEST(AcceptPacer, StaysOnEventsWhileConnectionsArriveSlowly) {
  AcceptPacer p;
  TimePoint t{};
  for (int i = 0; i < 100; ++i) {
    t += microseconds(400);  // 2,500 per second: at most 3 per 1 ms tick
    EXPECT_EQ(p.OnEvent(t, 1), Mode::kOnEvent) << "event " << i;
  }
}

TEST(AcceptPacer, TicksOnceConnectionsArriveFasterThanTheThreshold) {
  AcceptPacer p;
  TimePoint t{};
  EXPECT_EQ(p.OnEvent(t, 1), Mode::kOnEvent);
  EXPECT_EQ(p.OnEvent(t + microseconds(100), 1), Mode::kOnEvent);
  EXPECT_EQ(p.OnEvent(t + microseconds(200), 1), Mode::kOnEvent);
  EXPECT_EQ(p.OnEvent(t + microseconds(300), 1), Mode::kOnTick);
}

TEST(AcceptPacer, EventsThatAcceptNothingDoNotCount) {
  AcceptPacer p;
  TimePoint t{};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(p.OnEvent(t + microseconds(i), 0), Mode::kOnEvent);
}

TEST(AcceptPacer, AWindowOlderThanOneTickStartsOver) {
  AcceptPacer p;
  TimePoint t{};
  p.OnEvent(t, 1);
  p.OnEvent(t + microseconds(500), 1);
  p.OnEvent(t + microseconds(900), 1);
  // The fourth comes 1.1 ms after the first: a new window.
  EXPECT_EQ(p.OnEvent(t + microseconds(1100), 1), Mode::kOnEvent);
  EXPECT_EQ(p.OnEvent(t + microseconds(1200), 1), Mode::kOnEvent);
  EXPECT_EQ(p.OnEvent(t + microseconds(1300), 1), Mode::kOnEvent);
  EXPECT_EQ(p.OnEvent(t + microseconds(1400), 1), Mode::kOnTick);
}

TEST(AcceptPacer, LeavesTickingWhenATickFindsAlmostNothing) {
  AcceptPacer p;
  TimePoint t{};
  for (int i = 0; i < 4; ++i) p.OnEvent(t + microseconds(10 * i), 1);
  ASSERT_EQ(p.mode(), Mode::kOnTick);
  EXPECT_EQ(p.OnTick(12), Mode::kOnTick);
  EXPECT_EQ(p.OnTick(2), Mode::kOnTick);
  EXPECT_EQ(p.OnTick(1), Mode::kOnEvent);
  // And has to see a fast rate again to go back.
  EXPECT_EQ(p.OnEvent(t + microseconds(5000), 1), Mode::kOnEvent);
}

TEST(AcceptPacer, ThresholdsAreOptions) {
  AcceptPacer p(AcceptPacer::Options{.tick = Millis(2), .enter_events = 2, .leave_below = 5});
  TimePoint t{};
  EXPECT_EQ(p.OnEvent(t, 3), Mode::kOnEvent);
  EXPECT_EQ(p.OnEvent(t + microseconds(1900), 1), Mode::kOnTick);
  EXPECT_EQ(p.OnTick(4), Mode::kOnEvent);
}

}  // namespace
}  // namespace cohort
