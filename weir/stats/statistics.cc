#include "weir/stats/statistics.h"

#include <emmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "weir/base/coding.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/base/utf8.h"

namespace weir::stats {

using data::DataType;
using data::Presence;

namespace {

// The sum of f(value) over `values`, in four interleaved partial sums: one running sum is a chain
// of dependent additions, four keep the floating-point unit busy (several times faster).
template <typename F>
double SumOf(std::span<const double> values, F f) {
  double partial[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= values.size(); i += 4) {
    for (size_t lane = 0; lane < 4; ++lane) partial[lane] += f(values[i + lane]);
  }
  for (; i < values.size(); ++i) partial[0] += f(values[i]);
  return (partial[0] + partial[1]) + (partial[2] + partial[3]);
}

// What one pass over a batch of numbers finds.
struct NumbersSummary {
  uint64_t nans = 0;
  uint64_t zeros = 0;
  QuantileSketch::Extremes extremes;  // Of the values that are not NaN.
  double sum = 0;                     // NaN if any value is.
};

NumbersSummary Summarize(std::span<const double> values) {
  // Four lanes in two SSE2 registers, like SumOf's four partial sums (and adding in the same
  // order, so the sum is SumOf's to the bit). _mm_min_pd(v, low) is std::min(low, v) lane by
  // lane, and _mm_max_pd(v, high) std::max(high, v): both keep the running value when v is NaN.
  // Zeros and NaNs are counted as doubles (exact below 2^53).
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  const __m128d ones = _mm_set1_pd(1.0);
  const __m128d zero = _mm_setzero_pd();
  __m128d sum[2] = {zero, zero};
  __m128d lowest[2] = {_mm_set1_pd(kInfinity), _mm_set1_pd(kInfinity)};
  __m128d highest[2] = {_mm_set1_pd(-kInfinity), _mm_set1_pd(-kInfinity)};
  __m128d zeros[2] = {zero, zero};
  __m128d nans[2] = {zero, zero};
  size_t i = 0;
  for (; i + 4 <= values.size(); i += 4) {
    for (int half = 0; half < 2; ++half) {
      const __m128d v = _mm_loadu_pd(values.data() + i + 2 * half);
      sum[half] = _mm_add_pd(sum[half], v);
      lowest[half] = _mm_min_pd(v, lowest[half]);
      highest[half] = _mm_max_pd(v, highest[half]);
      zeros[half] = _mm_add_pd(zeros[half], _mm_and_pd(_mm_cmpeq_pd(v, zero), ones));
      nans[half] = _mm_add_pd(nans[half], _mm_and_pd(_mm_cmpunord_pd(v, v), ones));
    }
  }
  auto lanes = [](const __m128d(&pair)[2], double(&out)[4]) {
    _mm_storeu_pd(out, pair[0]);
    _mm_storeu_pd(out + 2, pair[1]);
  };
  double partial[4], low[4], high[4], zero_counts[4], nan_counts[4];
  lanes(sum, partial);
  lanes(lowest, low);
  lanes(highest, high);
  lanes(zeros, zero_counts);
  lanes(nans, nan_counts);
  for (; i < values.size(); ++i) {  // The last few values go to lane 0, as in SumOf.
    const double v = values[i];
    partial[0] += v;
    low[0] = std::min(low[0], v);
    high[0] = std::max(high[0], v);
    zero_counts[0] += v == 0;
    nan_counts[0] += v != v;
  }
  NumbersSummary summary;
  summary.sum = (partial[0] + partial[1]) + (partial[2] + partial[3]);
  summary.extremes = {std::min({low[0], low[1], low[2], low[3]}),
                      std::max({high[0], high[1], high[2], high[3]})};
  summary.zeros =
      static_cast<uint64_t>((zero_counts[0] + zero_counts[1]) + (zero_counts[2] + zero_counts[3]));
  summary.nans =
      static_cast<uint64_t>((nan_counts[0] + nan_counts[1]) + (nan_counts[2] + nan_counts[3]));
  return summary;
}

void AddQuantilesHistogram(const std::vector<double>& boundaries, double lowest, double highest,
                           double total, uint64_t num_nan, tfmd::Histogram* histogram) {
  histogram->set_type(tfmd::Histogram::QUANTILES);
  histogram->set_num_nan(num_nan);
  size_t buckets = boundaries.size() + 1;
  for (size_t i = 0; i < buckets; ++i) {
    tfmd::Histogram::Bucket* bucket = histogram->add_buckets();
    bucket->set_low_value(i == 0 ? lowest : boundaries[i - 1]);
    bucket->set_high_value(i + 1 == buckets ? highest : boundaries[i]);
    bucket->set_sample_count(total / static_cast<double>(buckets));
  }
}

}  // namespace

std::string PathName(const tfmd::Path& path) {
  std::string name;
  for (const std::string& step : path.step()) name += StrCat(name.empty() ? "" : ".", step);
  return name;
}

std::string FeatureName(const tfmd::FeatureNameStatistics& feature) {
  return feature.path().step_size() > 0 ? PathName(feature.path()) : feature.name();
}

const tfmd::CommonStatistics* CommonStatisticsOf(const tfmd::FeatureNameStatistics& feature) {
  switch (feature.stats_case()) {
    case tfmd::FeatureNameStatistics::kNumStats:
      return &feature.num_stats().common_stats();
    case tfmd::FeatureNameStatistics::kStringStats:
      return &feature.string_stats().common_stats();
    case tfmd::FeatureNameStatistics::kBytesStats:
      return &feature.bytes_stats().common_stats();
    case tfmd::FeatureNameStatistics::kStructStats:
      return &feature.struct_stats().common_stats();
    default:
      return nullptr;
  }
}

absl::Status FeatureAccumulator::SetType(DataType type, std::string_view name) {
  if (type == DataType::kNull || type == type_) return absl::OkStatus();
  // Ints and floats together are floats: spans of one CSV feed whose files wrote 480 in one and
  // 480.0 in another (TFDV stops there). Numbers are kept as doubles either way.
  const auto numeric = [](DataType t) { return t == DataType::kInt64 || t == DataType::kFloat; };
  if (numeric(type) && numeric(type_)) {
    type_ = DataType::kFloat;
    return absl::OkStatus();
  }
  if (type_ != DataType::kNull) {
    return absl::InvalidArgumentError(
        StrCat(name.empty() ? std::string("it") : StrCat("feature '", name, "'"), " holds ",
               data::DataTypeName(type_), " values in some examples and ", data::DataTypeName(type),
               " values in others"));
  }
  type_ = type;
  return absl::OkStatus();
}

void FeatureAccumulator::AddPresentRows(uint64_t values_per_row, uint64_t rows) {
  if (rows == 0) return;
  min_num_values_ =
      num_non_missing_ == 0 ? values_per_row : std::min(min_num_values_, values_per_row);
  max_num_values_ = std::max(max_num_values_, values_per_row);
  num_non_missing_ += rows;
  total_num_values_ += values_per_row * rows;
  num_values_counts_[values_per_row] += rows;
}

void FeatureAccumulator::AddNumbers(std::span<double> values) {
  NumbersSummary summary = Summarize(values);
  if (summary.nans > 0) {
    num_nan_ += summary.nans;
    values = values.first(static_cast<size_t>(
        std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }) -
        values.begin()));
    summary = Summarize(values);
  }
  if (values.empty()) return;
  num_zeros_ += summary.zeros;
  values_.AddAll(values, summary.extremes);
  // The batch's mean and sum of squared deviations, then one pairwise merge.
  const double mean = summary.sum / static_cast<double>(values.size());
  const double m2 = SumOf(values, [mean](double v) { return (v - mean) * (v - mean); });
  MergeMoments(values.size(), mean, m2);
}

