#include "weir/validation/distance.h"

#include <cmath>

#include "gtest/gtest.h"

namespace weir::validation {
namespace {

tfmd::StringStatistics Strings(std::vector<std::pair<std::string, double>> counts) {
  tfmd::StringStatistics stats;
  for (const auto& [value, count] : counts) {
    auto* bucket = stats.mutable_rank_histogram()->add_buckets();
    bucket->set_label(value);
    bucket->set_sample_count(count);
  }
  return stats;
}

tfmd::Histogram Histogram(std::vector<std::tuple<double, double, double>> buckets,
                          uint64_t num_nan = 0) {
  tfmd::Histogram histogram;
  histogram.set_num_nan(num_nan);
  for (const auto& [low, high, count] : buckets) {
    auto* bucket = histogram.add_buckets();
    bucket->set_low_value(low);
    bucket->set_high_value(high);
    bucket->set_sample_count(count);
  }
  return histogram;
}

TEST(LInfinityDistance, LargestShareDifferenceOverTheUnionOfValues) {
  // Shares: a 0.5 / 0.25, b 0.5 / 0.25, c 0 / 0.5.
  auto distance = ComputeLInfinityDistance(Strings({{"a", 2}, {"b", 2}}),
                                           Strings({{"a", 1}, {"b", 1}, {"c", 2}}));
  ASSERT_TRUE(distance.has_value());
  EXPECT_DOUBLE_EQ(distance->distance, 0.5);
  EXPECT_EQ(distance->value, "c");
}

TEST(LInfinityDistance, ZeroForProportionalCountsAndUsesTopValuesWithoutRankHistogram) {
  tfmd::StringStatistics top;
  auto* x = top.add_top_values();
  x->set_value("x");
  x->set_frequency(30);
  auto* y = top.add_top_values();
  y->set_value("y");
  y->set_frequency(10);
  auto distance = ComputeLInfinityDistance(top, Strings({{"x", 3}, {"y", 1}}));
  ASSERT_TRUE(distance.has_value());
  EXPECT_DOUBLE_EQ(distance->distance, 0.0);
  EXPECT_FALSE(ComputeLInfinityDistance(tfmd::StringStatistics(), top).has_value());
}

TEST(JensenShannonDivergence, KnownValues) {
  EXPECT_DOUBLE_EQ(*JensenShannonDivergence({1, 1}, {2, 2}), 0.0);
  // Disjoint supports: the maximum, 1 bit.
  EXPECT_DOUBLE_EQ(*JensenShannonDivergence({1, 0}, {0, 1}), 1.0);
  // P = (1/2, 1/2), Q = (1, 0): M = (3/4, 1/4).
  double expected =
      0.5 * (0.5 * std::log2(0.5 / 0.75) + 0.5 * std::log2(0.5 / 0.25)) + 0.5 * std::log2(1 / 0.75);
  EXPECT_NEAR(*JensenShannonDivergence({1, 1}, {1, 0}), expected, 1e-12);
  EXPECT_FALSE(JensenShannonDivergence({0, 0}, {1, 1}).has_value());
}

TEST(HistogramJensenShannonDivergence, RebucketsOntoCommonBoundaries) {
  // Uniform over [0, 10] in one bucket equals uniform over [0, 10] in two halves.
  EXPECT_NEAR(*HistogramJensenShannonDivergence(Histogram({{0, 10, 100}}),
                                                Histogram({{0, 5, 50}, {5, 10, 50}})),
              0.0, 1e-12);
  // [0, 10] against [5, 15]: cells [0,5], [5,10], [10,15] hold (1/2, 1/2, 0) and (0, 1/2, 1/2).
  double shifted =
      *HistogramJensenShannonDivergence(Histogram({{0, 10, 100}}), Histogram({{5, 15, 100}}));
  EXPECT_NEAR(shifted, *JensenShannonDivergence({1, 1, 0}, {0, 1, 1}), 1e-12);
  EXPECT_NEAR(shifted, 0.5, 1e-12);
  // Non-overlapping ranges are as far apart as possible.
  EXPECT_NEAR(*HistogramJensenShannonDivergence(Histogram({{0, 1, 10}}), Histogram({{2, 3, 10}})),
              1.0, 1e-12);
}

TEST(HistogramJensenShannonDivergence, PointBucketsAndNanCells) {
  // A constant feature (one zero-width bucket) against itself, and against another constant.
  EXPECT_NEAR(*HistogramJensenShannonDivergence(Histogram({{3, 3, 5}}), Histogram({{3, 3, 50}})),
              0.0, 1e-12);
  EXPECT_NEAR(*HistogramJensenShannonDivergence(Histogram({{3, 3, 5}}), Histogram({{4, 4, 5}})),
              1.0, 1e-12);
  // Same values, but half of the second dataset's values are NaN: cells (1, 0) and (1, 1).
  EXPECT_NEAR(
      *HistogramJensenShannonDivergence(Histogram({{0, 1, 10}}), Histogram({{0, 1, 10}}, 10)),
      *JensenShannonDivergence({1, 0}, {1, 1}), 1e-12);
  EXPECT_FALSE(
      HistogramJensenShannonDivergence(Histogram({{0, INFINITY, 1}}), Histogram({{0, 1, 1}}))
          .has_value());
  EXPECT_FALSE(HistogramJensenShannonDivergence(Histogram({}), Histogram({{0, 1, 1}})).has_value());
}

}  // namespace
}  // namespace weir::validation
