#include "weir/base/strings.h"

#include "gtest/gtest.h"

namespace weir {
namespace {

TEST(PercentEncodingTest, RoundTripsRunIdsAndPasswords) {
  EXPECT_EQ(PercentEncode("manual__2026-11-26T15:04:05.123Z"),
            "manual__2026-11-26T15%3A04%3A05.123Z");
  EXPECT_EQ(PercentEncode("p@ss w/rd"), "p%40ss%20w%2Frd");
  EXPECT_EQ(PercentEncode("caf\xc3\xa9"), "caf%C3%A9");
  for (std::string_view text : {"manual__2026-11-26T15:04:05Z", "a b+c%", "\x01\xff", ""}) {
    EXPECT_EQ(PercentDecode(PercentEncode(text)), text);
  }
  EXPECT_EQ(PercentDecode("a+b%3a%3A"), "a+b::");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
}

}  // namespace
}  // namespace weir
