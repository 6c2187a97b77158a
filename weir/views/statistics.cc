#include "weir/views/statistics.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/artifact_properties.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/stats/statistics.h"

namespace weir::views {
namespace fs = std::filesystem;
namespace {

// ---------------------------------------------------------------------------------------------
// Statistics.

const tfmd::Histogram* FindHistogram(const tfmd::NumericStatistics& num,
                                     tfmd::Histogram::HistogramType type) {
  for (const tfmd::Histogram& histogram : num.histograms()) {
    if (histogram.type() == type) return &histogram;
  }
  return nullptr;
}

// One block character per count, scaled to the largest; an empty bucket is a space so that gaps
// in a distribution stay visible.
std::string Sparkline(const std::vector<double>& counts) {
  static constexpr const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double max = 0;
  for (double count : counts) max = std::max(max, count);
  std::string out;
  for (double count : counts) {
    if (count <= 0 || max <= 0) {
      out += " ";
    } else {
      int level = static_cast<int>(std::lround(7.0 * count / max));
      out += kBlocks[std::clamp(level, 0, 7)];
    }
  }
  return out;
}

std::vector<double> BucketCounts(const tfmd::Histogram& histogram) {
  std::vector<double> counts;
  for (const auto& bucket : histogram.buckets()) counts.push_back(bucket.sample_count());
  return counts;
}

// `histogram`'s counts spread over `buckets` equal-width buckets spanning [low, high], assuming
// values are uniform within each source bucket.
std::vector<double> Rebin(const tfmd::Histogram& histogram, double low, double high, int buckets) {
  std::vector<double> counts(buckets, 0.0);
  double width = (high - low) / buckets;
  // Clamped before the conversion: a value far outside [low, high] (or NaN) is no int.
  auto index_of = [&](double value) {
    const double position = (value - low) / width;
    if (!(width > 0) || !(position > 0)) return 0;
    return position >= buckets - 1 ? buckets - 1 : static_cast<int>(position);
  };
  for (const auto& bucket : histogram.buckets()) {
    double span = bucket.high_value() - bucket.low_value();
    if (span <= 0 || width <= 0) {
      counts[index_of(bucket.low_value())] += bucket.sample_count();
      continue;
    }
    for (int i = index_of(bucket.low_value()); i <= index_of(bucket.high_value()); ++i) {
      double overlap = std::min(bucket.high_value(), low + (i + 1) * width) -
                       std::max(bucket.low_value(), low + i * width);
      if (overlap > 0) counts[i] += bucket.sample_count() * overlap / span;
    }
  }
  return counts;
}

bool IsNumeric(const tfmd::FeatureNameStatistics& feature) {
  return feature.stats_case() == tfmd::FeatureNameStatistics::kNumStats;
}

std::vector<Cell> NumericCells(const tfmd::FeatureNameStatistics& feature, std::string histogram) {
  const tfmd::NumericStatistics& num = feature.num_stats();
  const tfmd::CommonStatistics& common = num.common_stats();
  double rows = static_cast<double>(common.num_non_missing() + common.num_missing());
  double values = common.tot_num_values() > 0 ? common.tot_num_values() : common.num_non_missing();
  return {tfmd::FeatureNameStatistics::Type_Name(feature.type()),
          StrCat(common.num_non_missing()),
          FormatPercent(common.num_missing(), rows),
          FormatNumber(num.mean()),
          FormatNumber(num.std_dev()),
          FormatPercent(num.num_zeros(), values),
          FormatNumber(num.min()),
          FormatNumber(num.median()),
          FormatNumber(num.max()),
          std::move(histogram)};
}

std::string TopValuesText(const tfmd::StringStatistics& string_stats) {
  std::string out;
  for (const auto& top : string_stats.top_values()) {
    if (!out.empty()) out += ", ";
    out += StrCat(top.value(), " ", FormatNumber(top.frequency()));
  }
  return out;
}

std::vector<Cell> StringCells(const tfmd::FeatureNameStatistics& feature) {
  const tfmd::CommonStatistics& common = *stats::CommonStatisticsOf(feature);
  double rows = static_cast<double>(common.num_non_missing() + common.num_missing());
  std::vector<Cell> cells = {tfmd::FeatureNameStatistics::Type_Name(feature.type()),
                             StrCat(common.num_non_missing()),
                             FormatPercent(common.num_missing(), rows)};
  if (feature.has_string_stats()) {
    const tfmd::StringStatistics& s = feature.string_stats();
    cells.insert(cells.end(), {StrCat(s.unique()), FormatNumber(s.avg_length()), TopValuesText(s)});
  } else if (feature.has_bytes_stats()) {
    const tfmd::BytesStatistics& b = feature.bytes_stats();
    cells.insert(cells.end(), {StrCat(b.unique()), FormatNumber(b.avg_num_bytes()), ""});
  }
  return cells;
}

std::vector<Column> NumericColumns(bool compare) {
  std::vector<Column> columns = {{"feature", Align::kLeft, Fit::kTruncate, kNameWidth}};
  if (compare) columns.push_back({"data"});
  for (const char* header :
       {"type", "count", "missing", "mean", "std", "zeros", "min", "median", "max"}) {
    columns.push_back({header, std::string_view(header) == "type" ? Align::kLeft : Align::kRight});
  }
  columns.push_back({"histogram"});
  return columns;
}

std::vector<Column> StringColumns(bool compare) {
  std::vector<Column> columns = {{"feature", Align::kLeft, Fit::kTruncate, kNameWidth}};
  if (compare) columns.push_back({"data"});
  columns.push_back({"type"});
  for (const char* header : {"count", "missing", "unique", "avg len"})
    columns.push_back({header, Align::kRight});
  columns.push_back({"top values", Align::kLeft, Fit::kTruncate});
  return columns;
}
std::string Summary(const LabeledStatistics& statistics) {
  int numeric = 0;
  for (const auto& feature : statistics.statistics.features()) numeric += IsNumeric(feature);
  int others = statistics.statistics.features_size() - numeric;
  return StrCat(statistics.label, ": ", statistics.statistics.num_examples(), " examples, ",
                statistics.statistics.features_size(), " features (", numeric, " numeric, ", others,
                " string)");
}

}  // namespace

absl::StatusOr<std::vector<LabeledStatistics>> LoadStatistics(const fs::path& path,
                                                              std::string_view split) {
  ASSIGN_OR_RETURN(std::vector<components::SplitFile> files,
                   components::ResolveSplitFiles(path, split, components::kStatisticsFileName));
  std::vector<LabeledStatistics> out;
  for (const components::SplitFile& file : files) {
    ASSIGN_OR_RETURN(tfmd::DatasetFeatureStatisticsList list,
                     components::ReadStatisticsFile(file.file));
    for (int d = 0; d < list.datasets_size(); ++d) {
      tfmd::DatasetFeatureStatistics& dataset = *list.mutable_datasets(d);
      std::string label = dataset.name().empty() ? file.file.stem().string() : dataset.name();
      if (!file.split.empty())
        label = list.datasets_size() == 1 ? file.split : StrCat(file.split, "/", label);
      out.push_back({label, file.file, std::move(dataset)});
    }
  }
  return out;
}

std::string RenderStatistics(const LabeledStatistics& statistics, const TextOptions& options) {
  std::string out = Title(Summary(statistics), options) + "\n";
  Table numeric(NumericColumns(false));
  Table strings(StringColumns(false));
  for (const auto& feature : statistics.statistics.features()) {
    std::vector<Cell> row = {stats::FeatureName(feature)};
    if (IsNumeric(feature)) {
      const tfmd::Histogram* histogram =
          FindHistogram(feature.num_stats(), tfmd::Histogram::STANDARD);
      std::vector<Cell> cells =
          NumericCells(feature, histogram ? Sparkline(BucketCounts(*histogram)) : "");
      row.insert(row.end(), cells.begin(), cells.end());
      numeric.AddRow(std::move(row));
    } else if (stats::CommonStatisticsOf(feature) != nullptr) {
      std::vector<Cell> cells = StringCells(feature);
      row.insert(row.end(), cells.begin(), cells.end());
      strings.AddRow(std::move(row));
    }
  }
  if (!numeric.empty()) out += "\n" + numeric.Render(options);
  if (!strings.empty()) out += "\n" + strings.Render(options);
  return out;
}

std::string RenderStatisticsComparison(const LabeledStatistics& left,
                                       const LabeledStatistics& right, const TextOptions& options) {
  std::string out = Title(StrCat("Comparing ", left.label, " with ", right.label), options) + "\n";
  out += StrCat("  ", Summary(left), "\n  ", Summary(right), "\n");
  std::vector<std::string> names;
  std::map<std::string, const tfmd::FeatureNameStatistics*> by_name[2];
  for (int side = 0; side < 2; ++side) {
    for (const auto& feature : (side == 0 ? left : right).statistics.features()) {
      std::string name = stats::FeatureName(feature);
      if (!by_name[0].count(name) && !by_name[1].count(name)) names.push_back(name);
      by_name[side][name] = &feature;
    }
  }
  const std::string* labels[2] = {&left.label, &right.label};
  Table numeric(NumericColumns(true));
  Table strings(StringColumns(true));
  for (const std::string& name : names) {
    const tfmd::FeatureNameStatistics* features[2] = {by_name[0][name], by_name[1][name]};
    const tfmd::FeatureNameStatistics* any = features[0] ? features[0] : features[1];
    // Both histograms over one range, so that a shifted distribution shows as shifted bars.
    const tfmd::Histogram* histograms[2] = {nullptr, nullptr};
    double low = INFINITY, high = -INFINITY;
    for (int side = 0; side < 2; ++side) {
      if (!features[side] || !IsNumeric(*features[side])) continue;
      histograms[side] = FindHistogram(features[side]->num_stats(), tfmd::Histogram::STANDARD);
      if (histograms[side] && histograms[side]->buckets_size() > 0) {
        low = std::min(low, histograms[side]->buckets(0).low_value());
        high = std::max(
            high, histograms[side]->buckets(histograms[side]->buckets_size() - 1).high_value());
      }
    }
    for (int side = 0; side < 2; ++side) {
      std::vector<Cell> row = {side == 0 ? name : "", *labels[side]};
      const tfmd::FeatureNameStatistics* feature = features[side];
      Table& table = IsNumeric(*any) ? numeric : strings;
      if (feature == nullptr) {
        row.push_back("absent");
      } else if (IsNumeric(*feature) && IsNumeric(*any)) {
        std::string sparkline;
        if (histograms[side] && histograms[side]->buckets_size() > 0) {
          int buckets = std::max(histograms[0] ? histograms[0]->buckets_size() : 0,
                                 histograms[1] ? histograms[1]->buckets_size() : 0);
          sparkline = Sparkline(Rebin(*histograms[side], low, high, buckets));
        }
        std::vector<Cell> cells = NumericCells(*feature, sparkline);
        row.insert(row.end(), cells.begin(), cells.end());
      } else if (!IsNumeric(*feature) && !IsNumeric(*any) &&
                 stats::CommonStatisticsOf(*feature) != nullptr) {
        std::vector<Cell> cells = StringCells(*feature);
        row.insert(row.end(), cells.begin(), cells.end());
      } else {
        // The type changed between the two: show it where the other side's columns would mislead.
        row.push_back(Cell(tfmd::FeatureNameStatistics::Type_Name(feature->type()), kYellow));
      }
      table.AddRow(std::move(row));
    }
  }
  if (!numeric.empty()) out += "\n" + numeric.Render(options);
  if (!strings.empty()) out += "\n" + strings.Render(options);
  return out;
}

nlohmann::ordered_json StatisticsToJson(const LabeledStatistics& statistics) {
  nlohmann::ordered_json features = nlohmann::ordered_json::array();
  for (const auto& feature : statistics.statistics.features()) {
    nlohmann::ordered_json json = {
        {"name", stats::FeatureName(feature)},
        {"type", tfmd::FeatureNameStatistics::Type_Name(feature.type())}};
    if (const tfmd::CommonStatistics* common = stats::CommonStatisticsOf(feature)) {
      uint64_t rows = common->num_non_missing() + common->num_missing();
      json["count"] = common->num_non_missing();
      json["missing"] = common->num_missing();
      json["missing_fraction"] = rows ? static_cast<double>(common->num_missing()) / rows : 0.0;
      json["num_values"] = {{"min", common->min_num_values()},
                            {"max", common->max_num_values()},
                            {"avg", common->avg_num_values()},
                            {"total", common->tot_num_values()}};
    }
    if (feature.has_num_stats()) {
      const tfmd::NumericStatistics& num = feature.num_stats();
      nlohmann::ordered_json numeric = {{"mean", num.mean()},       {"std_dev", num.std_dev()},
                                        {"zeros", num.num_zeros()}, {"min", num.min()},
                                        {"median", num.median()},   {"max", num.max()}};
      for (auto [type, key] : {std::pair{tfmd::Histogram::STANDARD, "histogram"},
                               std::pair{tfmd::Histogram::QUANTILES, "quantiles"}}) {
        const tfmd::Histogram* histogram = FindHistogram(num, type);
        if (histogram == nullptr) continue;
        nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
        for (const auto& b : histogram->buckets()) {
          buckets.push_back(
              {{"low", b.low_value()}, {"high", b.high_value()}, {"count", b.sample_count()}});
        }
        numeric[key] = buckets;
        if (type == tfmd::Histogram::STANDARD) numeric["nan"] = histogram->num_nan();
      }
      json["numeric"] = numeric;
    } else if (feature.has_string_stats()) {
      const tfmd::StringStatistics& s = feature.string_stats();
      nlohmann::ordered_json top = nlohmann::ordered_json::array();
      for (const auto& t : s.top_values())
        top.push_back({{"value", t.value()}, {"frequency", t.frequency()}});
      json["string"] = {{"unique", s.unique()},
                        {"avg_length", s.avg_length()},
                        {"invalid_utf8", s.invalid_utf8_count()},
                        {"top_values", top}};
    } else if (feature.has_bytes_stats()) {
      const tfmd::BytesStatistics& b = feature.bytes_stats();
      json["bytes"] = {{"unique", b.unique()},
                       {"avg_num_bytes", b.avg_num_bytes()},
                       {"min_num_bytes", b.min_num_bytes()},
                       {"max_num_bytes", b.max_num_bytes()}};
    }
    features.push_back(std::move(json));
  }
  return {{"name", statistics.label},
          {"file", statistics.file.string()},
          {"num_examples", statistics.statistics.num_examples()},
          {"features", features}};
}

}  // namespace weir::views
