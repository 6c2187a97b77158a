// Dataset statistics as TFDV computes them, from RecordBatches, with mergeable accumulators:
// shards are accumulated separately (on threads, or on machines, since the state serializes) and
// merged, and the merged statistics equal those of a single pass (counts, extremes, unique values
// and top values exactly; means and standard deviations up to floating-point summation order;
// medians and quantiles within the sketch's rank error).
#ifndef WEIR_STATS_STATISTICS_H_
#define WEIR_STATS_STATISTICS_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "weir/base/allocator.h"
#include "weir/base/hashing.h"
#include "weir/data/record_batch.h"
#include "weir/proto/statistics.pb.h"
#include "weir/stats/quantile_sketch.h"

namespace weir::stats {

namespace tfmd = ::tensorflow::metadata::v0;

// "a.b" for path {step: "a" step: "b"}: how TFDV names a feature in anomalies and tables.
std::string PathName(const tfmd::Path& path);
// The feature's path as a name, or its legacy `name` field.
std::string FeatureName(const tfmd::FeatureNameStatistics& feature);
// The feature's common statistics, whichever kind of statistics it has; nullptr if none.
const tfmd::CommonStatistics* CommonStatisticsOf(const tfmd::FeatureNameStatistics& feature);

struct StatsOptions {
  int num_top_values = 20;                // StringStatistics.top_values.
  int num_rank_histogram_buckets = 1000;  // StringStatistics.rank_histogram.
  int num_histogram_buckets = 10;         // The STANDARD (equal-width) histogram.
  int num_quantiles_histogram_buckets = 10;
  int num_values_histogram_buckets = 10;  // CommonStatistics.num_values_histogram.
};

// One feature over rows that hold at most one value each (CSV cells), tallied without building a
// column: what FeatureAccumulator needs of them.
struct ScalarTally {
  // XXH3 rather than absl's default, which for string_view goes through std::hash (murmur):
  // hashing the cells is a visible part of tallying a CSV.
  struct ValueHash {
    size_t operator()(std::string_view value) const { return base::Xxh3(value); }
  };

  data::DataType type = data::DataType::kNull;
  uint64_t missing_rows = 0;  // Rows without the feature (no kind).
  uint64_t empty_rows = 0;    // Rows with an empty list of values.
  // kInt64 and kFloat: the value of each row that has one. resize() does not zero-fill, so a
  // tallier can size it for every row, write through data() and shrink it to what it wrote.
  std::vector<double, base::DefaultInitAllocator<double>> numbers;
  absl::flat_hash_map<std::string_view, uint64_t, ValueHash>
      strings;  // kBytes: value -> rows with it.
};

// Everything needed to compute one feature's statistics.
class FeatureAccumulator {
 public:
  // Adds every row of `column`. Fails if the column's type differs from what was seen before.
  absl::Status Add(const data::Column& column);
  // Adds the tallied rows; the same statistics as adding them as a column.
  absl::Status Add(ScalarTally&& tally, std::string_view name);
  // Adds rows that lack the feature (batches without the column).
  void AddMissing(uint64_t rows) { num_missing_ += rows; }
  absl::Status Merge(const FeatureAccumulator& other);
  tfmd::FeatureNameStatistics ToProto(const std::string& name, const StatsOptions& options) const;
  data::DataType type() const { return type_; }

  void Serialize(std::string* out) const;
  static absl::StatusOr<FeatureAccumulator> Deserialize(std::string_view* in);

 private:
  absl::Status SetType(data::DataType type, std::string_view name);
  // `rows` present rows of `values_per_row` values each.
  void AddPresentRows(uint64_t values_per_row, uint64_t rows);
  // NaNs are counted and moved out of the way (`values` is reordered).
  void AddNumbers(std::span<double> values);
  void AddString(std::string_view value, uint64_t rows);
  void FillCommon(tfmd::CommonStatistics* common, const StatsOptions& options) const;

  data::DataType type_ = data::DataType::kNull;
  // Presence and value counts.
  uint64_t num_non_missing_ = 0;
  uint64_t num_missing_ = 0;
  uint64_t min_num_values_ = 0;
  uint64_t max_num_values_ = 0;
  uint64_t total_num_values_ = 0;
  std::map<uint64_t, uint64_t> num_values_counts_;  // Values per present row -> rows (exact).
  // Numbers (int64 and float): over the values as stored.
  uint64_t num_nan_ = 0;
  uint64_t num_zeros_ = 0;
  // Count, mean and sum of squared deviations of the non-NaN values, merged with Chan et al.'s
  // pairwise update: stable for values far from zero (timestamps), unlike sum and sum of squares.
  uint64_t moment_count_ = 0;
  double mean_ = 0;
  double m2_ = 0;
  void MergeMoments(uint64_t count, double mean, double m2);
  QuantileSketch values_;
  // Strings (bytes).
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>> string_counts_;
  uint64_t total_string_length_ = 0;
  uint64_t invalid_utf8_count_ = 0;
};

// Statistics of one dataset (one split): every feature seen in any batch.
class DatasetAccumulator {
 public:
  absl::Status Add(const data::RecordBatch& batch);
  // `rows` rows with the features `names`, tallied (tallies[i] for names[i]).
  absl::Status Add(std::span<const std::string> names, std::vector<ScalarTally>&& tallies,
                   uint64_t rows);
  absl::Status Merge(const DatasetAccumulator& other);
  uint64_t num_examples() const { return num_examples_; }
  // Features are listed by name.
  tfmd::DatasetFeatureStatistics ToProto(const std::string& name,
                                         const StatsOptions& options) const;

  std::string Serialize() const;
  static absl::StatusOr<DatasetAccumulator> Deserialize(std::string_view bytes);

 private:
  // The feature's accumulator, made (with the earlier examples counted as missing) if new.
  FeatureAccumulator& Feature(const std::string& name);
  // Counts `rows` more examples, as missing for features that `has` says they lack.
  template <typename Has>
  void CountExamples(uint64_t rows, size_t features_present, Has has);

  uint64_t num_examples_ = 0;
  std::map<std::string, FeatureAccumulator> features_;
};

}  // namespace weir::stats

#endif  // WEIR_STATS_STATISTICS_H_
