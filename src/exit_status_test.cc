#include "exit_status.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(ParseSignal, TakesNamesWithOrWithoutSigInAnyCaseAndNumbers) {
  EXPECT_EQ(*ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("QUIT"), SIGQUIT);
  EXPECT_EQ(*ParseSignal("sigint"), SIGINT);
  EXPECT_EQ(*ParseSignal("usr1"), SIGUSR1);
  EXPECT_EQ(*ParseSignal("9"), SIGKILL);
}

TEST(ParseSignal, RefusesUnknownNamesAndNumbersOutOfRangeQuotingThem) {
  for (const char* bad : {"", "SIG", "TERMINATE", "0", "-1", "65", "15x"}) {
    Result<int> r = ParseSignal(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos) << r.status().message();
  }
}

TEST(ParseSignal, NamesRoundTrip) {
  for (int sig : {SIGTERM, SIGQUIT, SIGHUP, SIGWINCH}) EXPECT_EQ(*ParseSignal(SignalName(sig)), sig);
}

}  // namespace
}  // namespace cohort