void FeatureAccumulator::AddString(std::string_view value, uint64_t rows) {
  total_string_length_ += value.size() * rows;
  if (base::FindInvalidUtf8(value) != std::string_view::npos) invalid_utf8_count_ += rows;
  auto it = string_counts_.find(value);
  if (it == string_counts_.end()) {
    string_counts_.emplace(std::string(value), rows);
  } else {
    it->second += rows;
  }
}

absl::Status FeatureAccumulator::Add(const data::Column& column) {
  RETURN_IF_ERROR(SetType(column.type(), column.name()));
  const size_t rows = column.num_rows();
  if (column.single_valued()) {
    AddPresentRows(1, rows);
  } else {
    // Rows of CSV data and most examples hold zero or one value: count those without a map
    // lookup per row.
    uint64_t rows_with_few[2] = {0, 0};
    std::map<uint64_t, uint64_t> rows_with_more;
    for (size_t row = 0; row < rows; ++row) {
      if (column.presence(row) != Presence::kPresent) {
        ++num_missing_;
        continue;
      }
      const uint64_t count = column.value_count(row);
      if (count < 2) {
        ++rows_with_few[count];
      } else {
        ++rows_with_more[count];
      }
    }
    AddPresentRows(0, rows_with_few[0]);
    AddPresentRows(1, rows_with_few[1]);
    for (const auto& [count, with] : rows_with_more) AddPresentRows(count, with);
  }
  switch (column.type()) {
    case DataType::kInt64:
    case DataType::kFloat: {
      std::vector<double> values;
      values.reserve(column.num_values());
      if (column.type() == DataType::kInt64) {
        for (int64_t value : column.int64_values()) values.push_back(static_cast<double>(value));
      } else {
        for (float value : column.float_values()) values.push_back(value);
      }
      AddNumbers(values);
      break;
    }
    case DataType::kBytes:
      for (size_t i = 0; i < column.num_values(); ++i) AddString(column.bytes_value(i), 1);
      break;
    case DataType::kNull:
      break;
  }
  return absl::OkStatus();
}

