#include "node_preload.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "drain_hook.h"
#include "sticky_cookie_hook.h"

namespace cohort {
namespace {

class NodePreloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cohort-preload-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    home_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string home_;
};

TEST_F(NodePreloadTest, WritesTheSourceOwnerOnlyUnderLib) {
  Result<std::string> path = InstallNodePreload(home_, "drain", DrainHookSource());
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(path->rfind(home_ + "/lib/drain-", 0), 0u) << *path;
  EXPECT_TRUE(path->ends_with(".cjs"));
  EXPECT_EQ(Read(*path), DrainHookSource());
  struct stat st;
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((home_ + "/lib").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(NodePreloadTest, SameContentSamePathOtherContentOtherPath) {
  Result<std::string> a = InstallNodePreload(home_, "hook", "one");
  Result<std::string> again = InstallNodePreload(home_, "hook", "one");
  Result<std::string> b = InstallNodePreload(home_, "hook", "two");
  ASSERT_TRUE(a.ok() && again.ok() && b.ok());
  EXPECT_EQ(*a, *again);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(Read(*a), "one");
  EXPECT_EQ(Read(*b), "two");
  // Nothing left behind but the two hooks.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(home_ + "/lib"), {}), 2);
}

TEST_F(NodePreloadTest, AnUnwritableHomeIsAnErrorNamingThePath) {
  Result<std::string> r = InstallNodePreload(home_ + "/missing", "sticky-cookie", StickyCookieHookSource());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(home_ + "/missing/lib"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace cohort
