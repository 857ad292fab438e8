#include "ip_address.h"

#include <gtest/gtest.h>

namespace cohort {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamiliesAndFoldsMappedV4) {
  EXPECT_EQ(ParseIpAddress("10.1.2.3")->ToString(), "10.1.2.3");
  EXPECT_EQ(ParseIpAddress("::ffff:10.1.2.3")->ToString(), "10.1.2.3");
  EXPECT_EQ(*ParseIpAddress("::ffff:10.1.2.3"), *ParseIpAddress("10.1.2.3"));
  EXPECT_EQ(ParseIpAddress("[2001:DB8:0:0::1]")->ToString(), "2001:db8::1");
  EXPECT_FALSE(ParseIpAddress("10.1.2.3").value().ToString().empty());
  EXPECT_TRUE(ParseIpAddress("10.1.2.3")->is_v4());
  EXPECT_FALSE(ParseIpAddress("::1")->is_v4());
}

TEST(IpAddress, RejectsWhatIsNotAnAddress) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4:80", "example.com", "::g", "[::1", "1.2.3.4 "}) {
    EXPECT_FALSE(ParseIpAddress(bad)) << bad;
  }
}

TEST(AddressSet, MatchesAddressesAndBlocks) {
  auto set = AddressSet::Parse("127.0.0.1, 10.0.0.0/8,2001:db8::/32");
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_TRUE(set->Contains(*ParseIpAddress("127.0.0.1")));
  EXPECT_FALSE(set->Contains(*ParseIpAddress("127.0.0.2")));
  EXPECT_TRUE(set->Contains(*ParseIpAddress("10.200.3.4")));
  EXPECT_FALSE(set->Contains(*ParseIpAddress("11.0.0.1")));
  EXPECT_TRUE(set->Contains(*ParseIpAddress("2001:db8:ffff::7")));
  EXPECT_FALSE(set->Contains(*ParseIpAddress("2001:db9::7")));
  // A v4 block never matches a v6 address outside the mapped range.
  EXPECT_FALSE(set->Contains(*ParseIpAddress("::a00:1")));
}

TEST(AddressSet, OddPrefixLengthsMaskWithinAByte) {
  auto set = AddressSet::Parse("192.168.4.0/22");
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->Contains(*ParseIpAddress("192.168.7.255")));
  EXPECT_FALSE(set->Contains(*ParseIpAddress("192.168.8.0")));
  EXPECT_FALSE(set->Contains(*ParseIpAddress("192.168.3.255")));
}

TEST(AddressSet, LoopbackCoversBothFamilies) {
  auto set = AddressSet::Parse("loopback");
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->Contains(*ParseIpAddress("127.9.9.9")));
  EXPECT_TRUE(set->Contains(*ParseIpAddress("::1")));
  EXPECT_FALSE(set->Contains(*ParseIpAddress("128.0.0.1")));
}

TEST(AddressSet, ErrorsNameTheBadEntry) {
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8x", "localhost"}) {
    auto set = AddressSet::Parse(std::string("127.0.0.1,") + bad);
    if (std::string(bad).empty()) continue;  // a trailing comma alone is tolerated
    ASSERT_FALSE(set.ok()) << bad;
    EXPECT_NE(set.status().message().find(bad), std::string::npos) << set.status().message();
  }
  EXPECT_FALSE(AddressSet::Parse("").ok());
}

}  // namespace
}  // namespace cohort
