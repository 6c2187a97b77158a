#include "weir/components/example_gen/input_spans.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/test_dirs.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A folder holding an empty file at each relative path.
fs::path MakeTree(const std::string& name, const std::vector<std::string>& files) {
  fs::path root = base::FreshTestDir("input_spans_test/" + name);
  for (const std::string& file : files) {
    fs::create_directories((root / file).parent_path());
    EXPECT_TRUE(base::WriteFileAtomically(root / file, "a\n1\n").ok());
  }
  return root;
}

std::vector<std::string> Relative(const fs::path& root, const SelectedSplit& split) {
  std::vector<std::string> names;
  for (const fs::path& file : split.files) names.push_back(fs::relative(file, root).string());
  return names;
}

TEST(InputSpansTest, DatesCountDaysFromTheEpochAsTfxDoes) {
  EXPECT_EQ(*DateToSpan(1970, 1, 1), 0);
  EXPECT_EQ(*DateToSpan(1969, 12, 31), -1);
  EXPECT_EQ(*DateToSpan(2000, 3, 1), 11017);
  EXPECT_EQ(*DateToSpan(2019, 1, 2), 17898);  // TFX's own test value.
  EXPECT_EQ(*DateToSpan(2024, 2, 29), 19782);
  EXPECT_EQ(*DateToSpan(2026, 12, 7), 20794);
  EXPECT_FALSE(DateToSpan(2023, 2, 29).ok());
  EXPECT_FALSE(DateToSpan(2026, 13, 1).ok());
  EXPECT_FALSE(DateToSpan(2026, 4, 31).ok());
}

TEST(InputSpansTest, PatternsMayHoldEachSpecOnceAndVersionOnlyBesideASpan) {
  EXPECT_TRUE(ParsePatternSpecs("*").ok());
  EXPECT_FALSE(ParsePatternSpecs("*")->span);
  EXPECT_TRUE(ParsePatternSpecs("span-{SPAN}/v{VERSION:3}/*")->version);
  EXPECT_TRUE(ParsePatternSpecs("{YYYY}{MM}{DD}/*")->date);
  EXPECT_TRUE(ParsePatternSpecs("{not a spec}/*").ok());  // Braces are literal otherwise.
  auto error = [](const std::string& pattern) {
    absl::StatusOr<PatternSpecs> specs = ParsePatternSpecs(pattern);
    EXPECT_FALSE(specs.ok()) << pattern;
    return specs.ok() ? std::string() : std::string(specs.status().message());
  };
  EXPECT_THAT(error("{SPAN}/{YYYY}{MM}{DD}"), HasSubstr("not both"));
  EXPECT_THAT(error("v{VERSION}/*"), HasSubstr("{VERSION} needs {SPAN} or a date"));
  EXPECT_THAT(error("{SPAN}/{SPAN}"), HasSubstr("more than once"));
  EXPECT_THAT(error("{SPAN:0}/*"), HasSubstr("from 1 to 18"));
  EXPECT_THAT(error("{SPAN:x}/*"), HasSubstr("from 1 to 18"));
  EXPECT_THAT(error("{YYYY}-{MM}/*"), HasSubstr("all of {YYYY}, {MM} and {DD}"));
}

TEST(InputSpansTest, TheLatestSpanIsTheLargestNumberAndItsLatestVersion) {
  fs::path root = MakeTree("latest", {"span-1/v1/a.csv", "span-2/v1/a.csv", "span-2/v3/a.csv",
                                      "span-2/v3/b.csv", "span-10/v1/a.csv", "span-10/v2/a.csv",
                                      "span-latest/v9/a.csv", "span-3/notes.txt"});
  auto selected = SelectInputSpan(root, {{"single_split", "span-{SPAN}/v{VERSION}/*.csv"}}, {});
  ASSERT_TRUE(selected.ok()) << selected.status();
  EXPECT_TRUE(selected->has_span);
  EXPECT_EQ(selected->span, 10);  // Numbers, not text: 10 after 2.
  EXPECT_EQ(selected->version, 2);
  ASSERT_EQ(selected->splits.size(), 1u);
  EXPECT_EQ(selected->splits[0].selected_pattern, "span-10/v2/*.csv");
  EXPECT_THAT(Relative(root, selected->splits[0]), ElementsAre("span-10/v2/a.csv"));

  auto span2 = SelectInputSpan(root, {{"single_split", "span-{SPAN}/v{VERSION}/*.csv"}}, 2);
  ASSERT_TRUE(span2.ok()) << span2.status();
  EXPECT_EQ(span2->version, 3);
  EXPECT_THAT(Relative(root, span2->splits[0]), ElementsAre("span-2/v3/a.csv", "span-2/v3/b.csv"));

  auto missing = SelectInputSpan(root, {{"single_split", "span-{SPAN}/v{VERSION}/*.csv"}}, 7);
  ASSERT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("no file of span 7"));
  EXPECT_THAT(missing.status().message(), HasSubstr("spans found: 1, 2, 10"));
}

