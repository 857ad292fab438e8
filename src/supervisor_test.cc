#include "supervisor.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "supervisor_fixture.h"

namespace cohort {
namespace {

TEST_F(SupervisorTest, StartSpawnsOneWorkerPerSlotAndListeningMakesThemReady) {
  Make(3);
  ASSERT_EQ(host.spawned.size(), 3u);
  for (int s = 0; s < 3; ++s) EXPECT_EQ(host.spawned[s].slot, s);
  EXPECT_EQ(StateOf(In(0)), WorkerState::kStarting);
  sup->OnOnline(In(0));
  EXPECT_EQ(StateOf(In(0)), WorkerState::kOnline);
  sup->OnListening(In(0), kHttp);
  EXPECT_EQ(StateOf(In(0)), WorkerState::kReady);
}

TEST_F(SupervisorTest, ACrashedReadyWorkerIsRespawnedAtOnceInItsSlot) {
  Make(2);
  Serve(In(0));
  Serve(In(1));
  host.Advance(Millis(5000));
  WorkerId old = In(1);
  sup->OnExit(old, {.code = 1, .signal = 0});
  ASSERT_EQ(host.spawned.size(), 3u);
  EXPECT_EQ(host.spawned.back().slot, 1);
  EXPECT_NE(In(1), old);
  EXPECT_EQ(sup->Slots()[1].restarts, 1);
  EXPECT_TRUE(LogHas("exited with code 1; restarting"));
}

TEST_F(SupervisorTest, FastCrashLoopBacksOffAndDoublesThenAStableRunResets) {
  Make(1);
  Serve(In(0));  // the run became ready once, so crashes are respawned
  host.Advance(Millis(2000));
  sup->OnExit(In(0), {.code = 0, .signal = SIGSEGV});  // lived 2 s: not fast; at once
  EXPECT_EQ(host.spawned.size(), 2u);
  sup->OnExit(In(0), {.code = 1});  // fast crash #1: at once
  EXPECT_EQ(host.spawned.size(), 3u);
  sup->OnExit(In(0), {.code = 1});  // fast crash #2: 100 ms
  EXPECT_EQ(host.spawned.size(), 3u);
  EXPECT_TRUE(sup->Slots()[0].waiting);
  host.Advance(Millis(99));
  EXPECT_EQ(host.spawned.size(), 3u);
  host.Advance(Millis(1));
  EXPECT_EQ(host.spawned.size(), 4u);
  sup->OnExit(In(0), {.code = 1});  // #3: 200 ms
  host.Advance(Millis(199));
  EXPECT_EQ(host.spawned.size(), 4u);
  host.Advance(Millis(1));
  EXPECT_EQ(host.spawned.size(), 5u);
  EXPECT_TRUE(LogHas("3 fast crashes in a row, restarting in 200 ms"));
  Serve(In(0));
  host.Advance(Millis(60000));
  sup->OnExit(In(0), {.code = 1});  // stable for a minute: at once again
  EXPECT_EQ(host.spawned.size(), 6u);
}

TEST_F(SupervisorTest, GivesUpWhenEverySlotFailsBeforeAnyWorkerWasReady) {
  Make(2);
  sup->OnExit(In(0), {.code = 1});
  EXPECT_TRUE(start_failures.empty());  // slot 1 may still come up
  WorkerId slot1 = In(1);
  sup->OnExit(slot1, {.code = 1});
  ASSERT_EQ(start_failures.size(), 1u);
  EXPECT_NE(start_failures[0].find("exited with code 1 before it was ready"), std::string::npos);
  size_t spawns = host.spawned.size();
  for (auto& w : sup->Workers()) sup->OnExit(w.id, {.code = 1});
  host.Advance(Millis(60000));
  EXPECT_EQ(host.spawned.size(), spawns);  // nothing respawned after giving up
  EXPECT_EQ(start_failures.size(), 1u);
}

TEST_F(SupervisorTest, OnReadyRunsOnceWhenEverySlotIsReady) {
  FakeWorkerHost h;
  SupervisorOptions o;
  o.instances = 2;
  Supervisor s(o, &h, nullptr);
  int ready = 0;
  s.Start(nullptr, [&] { ++ready; });
  s.OnListening(*h.LastIn(0), kHttp);
  EXPECT_EQ(ready, 0);
  s.OnExit(*h.LastIn(1), {.code = 1});  // slot 1 crashes and is respawned
  s.OnListening(*h.LastIn(1), kHttp);
  EXPECT_EQ(ready, 1);
  s.OnExit(*h.LastIn(1), {.code = 1});
  s.OnListening(*h.LastIn(1), kHttp);
  EXPECT_EQ(ready, 1);
}

TEST_F(SupervisorTest, OneReadySlotMeansLaterCrashesAreRespawnedNotFatal) {
  Make(2);
  Serve(In(0));
  sup->OnExit(In(1), {.code = 1});
  EXPECT_TRUE(start_failures.empty());
  EXPECT_EQ(host.spawned.back().slot, 1);
}

TEST_F(SupervisorTest, SpawnFailureOnEverySlotIsAStartFailure) {
  host.fail_next_spawns = 2;
  Make(2);
  ASSERT_EQ(start_failures.size(), 1u);
  EXPECT_TRUE(LogHas("node was not found in PATH"));
}

class RollingReload : public SupervisorTest {
 protected:
  void SetUp() override {
    Make(2);
    Serve(In(0), {kHttp, kAdmin});
    Serve(In(1), {kHttp, kAdmin});
    old0 = In(0);
    old1 = In(1);
    sup->Reload([this](Status s) { outcomes.push_back(s); });
  }
  WorkerId old0 = 0, old1 = 0;
  std::vector<Status> outcomes;
};

TEST_F(RollingReload, ReplacesOneSlotAtATimeOnlyAfterTheNewWorkerListensOnEveryServer) {
  ASSERT_EQ(host.spawned.size(), 3u);  // only slot 0's replacement so far
  WorkerId new0 = In(0);
  EXPECT_EQ(host.spawned.back().slot, 0);
  sup->OnOnline(new0);
  sup->OnListening(new0, kHttp);
  EXPECT_FALSE(host.WasDisconnected(old0));  // not every server yet
  EXPECT_EQ(host.spawned.size(), 3u);
  sup->OnListening(new0, kAdmin);
  EXPECT_TRUE(host.WasDisconnected(old0));
  ASSERT_EQ(host.spawned.size(), 4u);  // now slot 1
  EXPECT_FALSE(host.WasDisconnected(old1));
  Serve(In(1), {kHttp, kAdmin});
  EXPECT_TRUE(host.WasDisconnected(old1));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_EQ(sup->reloads_succeeded(), 1u);
}

TEST_F(RollingReload, OldWorkerThatDoesNotLeaveIsKilledAfterKillTimeout) {
  Serve(In(0), {kHttp, kAdmin});
  host.Advance(Millis(4999));
  EXPECT_FALSE(host.WasKilled(old0, SIGKILL));
  host.Advance(Millis(1));
  EXPECT_TRUE(host.WasKilled(old0, SIGKILL));
}

TEST_F(RollingReload, AnOldWorkerThatLeavesInTimeIsNotKilled) {
  Serve(In(0), {kHttp, kAdmin});
  sup->OnExit(old0, {.code = 0});
  host.Advance(Millis(10000));
  EXPECT_FALSE(host.WasKilled(old0, SIGKILL));
  EXPECT_FALSE(Alive(old0));
}

TEST_F(RollingReload, AbortsAndKeepsOldWorkersWhenNewOneNeverListens) {
  WorkerId new0 = In(0);
  sup->OnOnline(new0);
  host.Advance(Millis(9999));
  EXPECT_TRUE(outcomes.empty());
  host.Advance(Millis(1));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(outcomes[0].ok());
  EXPECT_NE(outcomes[0].message().find("slot 0"), std::string::npos);
  EXPECT_NE(outcomes[0].message().find("did not become ready within 10000 ms"), std::string::npos);
  EXPECT_TRUE(host.WasKilled(new0, SIGKILL));
  EXPECT_FALSE(host.WasDisconnected(old0));
  EXPECT_FALSE(host.WasDisconnected(old1));
  EXPECT_EQ(host.spawned.size(), 3u);  // slot 1 was never touched
  EXPECT_EQ(StateOf(old0), WorkerState::kReady);
  EXPECT_EQ(sup->reloads_failed(), 1u);
  sup->OnExit(new0, {.code = 0, .signal = SIGKILL});
  EXPECT_EQ(host.spawned.size(), 3u);  // the killed replacement is not respawned
}

TEST_F(RollingReload, AbortsWhenTheNewWorkerCrashesBeforeItIsReady) {
  WorkerId new0 = In(0);
  sup->OnExit(new0, {.code = 1});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_NE(outcomes[0].message().find("exited with code 1 before it was ready"), std::string::npos);
  EXPECT_FALSE(host.WasDisconnected(old0));
  EXPECT_EQ(host.spawned.size(), 3u);
  EXPECT_EQ(host.pending_timers(), 0u);  // the ready timer was cancelled
}

TEST_F(RollingReload, ASecondRequestDuringAReloadIsQueuedAndRunsAfterIt) {
  std::vector<Status> second;
  sup->Reload([&](Status s) { second.push_back(s); });
  EXPECT_EQ(host.spawned.size(), 3u);  // not started twice
  Serve(In(0), {kHttp, kAdmin});
  Serve(In(1), {kHttp, kAdmin});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(second.empty());  // the queued run has started, not finished
  ASSERT_EQ(host.spawned.size(), 5u);
  EXPECT_EQ(host.spawned.back().slot, 0);
  Serve(In(0), {kHttp, kAdmin});
  Serve(In(1), {kHttp, kAdmin});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(second[0].ok());
  EXPECT_EQ(host.spawned.size(), 6u);
}

TEST_F(RollingReload, ACrashOfTheOldWorkerDuringItsReplacementDoesNotSpawnASecondOne) {
  sup->OnExit(old0, {.code = 1});
  EXPECT_EQ(host.spawned.size(), 3u);
  Serve(In(0), {kHttp, kAdmin});
  EXPECT_EQ(host.spawned.size(), 4u);  // moved on to slot 1
  EXPECT_EQ(host.spawned.back().slot, 1);
}

TEST_F(RollingReload, AWorkerRespawnedDuringTheReloadIsNotReplacedAgain) {
  sup->OnExit(old1, {.code = 1});  // slot 1 respawns at once with the new code
  WorkerId fresh1 = In(1);
  Serve(fresh1, {kHttp, kAdmin});
  Serve(host.spawned[2].id, {kHttp, kAdmin});  // slot 0's replacement
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_FALSE(host.WasDisconnected(fresh1));
}

TEST_F(SupervisorTest, AWorkerThatRunsWithoutListeningCountsAsStartedAfterReadyTimeout) {
  Make(1);
  sup->OnOnline(In(0));
  host.Advance(Millis(9999));
  EXPECT_EQ(StateOf(In(0)), WorkerState::kOnline);
  host.Advance(Millis(1));
  EXPECT_EQ(StateOf(In(0)), WorkerState::kReady);
  sup->OnExit(In(0), {.code = 1});
  EXPECT_TRUE(start_failures.empty());  // it had started: respawn, do not give up
  EXPECT_EQ(host.spawned.size(), 2u);
}

TEST_F(SupervisorTest, ReloadOfAnAppWithoutServersUsesOnlineAsReady) {
  Make(1);
  WorkerId old = In(0);
  sup->OnOnline(old);
  host.Advance(Millis(10000));
  std::vector<Status> outcomes;
  sup->Reload([&](Status s) { outcomes.push_back(s); });
  WorkerId incoming = In(0);
  ASSERT_NE(incoming, old);
  sup->OnOnline(incoming);
  EXPECT_TRUE(host.WasDisconnected(old));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
}

TEST_F(SupervisorTest, ScaleUpAddsSlotsAndScaleDownRetiresTheHighestOnes) {
  Make(2);
  Serve(In(0));
  Serve(In(1));
  sup->Scale(4);
  EXPECT_EQ(sup->instances(), 4);
  ASSERT_EQ(host.spawned.size(), 4u);
  EXPECT_EQ(host.spawned[2].slot, 2);
  EXPECT_EQ(host.spawned[3].slot, 3);
  WorkerId w2 = In(2), w3 = In(3);
  sup->Scale(2);
  EXPECT_EQ(sup->instances(), 2);
  EXPECT_TRUE(host.WasDisconnected(w2));
  EXPECT_TRUE(host.WasDisconnected(w3));
  EXPECT_FALSE(host.WasDisconnected(In(0)));
  sup->OnExit(w2, {.code = 0});
  EXPECT_EQ(host.spawned.size(), 4u);  // a retired worker is not respawned
}

TEST_F(SupervisorTest, StopAsksEveryoneToLeaveAndFinishesWhenTheLastExits) {
  Make(2);
  Serve(In(0));
  Serve(In(1));
  bool stopped = false;
  sup->Stop([&](Status s) { stopped = s.ok(); });
  EXPECT_TRUE(host.WasDisconnected(In(0)));
  EXPECT_TRUE(host.WasDisconnected(In(1)));
  sup->OnExit(In(0), {.code = 0});
  EXPECT_FALSE(stopped);
  host.Advance(Millis(5000));
  EXPECT_TRUE(host.WasKilled(In(1), SIGKILL));
  sup->OnExit(In(1), {.code = 0, .signal = SIGKILL});
  EXPECT_TRUE(stopped);
  EXPECT_EQ(host.spawned.size(), 2u);  // no respawn while stopping
}

TEST_F(SupervisorTest, StopDuringAReloadFailsTheReloadAndStopsTheIncomingWorkerToo) {
  Make(1);
  Serve(In(0));
  std::vector<Status> reload;
  sup->Reload([&](Status s) { reload.push_back(s); });
  WorkerId incoming = In(0);
  bool stopped = false;
  sup->Stop([&](Status) { stopped = true; });
  ASSERT_EQ(reload.size(), 1u);
  EXPECT_FALSE(reload[0].ok());
  EXPECT_TRUE(host.WasDisconnected(incoming));
  for (auto& w : sup->Workers()) sup->OnExit(w.id, {.code = 0});
  EXPECT_TRUE(stopped);
}

TEST_F(SupervisorTest, ReloadAfterStopIsRefused) {
  Make(1);
  sup->Stop([](Status) {});
  Status got = Status::Ok();
  sup->Reload([&](Status s) { got = s; });
  EXPECT_FALSE(got.ok());
}

}  // namespace
}  // namespace cohort
