#include "weir/stats/quantile_sketch.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "gtest/gtest.h"

namespace weir::stats {
namespace {

// The largest distance, as a fraction of n, between the rank the sketch gives a quantile and the
// rank it should have.
double MaxRankError(const QuantileSketch& sketch, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  double worst = 0;
  for (int i = 1; i < 100; ++i) {
    double q = i / 100.0;
    double estimate = sketch.Quantile(q);
    auto lo = std::lower_bound(values.begin(), values.end(), estimate) - values.begin();
    auto hi = std::upper_bound(values.begin(), values.end(), estimate) - values.begin();
    double target = q * static_cast<double>(values.size());
    double error = 0;
    if (target < lo) error = static_cast<double>(lo) - target;
    if (target > hi) error = target - static_cast<double>(hi);
    worst = std::max(worst, error / static_cast<double>(values.size()));
  }
  return worst;
}

TEST(QuantileSketchTest, RankErrorWithinOnePercentOnSkewedData) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> lognormal(1.0, 1.5);
  std::vector<double> values;
  QuantileSketch sketch;
  for (int i = 0; i < 1000000; ++i) {
    double v = lognormal(rng);
    values.push_back(v);
    sketch.Add(v);
  }
  EXPECT_EQ(sketch.count(), 1000000u);
  EXPECT_LT(MaxRankError(sketch, values), 0.01);
  EXPECT_EQ(sketch.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(sketch.max(), *std::max_element(values.begin(), values.end()));
}

TEST(QuantileSketchTest, MergedShardsKeepTheBound) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> dist(0, 100000);  // Many ties, too many values to count.
  std::vector<double> values;
  QuantileSketch merged;
  for (int shard = 0; shard < 16; ++shard) {
    QuantileSketch part;
    for (int i = 0; i < 50000; ++i) {
      double v = dist(rng);
      values.push_back(v);
      part.Add(v);
    }
    // Through serialization, as shards from other machines would arrive.
    auto restored = QuantileSketch::Deserialize(part.Serialize());
    ASSERT_TRUE(restored.ok());
    merged.Merge(*restored);
  }
  EXPECT_EQ(merged.count(), values.size());
  EXPECT_LT(MaxRankError(merged, values), 0.01);
}

TEST(QuantileSketchTest, SmallInputsAreExact) {
  QuantileSketch sketch;
  for (double v : {5.0, 1.0, 3.0, 2.0, 4.0}) sketch.Add(v);
  EXPECT_EQ(sketch.Quantile(0.5), 3.0);
  EXPECT_EQ(sketch.Quantile(0), 1.0);
  EXPECT_EQ(sketch.Quantile(1), 5.0);
  EXPECT_EQ(sketch.CountAtMost(2.5), 2.0);
  EXPECT_EQ(sketch.EvenQuantiles(5), (std::vector<double>{1, 2, 3, 4}));
}

TEST(QuantileSketchTest, FewDistinctValuesAreCountedExactly) {
  QuantileSketch sketch;
  std::vector<double> values;
  for (int i = 0; i < 100000; ++i) {
    double hour = (i * 7919) % 24;
    values.push_back(hour);
    sketch.Add(hour);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.1, 0.25, 0.5, 0.9}) {
    EXPECT_EQ(sketch.Quantile(q), values[static_cast<size_t>(q * values.size()) - 1]) << q;
  }
  EXPECT_EQ(
      sketch.CountAtMost(5),
      static_cast<double>(std::upper_bound(values.begin(), values.end(), 5.0) - values.begin()));
  // Merging with a sketch that has left exact counting keeps every value's weight.
  QuantileSketch many;
  for (int i = 0; i < 5000; ++i) many.Add(1000 + i);
  auto restored = QuantileSketch::Deserialize(sketch.Serialize());
  ASSERT_TRUE(restored.ok());
  restored->Merge(many);
  EXPECT_EQ(restored->count(), 105000u);
  EXPECT_NEAR(restored->CountAtMost(23), 100000, 1000);
  EXPECT_NEAR(restored->Quantile(0.99), 1000 + 5000 * 0.8, 150);
}

// AddAll takes shortcuts (extremes once per call, runs of values appended at once, small integers
// counted in an array); the sketch must be the one that adding the values one by one gives.
TEST(QuantileSketchTest, AddAllEqualsAddingOneByOne) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> fare(2.5, 80.0);
  std::vector<double> fares;  // Many distinct values: exact counting ends, then compactions.
  for (int i = 0; i < 30000; ++i) fares.push_back(i % 97 == 0 ? std::nan("") : fare(random));
  QuantileSketch one_by_one;
  for (double v : fares) one_by_one.Add(v);
  QuantileSketch in_runs;
  size_t start = 0;
  for (size_t run : {1, 7, 500, 1500, 4000}) {
    in_runs.AddAll(std::span<const double>(fares).subspan(start, run));
    start += run;
  }
  in_runs.AddAll(std::span<const double>(fares).subspan(start));
  EXPECT_EQ(in_runs.count(), one_by_one.count());
  EXPECT_EQ(in_runs.Serialize(), one_by_one.Serialize());

  std::vector<double> hours;  // Small integers, with NaNs among them.
  for (int i = 0; i < 5000; ++i) hours.push_back(i % 50 == 0 ? std::nan("") : (i * 7919) % 24);
  QuantileSketch hours_one_by_one;
  for (double v : hours) hours_one_by_one.Add(v);
  QuantileSketch hours_at_once;
  hours_at_once.AddAll(hours);
  EXPECT_EQ(hours_at_once.count(), 4900u);
  EXPECT_EQ(hours_at_once.min(), 0);
  EXPECT_EQ(hours_at_once.max(), 23);
  EXPECT_EQ(hours_at_once.EvenQuantiles(10), hours_one_by_one.EvenQuantiles(10));
  EXPECT_EQ(hours_at_once.CountAtMost(5), hours_one_by_one.CountAtMost(5));
}

TEST(QuantileSketchTest, RejectsCorruptState) {
  EXPECT_FALSE(QuantileSketch::Deserialize("short").ok());
  std::string bytes = QuantileSketch().Serialize();
  EXPECT_FALSE(QuantileSketch::Deserialize(bytes + "x").ok());
}

}  // namespace
}  // namespace weir::stats
