#include "weir/base/bytes.h"

#include <string>

#include "gtest/gtest.h"

namespace weir::base {
namespace {

TEST(BytesTest, CountByteAtEveryLengthAndOffset) {
  std::string data;
  for (int i = 0; i < 200; ++i) data.push_back(i % 3 == 0 ? '"' : 'x');
  for (size_t start = 0; start < 40; ++start) {
    for (size_t length = 0; start + length <= data.size(); length += 7) {
      std::string_view piece(data.data() + start, length);
      size_t expected = 0;
      for (char c : piece) expected += c == '"';
      ASSERT_EQ(CountByte(piece, '"'), expected) << start << " " << length;
    }
  }
}

TEST(BytesTest, HasNonAsciiFindsAHighByteAnywhere) {
  std::string data(100, 'a');
  EXPECT_FALSE(HasNonAscii(data));
  for (size_t i = 0; i < data.size(); ++i) {
    std::string copy = data;
    copy[i] = '\xc3';
    ASSERT_TRUE(HasNonAscii(copy)) << i;
  }
  EXPECT_FALSE(HasNonAscii(""));
}

}  // namespace
}  // namespace weir::base