absl::Status FeatureAccumulator::Add(ScalarTally&& tally, std::string_view name) {
  RETURN_IF_ERROR(SetType(tally.type, name));
  num_missing_ += tally.missing_rows;
  AddPresentRows(0, tally.empty_rows);
  AddPresentRows(1, tally.numbers.size());
  for (const auto& [value, rows] : tally.strings) {
    AddPresentRows(1, rows);
    AddString(value, rows);
  }
  AddNumbers(tally.numbers);
  return absl::OkStatus();
}

void FeatureAccumulator::MergeMoments(uint64_t count, double mean, double m2) {
  if (count == 0) return;
  if (moment_count_ == 0) {  // Exactly the other's: mean * count / count may round.
    moment_count_ = count;
    mean_ = mean;
    m2_ = m2;
    return;
  }
  double total = static_cast<double>(moment_count_ + count);
  double delta = mean - mean_;
  mean_ += delta * static_cast<double>(count) / total;
  m2_ +=
      m2 + delta * delta * static_cast<double>(moment_count_) * static_cast<double>(count) / total;
  moment_count_ += count;
}

absl::Status FeatureAccumulator::Merge(const FeatureAccumulator& other) {
  RETURN_IF_ERROR(SetType(other.type_, ""));  // The dataset's merge names the feature.
  if (other.num_non_missing_ > 0) {
    min_num_values_ = num_non_missing_ == 0 ? other.min_num_values_
                                            : std::min(min_num_values_, other.min_num_values_);
    max_num_values_ = std::max(max_num_values_, other.max_num_values_);
  }
  num_non_missing_ += other.num_non_missing_;
  num_missing_ += other.num_missing_;
  total_num_values_ += other.total_num_values_;
  for (const auto& [count, rows] : other.num_values_counts_) num_values_counts_[count] += rows;
  num_nan_ += other.num_nan_;
  num_zeros_ += other.num_zeros_;
  MergeMoments(other.moment_count_, other.mean_, other.m2_);
  values_.Merge(other.values_);
  for (const auto& [value, count] : other.string_counts_) string_counts_[value] += count;
  total_string_length_ += other.total_string_length_;
  invalid_utf8_count_ += other.invalid_utf8_count_;
  return absl::OkStatus();
}

