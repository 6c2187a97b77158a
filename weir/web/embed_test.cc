#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "weir/web/embedded_file.h"

namespace weir::web {
namespace {

using namespace std::string_view_literals;

std::string ReadTestdata(const std::string& path) {
  std::ifstream in(std::string(WEIR_SOURCE_DIR) + "/weir/web/testdata/" + path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(EmbeddedFileTest, HtmlWithNonAsciiText) {
  std::optional<EmbeddedFile> file = FindEmbeddedFile("index.html");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(file->content, ReadTestdata("index.html"));
  EXPECT_EQ(file->content.size(), 78u);
  EXPECT_NE(file->content.find("caf\xc3\xa9 \xe2\x9c\x93"), std::string_view::npos);
  EXPECT_EQ(file->content.data()[file->content.size()], '\0');
}

TEST(EmbeddedFileTest, PngWithNulBytesInASubfolder) {
  std::optional<EmbeddedFile> file = FindEmbeddedFile("img/dot.png");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->content_type, "image/png");
  EXPECT_EQ(file->content, ReadTestdata("img/dot.png"));
  ASSERT_EQ(file->content.size(), 70u);
  EXPECT_EQ(file->content.substr(0, 16), "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"sv);
  EXPECT_EQ(file->content.substr(62), "IEND\xae\x42\x60\x82"sv);
}

TEST(EmbeddedFileTest, EmptyFile) {
  std::optional<EmbeddedFile> file = FindEmbeddedFile("empty.txt");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->content_type, "text/plain; charset=utf-8");
  EXPECT_TRUE(file->content.empty());
  ASSERT_NE(file->content.data(), nullptr);
  EXPECT_EQ(file->content.data()[0], '\0');
}

TEST(EmbeddedFileTest, OnlyExactPathsAreFound) {
  EXPECT_FALSE(FindEmbeddedFile("").has_value());
  EXPECT_FALSE(FindEmbeddedFile("/index.html").has_value());
  EXPECT_FALSE(FindEmbeddedFile("INDEX.HTML").has_value());
  EXPECT_FALSE(FindEmbeddedFile("img").has_value());
  EXPECT_FALSE(FindEmbeddedFile("img/../index.html").has_value());
  EXPECT_FALSE(FindEmbeddedFile("index.html\0"sv).has_value());
  EXPECT_FALSE(FindEmbeddedFile("zzz.js").has_value());
}

}  // namespace
}  // namespace weir::web
