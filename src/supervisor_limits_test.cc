// The Supervisor's limits: max_memory_restart (a rolling replacement of one
// slot) and the crash-loop limit (max_restarts unstable restarts, then errored).
#include <signal.h>

#include <gtest/gtest.h>

#include "supervisor_fixture.h"

namespace cohort {
namespace {

constexpr uint64_t kMB = 1 << 20;

class MemoryLimit : public SupervisorTest {
 protected:
  void SetUp() override {
    SupervisorOptions o;
    o.max_memory = 100 * kMB;
    Make(2, o);
    Serve(In(0));
    Serve(In(1));
    old0 = In(0);
    old1 = In(1);
  }
  WorkerId old0 = 0, old1 = 0;
};

TEST_F(MemoryLimit, AWorkerOverTheLimitIsReplacedAndLeavesOnlyOnceTheNewOneIsReady) {
  sup->OnMemorySample(old0, 150 * kMB);
  ASSERT_EQ(host.spawned.size(), 3u);
  WorkerId new0 = In(0);
  EXPECT_EQ(host.spawned.back().slot, 0);
  EXPECT_TRUE(LogHas("resident memory 150.0 MB is over max_memory_restart 100.0 MB; replacing it"));
  sup->OnOnline(new0);
  EXPECT_FALSE(host.WasDisconnected(old0));  // no gap: the old one serves until the new one listens
  sup->OnListening(new0, kHttp);
  EXPECT_TRUE(host.WasDisconnected(old0));
  EXPECT_FALSE(host.WasDisconnected(old1));
  EXPECT_EQ(host.spawned.size(), 3u);  // only the slot over the limit
  EXPECT_EQ(sup->Slots()[0].memory_restarts, 1);
  EXPECT_EQ(sup->Slots()[0].restarts, 1);
  EXPECT_EQ(sup->Slots()[1].memory_restarts, 0);
  EXPECT_EQ(sup->reloads_succeeded(), 0u);  // not a reload
  EXPECT_FALSE(sup->reloading());
}

TEST_F(MemoryLimit, UnderTheLimitNothingHappens) {
  sup->OnMemorySample(old0, 100 * kMB);
  sup->OnMemorySample(old1, 1 * kMB);
  EXPECT_EQ(host.spawned.size(), 2u);
}

TEST(MemoryLimitOff, WithoutALimitNoSampleReplacesAWorker) {
  FakeWorkerHost host;
  Supervisor sup(SupervisorOptions{}, &host, nullptr);
  sup.Start(nullptr);
  sup.OnOnline(*host.LastIn(0));
  sup.OnListening(*host.LastIn(0), kHttp);
  sup.OnMemorySample(*host.LastIn(0), 64ull << 30);
  EXPECT_EQ(host.spawned.size(), 1u);
}

TEST_F(MemoryLimit, OneReplacementAtATimeAndNoneForAWorkerThatIsNotServingYet) {
  sup->OnMemorySample(old0, 150 * kMB);
  WorkerId new0 = In(0);
  sup->OnMemorySample(old0, 160 * kMB);  // again: already being replaced
  sup->OnMemorySample(old1, 150 * kMB);  // the other slot waits its turn
  sup->OnMemorySample(new0, 150 * kMB);  // still starting
  EXPECT_EQ(host.spawned.size(), 3u);
  Serve(new0);
  sup->OnMemorySample(old1, 150 * kMB);
  ASSERT_EQ(host.spawned.size(), 4u);
  EXPECT_EQ(host.spawned.back().slot, 1);
}

TEST_F(MemoryLimit, AReplacementThatNeverBecomesReadyIsKilledAndRetriedAfterReadyTimeout) {
  sup->OnMemorySample(old0, 150 * kMB);
  WorkerId new0 = In(0);
  sup->OnOnline(new0);
  host.Advance(Millis(10000));
  EXPECT_TRUE(host.WasKilled(new0, SIGKILL));
  EXPECT_FALSE(host.WasDisconnected(old0));
  EXPECT_TRUE(LogHas("memory replacement aborted"));
  sup->OnExit(new0, {.code = 0, .signal = SIGKILL});
  sup->OnMemorySample(old0, 150 * kMB);
  EXPECT_EQ(host.spawned.size(), 3u);  // not in a tight loop
  host.Advance(Millis(10000));
  sup->OnMemorySample(old0, 150 * kMB);
  EXPECT_EQ(host.spawned.size(), 4u);
  EXPECT_EQ(sup->reloads_failed(), 0u);
}

TEST_F(MemoryLimit, AReloadRequestedDuringAReplacementRunsAfterIt) {
  sup->OnMemorySample(old0, 150 * kMB);
  std::vector<Status> outcomes;
  sup->Reload([&](Status s) { outcomes.push_back(s); });
  EXPECT_EQ(host.spawned.size(), 3u);
  Serve(In(0));  // the replacement is done; the reload starts
  ASSERT_EQ(host.spawned.size(), 4u);
  EXPECT_EQ(host.spawned.back().slot, 0);
  Serve(In(0));
  Serve(In(1));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
}

TEST_F(MemoryLimit, TheOldWorkerCrashingDuringItsReplacementLeavesTheSlotToTheNewOne) {
  sup->OnMemorySample(old0, 150 * kMB);
  sup->OnExit(old0, {.code = 0, .signal = SIGKILL});  // the kernel's OOM killer was faster
  EXPECT_EQ(host.spawned.size(), 3u);
  Serve(In(0));
  EXPECT_EQ(host.spawned.size(), 3u);
  EXPECT_EQ(StateOf(In(0)), WorkerState::kReady);
}

class CrashLoop : public SupervisorTest {
 protected:
  void Start(int instances, int max_restarts, Millis min_uptime = Millis(1000)) {
    SupervisorOptions o;
    o.max_restarts = max_restarts;
    o.backoff.min_uptime = min_uptime;
    Make(instances, o);
    sup->on_errored = [this](const std::string& why) { errored.push_back(why); };
    for (int s = 0; s < instances; ++s) Serve(In(s));  // ready once: exits are respawned
  }
  // The slot's worker exits soon after it started; backoff timers run.
  void ExitSoon(int slot, Millis lived = Millis(0)) {
    host.Advance(lived);
    sup->OnExit(In(slot), {.code = 1});
    host.Advance(Millis(500));  // longer than the first backoff delays, shorter than min_uptime
  }
  std::vector<std::string> errored;
};

TEST_F(CrashLoop, AfterMaxRestartsUnstableRestartsTheAppIsErroredAndNotRespawned) {
  Start(1, 3);
  for (int i = 0; i < 3; ++i) ExitSoon(0);
  EXPECT_EQ(host.spawned.size(), 4u);  // three restarts
  EXPECT_TRUE(errored.empty());
  ExitSoon(0);  // the fourth unstable exit
  EXPECT_EQ(host.spawned.size(), 4u);
  ASSERT_EQ(errored.size(), 1u);
  EXPECT_NE(errored[0].find("crash loop: 3 unstable restart(s) in a row"), std::string::npos) << errored[0];
  EXPECT_NE(errored[0].find("exited with code 1"), std::string::npos) << errored[0];
  ASSERT_TRUE(sup->errored());
  EXPECT_FALSE(sup->Slots()[0].errored.empty());
  EXPECT_FALSE(sup->Slots()[0].waiting);
  EXPECT_EQ(sup->Slots()[0].restarts, 3);
  host.Advance(Millis(600000));
  EXPECT_EQ(host.spawned.size(), 4u);
  EXPECT_EQ(host.pending_timers(), 0u);
}

TEST_F(CrashLoop, BackoffStillDelaysTheRestartsBeforeTheLimit) {
  Start(1, 16);
  sup->OnExit(In(0), {.code = 1});  // unstable #1: at once
  EXPECT_EQ(host.spawned.size(), 2u);
  sup->OnExit(In(0), {.code = 1});  // #2: 100 ms later
  EXPECT_EQ(host.spawned.size(), 2u);
  EXPECT_TRUE(sup->Slots()[0].waiting);
  host.Advance(Millis(100));
  EXPECT_EQ(host.spawned.size(), 3u);
  EXPECT_EQ(sup->Slots()[0].unstable, 2);
}

TEST_F(CrashLoop, AStableRunInBetweenResetsTheCount) {
  Start(1, 3);
  for (int i = 0; i < 3; ++i) ExitSoon(0);
  ExitSoon(0, Millis(5000));  // lived 5 s: stable
  EXPECT_EQ(sup->Slots()[0].unstable, 0);
  for (int i = 0; i < 3; ++i) ExitSoon(0);
  EXPECT_FALSE(sup->errored());
  EXPECT_EQ(host.spawned.size(), 8u);
}

TEST_F(CrashLoop, MinUptimeDecidesWhichExitsAreUnstable) {
  Start(1, 2, Millis(10000));
  for (int i = 0; i < 3; ++i) ExitSoon(0, Millis(3000));  // 3 s lives are short of 10 s
  EXPECT_TRUE(sup->errored());
  EXPECT_EQ(host.spawned.size(), 3u);
}

TEST_F(CrashLoop, OneErroredSlotDoesNotMakeTheAppErroredWhileOthersServe) {
  Start(2, 1);
  ExitSoon(1);
  ExitSoon(1);
  EXPECT_FALSE(sup->Slots()[1].errored.empty());
  EXPECT_TRUE(sup->Slots()[0].errored.empty());
  EXPECT_FALSE(sup->errored());
  EXPECT_TRUE(errored.empty());
  EXPECT_EQ(StateOf(In(0)), WorkerState::kReady);
}

TEST_F(CrashLoop, AReloadBringsErroredSlotsBackWithAFreshCount) {
  Start(2, 1, Millis(10000));
  ExitSoon(0);
  ExitSoon(0);
  ExitSoon(1);
  ExitSoon(1);
  ASSERT_TRUE(sup->errored());
  size_t spawned = host.spawned.size();
  std::vector<Status> outcomes;
  sup->Reload([&](Status s) { outcomes.push_back(s); });
  ASSERT_EQ(host.spawned.size(), spawned + 1);
  Serve(In(0));  // nothing served before: listening on anything is ready
  Serve(In(1));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_FALSE(sup->errored());
  EXPECT_TRUE(sup->Slots()[0].errored.empty());
  EXPECT_EQ(sup->Slots()[0].unstable, 0);
  ExitSoon(0);  // counted from zero again: restarted
  EXPECT_EQ(host.spawned.size(), spawned + 3);
}

TEST_F(CrashLoop, AReloadWhoseWorkerCrashesLeavesTheSlotErrored) {
  Start(1, 0);
  ExitSoon(0);
  ASSERT_TRUE(sup->errored());
  std::vector<Status> outcomes;
  sup->Reload([&](Status s) { outcomes.push_back(s); });
  sup->OnExit(In(0), {.code = 1});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(outcomes[0].ok());
  EXPECT_TRUE(sup->errored());
  size_t spawned = host.spawned.size();
  host.Advance(Millis(60000));
  EXPECT_EQ(host.spawned.size(), spawned);
}

}  // namespace
}  // namespace cohort