void FeatureAccumulator::FillCommon(tfmd::CommonStatistics* common,
                                    const StatsOptions& options) const {
  common->set_num_non_missing(num_non_missing_);
  common->set_num_missing(num_missing_);
  common->set_min_num_values(min_num_values_);
  common->set_max_num_values(max_num_values_);
  common->set_tot_num_values(total_num_values_);
  if (num_non_missing_ > 0) {
    common->set_avg_num_values(static_cast<float>(static_cast<double>(total_num_values_) /
                                                  static_cast<double>(num_non_missing_)));
    // Quantiles of the exact distribution of values per present row.
    const int buckets = options.num_values_histogram_buckets;
    std::vector<double> boundaries;
    auto it = num_values_counts_.begin();
    uint64_t cumulative = it->second;
    for (int i = 1; i < buckets; ++i) {
      double target = static_cast<double>(num_non_missing_) * i / buckets;
      while (static_cast<double>(cumulative) < target &&
             std::next(it) != num_values_counts_.end()) {
        ++it;
        cumulative += it->second;
      }
      boundaries.push_back(static_cast<double>(it->first));
    }
    AddQuantilesHistogram(
        boundaries, static_cast<double>(min_num_values_), static_cast<double>(max_num_values_),
        static_cast<double>(num_non_missing_), 0, common->mutable_num_values_histogram());
  }
}

tfmd::FeatureNameStatistics FeatureAccumulator::ToProto(const std::string& name,
                                                        const StatsOptions& options) const {
  tfmd::FeatureNameStatistics feature;
  feature.mutable_path()->add_step(name);
  if (type_ == DataType::kInt64 || type_ == DataType::kFloat) {
    feature.set_type(type_ == DataType::kInt64 ? tfmd::FeatureNameStatistics::INT
                                               : tfmd::FeatureNameStatistics::FLOAT);
    tfmd::NumericStatistics* numeric = feature.mutable_num_stats();
    FillCommon(numeric->mutable_common_stats(), options);
    const uint64_t n = values_.count();
    numeric->set_num_zeros(num_zeros_);
    tfmd::Histogram* standard = numeric->add_histograms();
    standard->set_type(tfmd::Histogram::STANDARD);
    standard->set_num_nan(num_nan_);
    tfmd::Histogram* quantiles = numeric->add_histograms();
    quantiles->set_type(tfmd::Histogram::QUANTILES);
    quantiles->set_num_nan(num_nan_);
    if (n > 0) {
      // Population mean and standard deviation (TFDV's definitions).
      numeric->set_mean(mean_);
      numeric->set_std_dev(std::sqrt(m2_ / static_cast<double>(moment_count_)));
      numeric->set_min(values_.min());
      numeric->set_max(values_.max());
      numeric->set_median(values_.Quantile(0.5));
      // Equal-width buckets over [min, max], counted from the sketch; the last bucket is closed.
      const int buckets = values_.min() == values_.max() ? 1 : options.num_histogram_buckets;
      double width = (values_.max() - values_.min()) / buckets;
      double below = 0;
      for (int i = 0; i < buckets; ++i) {
        double low = values_.min() + width * i;
        double high = i + 1 == buckets ? values_.max() : values_.min() + width * (i + 1);
        double at_most = i + 1 == buckets ? static_cast<double>(n) : values_.CountAtMost(high);
        tfmd::Histogram::Bucket* bucket = standard->add_buckets();
        bucket->set_low_value(low);
        bucket->set_high_value(high);
        bucket->set_sample_count(at_most - below);
        below = at_most;
      }
      quantiles->Clear();
      AddQuantilesHistogram(values_.EvenQuantiles(options.num_quantiles_histogram_buckets),
                            values_.min(), values_.max(), static_cast<double>(n), num_nan_,
                            quantiles);
    }
    return feature;
  }
  // Bytes, and features that never hold a value list (reported as strings, all missing).
  feature.set_type(tfmd::FeatureNameStatistics::STRING);
  tfmd::StringStatistics* strings = feature.mutable_string_stats();
  FillCommon(strings->mutable_common_stats(), options);
  strings->set_unique(string_counts_.size());
  if (total_num_values_ > 0) {
    strings->set_avg_length(static_cast<float>(static_cast<double>(total_string_length_) /
                                               static_cast<double>(total_num_values_)));
  }
  strings->set_invalid_utf8_count(invalid_utf8_count_);
  // Most frequent first; equal counts by descending byte order of the value, as TFDV sorts them
  // (its key is (count, value), reversed).
  std::vector<std::pair<uint64_t, const std::string*>> ranked;
  ranked.reserve(string_counts_.size());
  for (const auto& [value, count] : string_counts_) ranked.emplace_back(count, &value);
  size_t keep = std::min<size_t>(
      ranked.size(),
      static_cast<size_t>(std::max(options.num_top_values, options.num_rank_histogram_buckets)));
  auto order = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : *a.second > *b.second;
  };
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<ptrdiff_t>(keep), ranked.end(),
                    order);
  for (size_t i = 0; i < keep; ++i) {
    if (i < static_cast<size_t>(options.num_top_values)) {
      tfmd::StringStatistics::FreqAndValue* top = strings->add_top_values();
      top->set_value(*ranked[i].second);
      top->set_frequency(static_cast<double>(ranked[i].first));
    }
    if (i < static_cast<size_t>(options.num_rank_histogram_buckets)) {
      tfmd::RankHistogram::Bucket* bucket = strings->mutable_rank_histogram()->add_buckets();
      bucket->set_low_rank(i);
      bucket->set_high_rank(i);
      bucket->set_label(*ranked[i].second);
      bucket->set_sample_count(static_cast<double>(ranked[i].first));
    }
  }
  return feature;
}

