#include "weir/base/utf8.h"

#include "gtest/gtest.h"

namespace weir::base {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_EQ(FindInvalidUtf8(""), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("plain ascii text that is long"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("Zoë, 東京, 🚕"), std::string_view::npos);
}

TEST(Utf8Test, FindsTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("abc\xff"), 3u);
  EXPECT_EQ(FindInvalidUtf8("abcdefghij\xc3"), 10u);   // Truncated sequence.
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);          // Overlong '/'.
  EXPECT_EQ(FindInvalidUtf8("ok \xed\xa0\x80"), 3u);   // UTF-16 surrogate.
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // Above U+10FFFF.
  EXPECT_EQ(FindInvalidUtf8("\xe6\x9d\xb1\x80"), 3u);  // Stray continuation byte.
}

}  // namespace
}  // namespace weir::base
