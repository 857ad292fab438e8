#include "systemd_unit.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

StartupSpec Spec(bool system) {
  return {.system = system,
          .user = "alice",
          .cohort_bin = "/usr/local/bin/cohort",
          .home = "/home/alice/.cohort",
          .path_env = "/home/alice/.nvm/versions/node/v20/bin:/usr/bin:/bin"};
}

TEST(SystemdUnit, SystemUnitRunsTheDaemonAsTheUserThenResurrects) {
  std::string u = SystemdUnit(Spec(true));
  for (const char* line :
       {"[Service]\n", "Type=notify\n", "User=alice\n", "Environment=COHORT_HOME=/home/alice/.cohort\n",
        "Environment=PATH=/home/alice/.nvm/versions/node/v20/bin:/usr/bin:/bin\n",
        "ExecStart=/usr/local/bin/cohort daemon\n", "ExecStartPost=-/usr/local/bin/cohort resurrect\n",
        "ExecStop=/usr/local/bin/cohort kill\n", "KillMode=mixed\n", "WantedBy=multi-user.target\n",
        "After=network-online.target\n"}) {
    EXPECT_NE(u.find(line), std::string::npos) << line << u;
  }
  EXPECT_EQ(SystemdUnitName(Spec(true)), "cohort-alice.service");
  EXPECT_EQ(SystemdUnitPath(Spec(true), "/home/alice"), "/etc/systemd/system/cohort-alice.service");
}

TEST(SystemdUnit, UserUnitHasNoUserLineAndStartsWithTheUserManager) {
  std::string u = SystemdUnit(Spec(false));
  EXPECT_EQ(u.find("User="), std::string::npos);
  EXPECT_EQ(u.find("network-online"), std::string::npos) << "a user manager cannot order against system targets";
  EXPECT_NE(u.find("WantedBy=default.target\n"), std::string::npos);
  EXPECT_EQ(SystemdUnitPath(Spec(false), "/home/alice"), "/home/alice/.config/systemd/user/cohort.service");
}

TEST(SystemdUnit, QuotesWhatSystemdWouldOtherwiseExpand) {
  EXPECT_EQ(SystemdQuote("/usr/bin/cohort"), "/usr/bin/cohort");
  EXPECT_EQ(SystemdQuote("/opt/my apps/cohort"), "\"/opt/my apps/cohort\"");
  EXPECT_EQ(SystemdQuote("PATH=/a%b:$HOME"), "PATH=/a%%b:$$HOME");
  EXPECT_EQ(SystemdQuote("X=say \"hi\""), "\"X=say \\\"hi\\\"\"");
  StartupSpec s = Spec(false);
  s.home = "/home/al ice/.cohort";
  EXPECT_NE(SystemdUnit(s).find("Environment=\"COHORT_HOME=/home/al ice/.cohort\"\n"), std::string::npos);
}

}  // namespace
}  // namespace cohort