void FeatureAccumulator::Serialize(std::string* out) const {
  base::PutFixed<uint8_t>(out, static_cast<uint8_t>(type_));
  for (uint64_t v :
       {num_non_missing_, num_missing_, min_num_values_, max_num_values_, total_num_values_,
        num_nan_, num_zeros_, total_string_length_, invalid_utf8_count_}) {
    base::PutFixed(out, v);
  }
  base::PutFixed(out, moment_count_);
  base::PutFixed(out, mean_);
  base::PutFixed(out, m2_);
  base::PutFixed<uint64_t>(out, num_values_counts_.size());
  for (const auto& [count, rows] : num_values_counts_) {
    base::PutFixed(out, count);
    base::PutFixed(out, rows);
  }
  base::PutLengthPrefixed(out, values_.Serialize());
  base::PutFixed<uint64_t>(out, string_counts_.size());
  for (const auto& [value, count] : string_counts_) {
    base::PutLengthPrefixed(out, value);
    base::PutFixed(out, count);
  }
}

absl::StatusOr<FeatureAccumulator> FeatureAccumulator::Deserialize(std::string_view* in) {
  FeatureAccumulator a;
  uint8_t type = 0;
  bool ok = base::GetFixed(in, &type) && type <= static_cast<uint8_t>(DataType::kBytes);
  a.type_ = static_cast<DataType>(type);
  for (uint64_t* v : {&a.num_non_missing_, &a.num_missing_, &a.min_num_values_, &a.max_num_values_,
                      &a.total_num_values_, &a.num_nan_, &a.num_zeros_, &a.total_string_length_,
                      &a.invalid_utf8_count_}) {
    ok = ok && base::GetFixed(in, v);
  }
  ok = ok && base::GetFixed(in, &a.moment_count_) && base::GetFixed(in, &a.mean_) &&
       base::GetFixed(in, &a.m2_);
  uint64_t entries = 0;
  ok = ok && base::GetFixed(in, &entries);
  for (uint64_t i = 0; ok && i < entries; ++i) {
    uint64_t count = 0, rows = 0;
    ok = base::GetFixed(in, &count) && base::GetFixed(in, &rows);
    if (ok) a.num_values_counts_[count] = rows;
  }
  std::string_view sketch;
  ok = ok && base::GetLengthPrefixed(in, &sketch);
  if (!ok) return absl::DataLossError("corrupt statistics accumulator");
  ASSIGN_OR_RETURN(a.values_, QuantileSketch::Deserialize(sketch));
  ok = base::GetFixed(in, &entries);
  for (uint64_t i = 0; ok && i < entries; ++i) {
    std::string_view value;
    uint64_t count = 0;
    ok = base::GetLengthPrefixed(in, &value) && base::GetFixed(in, &count);
    if (ok) a.string_counts_.emplace(std::string(value), count);
  }
  if (!ok) return absl::DataLossError("corrupt statistics accumulator");
  return a;
}