TEST(InputSpansTest, AWidthMatchesExactlyThatManyDigitsAndKeepsTheZeros) {
  fs::path root = MakeTree("width", {"01/a.csv", "02/a.csv", "3/a.csv", "123/a.csv"});
  auto selected = SelectInputSpan(root, {{"single_split", "{SPAN:2}/*"}}, {});
  ASSERT_TRUE(selected.ok()) << selected.status();
  EXPECT_EQ(selected->span, 2);
  EXPECT_EQ(selected->splits[0].selected_pattern, "02/*");
}

TEST(InputSpansTest, DatesAreSpansCountedInDays) {
  fs::path root = MakeTree("dates", {"2026-12-06/a.csv", "2026-12-07/a.csv", "2026-12-07/b.csv"});
  auto selected = SelectInputSpan(root, {{"single_split", "{YYYY}-{MM}-{DD}/*"}}, {});
  ASSERT_TRUE(selected.ok()) << selected.status();
  EXPECT_EQ(selected->span, 20794);
  EXPECT_EQ(selected->splits[0].selected_pattern, "2026-12-07/*");
  EXPECT_EQ(selected->splits[0].files.size(), 2u);

  fs::path bad = MakeTree("bad_date", {"2026-12-07/a.csv", "2026-02-30/a.csv"});
  auto invalid = SelectInputSpan(bad, {{"single_split", "{YYYY}-{MM}-{DD}/*"}}, {});
  EXPECT_THAT(invalid.status().message(), HasSubstr("2026-02-30/a.csv: the date 2026-2-30"));
}

TEST(InputSpansTest, SplitsMustAgreeOnTheLatestSpan) {
  fs::path root = MakeTree(
      "splits", {"span-1/train/a.csv", "span-1/eval/a.csv", "span-2/train/a.csv", "plain/a.csv"});
  auto selected =
      SelectInputSpan(root, {{"train", "span-{SPAN}/train/*"}, {"eval", "span-{SPAN}/eval/*"}}, {});
  ASSERT_FALSE(selected.ok());
  EXPECT_THAT(selected.status().message(), HasSubstr("'train' has span 2"));
  EXPECT_THAT(selected.status().message(), HasSubstr("'eval' has span 1"));

  auto span1 =
      SelectInputSpan(root, {{"train", "span-{SPAN}/train/*"}, {"eval", "span-{SPAN}/eval/*"}}, 1);
  ASSERT_TRUE(span1.ok()) << span1.status();
  EXPECT_EQ(span1->splits[1].selected_pattern, "span-1/eval/*");

  auto mixed = SelectInputSpan(root, {{"train", "span-{SPAN}/train/*"}, {"eval", "plain/*"}}, {});
  EXPECT_THAT(mixed.status().message(), HasSubstr("must both name a span"));
}

TEST(InputSpansTest, PatternsWithoutSpecsReadSpanZeroAndRefuseASpan) {
  fs::path root = MakeTree("plain", {"b.csv", "a.csv", "sub/c.csv"});
  auto selected = SelectInputSpan(root, {{"single_split", "*"}}, {});
  ASSERT_TRUE(selected.ok()) << selected.status();
  EXPECT_FALSE(selected->has_span);
  EXPECT_EQ(selected->span, 0);
  EXPECT_THAT(Relative(root, selected->splits[0]), ElementsAre("a.csv", "b.csv"));
  EXPECT_THAT(SelectInputSpan(root, {{"single_split", "*"}}, 3).status().message(),
              HasSubstr("has no {SPAN} or {YYYY}{MM}{DD}"));
  EXPECT_TRUE(absl::IsNotFound(SelectInputSpan(root, {{"x", "*.tsv"}}, {}).status()));
  auto unnumbered = SelectInputSpan(root, {{"single_split", "{SPAN}*"}}, {});
  EXPECT_THAT(unnumbered.status().message(), HasSubstr("none has a span number"));
}

TEST(InputSpansTest, GlobCharactersKeepTheirMeaning) {
  fs::path root = MakeTree("glob", {"day.1/a+b.csv", "day.2/x.csv", "dayX3/a.csv"});
  auto selected = SelectInputSpan(root, {{"single_split", "day.{SPAN}/[ax]*.csv"}}, {});
  ASSERT_TRUE(selected.ok()) << selected.status();
  EXPECT_EQ(selected->span, 2);  // "dayX3" does not match the literal '.'.
  auto first = SelectInputSpan(root, {{"single_split", "day.{SPAN}/a+b.csv"}}, {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->span, 1);
}

}  // namespace
}  // namespace weir::components