FeatureAccumulator& DatasetAccumulator::Feature(const std::string& name) {
  auto [it, inserted] = features_.try_emplace(name);
  if (inserted) it->second.AddMissing(num_examples_);  // Earlier examples lacked it.
  return it->second;
}

template <typename Has>
void DatasetAccumulator::CountExamples(uint64_t rows, size_t features_present, Has has) {
  // Features seen before but absent from these rows.
  if (features_.size() > features_present) {
    for (auto& [name, feature] : features_) {
      if (!has(name)) feature.AddMissing(rows);
    }
  }
  num_examples_ += rows;
}

absl::Status DatasetAccumulator::Add(const data::RecordBatch& batch) {
  for (const data::Column& column : batch.columns()) {
    RETURN_IF_ERROR(Feature(column.name()).Add(column));
  }
  CountExamples(batch.num_rows(), batch.num_columns(),
                [&](const std::string& name) { return batch.FindColumn(name) != nullptr; });
  return absl::OkStatus();
}

absl::Status DatasetAccumulator::Add(std::span<const std::string> names,
                                     std::vector<ScalarTally>&& tallies, uint64_t rows) {
  for (size_t i = 0; i < names.size(); ++i) {
    RETURN_IF_ERROR(Feature(names[i]).Add(std::move(tallies[i]), names[i]));
  }
  CountExamples(rows, names.size(), [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  });
  return absl::OkStatus();
}

absl::Status DatasetAccumulator::Merge(const DatasetAccumulator& other) {
  for (const auto& [name, feature] : other.features_) {
    auto [it, inserted] = features_.try_emplace(name);
    if (inserted) it->second.AddMissing(num_examples_);
    absl::Status status = it->second.Merge(feature);
    if (!status.ok()) {
      return absl::InvalidArgumentError(StrCat("feature '", name, "': ", status.message()));
    }
  }
  for (auto& [name, feature] : features_) {
    if (!other.features_.contains(name)) feature.AddMissing(other.num_examples_);
  }
  num_examples_ += other.num_examples_;
  return absl::OkStatus();
}

tfmd::DatasetFeatureStatistics DatasetAccumulator::ToProto(const std::string& name,
                                                           const StatsOptions& options) const {
  tfmd::DatasetFeatureStatistics dataset;
  dataset.set_name(name);
  dataset.set_num_examples(num_examples_);
  for (const auto& [feature_name, feature] : features_) {
    *dataset.add_features() = feature.ToProto(feature_name, options);
  }
  return dataset;
}

std::string DatasetAccumulator::Serialize() const {
  std::string out;
  base::PutFixed(&out, num_examples_);
  base::PutFixed<uint64_t>(&out, features_.size());
  for (const auto& [name, feature] : features_) {
    base::PutLengthPrefixed(&out, name);
    feature.Serialize(&out);
  }
  return out;
}

absl::StatusOr<DatasetAccumulator> DatasetAccumulator::Deserialize(std::string_view bytes) {
  DatasetAccumulator dataset;
  uint64_t features = 0;
  if (!base::GetFixed(&bytes, &dataset.num_examples_) || !base::GetFixed(&bytes, &features)) {
    return absl::DataLossError("corrupt statistics accumulator");
  }
  for (uint64_t i = 0; i < features; ++i) {
    std::string_view name;
    if (!base::GetLengthPrefixed(&bytes, &name))
      return absl::DataLossError("corrupt statistics accumulator");
    ASSIGN_OR_RETURN(FeatureAccumulator feature, FeatureAccumulator::Deserialize(&bytes));
    dataset.features_.emplace(std::string(name), std::move(feature));
  }
  if (!bytes.empty()) return absl::DataLossError("trailing bytes after statistics accumulator");
  return dataset;
}

}  // namespace weir::stats
