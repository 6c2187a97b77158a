#include "weir/validation/validator.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "weir/base/strings.h"
#include "weir/stats/statistics.h"
#include "weir/validation/distance.h"

namespace weir::validation {
namespace {

using Type = tfmd::AnomalyInfo::Type;
using StatsType = tfmd::FeatureNameStatistics::Type;

// Numbers in descriptions: six significant digits, enough to compare with a threshold.
std::string Num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

std::string Quote(std::string_view name) { return StrCat("'", name, "'"); }

// Collects the reasons of each feature's anomaly and of the dataset-level one.
class AnomalySink {
 public:
  explicit AnomalySink(tfmd::Anomalies* anomalies) : anomalies_(anomalies) {}

  void Feature(const std::string& name, Type type, std::string short_description,
               std::string description) {
    tfmd::AnomalyInfo& info = (*anomalies_->mutable_anomaly_info())[name];
    if (info.path().step_size() == 0) info.mutable_path()->add_step(name);
    AddReason(&info, type, std::move(short_description), std::move(description));
  }

  void Dataset(Type type, std::string short_description, std::string description) {
    AddReason(anomalies_->mutable_dataset_anomaly_info(), type, std::move(short_description),
              std::move(description));
  }

  // Fills each anomaly's own descriptions from its reasons, as TFDV presents them: a single
  // reason's descriptions, or a summary and the reasons' descriptions one after the other.
  void Finish() {
    for (auto& [name, info] : *anomalies_->mutable_anomaly_info()) Summarize(&info);
    if (anomalies_->has_dataset_anomaly_info()) {
      Summarize(anomalies_->mutable_dataset_anomaly_info());
    }
  }

 private:
  static void AddReason(tfmd::AnomalyInfo* info, Type type, std::string short_description,
                        std::string description) {
    info->set_severity(tfmd::AnomalyInfo::ERROR);
    tfmd::AnomalyInfo::Reason* reason = info->add_reason();
    reason->set_type(type);
    reason->set_short_description(std::move(short_description));
    reason->set_description(std::move(description));
  }

  static void Summarize(tfmd::AnomalyInfo* info) {
    if (info->reason_size() == 1) {
      info->set_short_description(info->reason(0).short_description());
      info->set_description(info->reason(0).description());
      return;
    }
    info->set_short_description(StrCat(info->reason_size(), " anomalies"));
    std::string description;
    for (const auto& reason : info->reason()) {
      if (!description.empty()) description += " ";
      description += reason.description();
    }
    info->set_description(std::move(description));
  }

  tfmd::Anomalies* anomalies_;
};

std::map<std::string, const tfmd::FeatureNameStatistics*> IndexFeatures(
    const tfmd::DatasetFeatureStatistics& statistics) {
  std::map<std::string, const tfmd::FeatureNameStatistics*> index;
  for (const auto& feature : statistics.features())
    index.emplace(stats::FeatureName(feature), &feature);
  return index;
}

bool SkippedLifecycle(tfmd::LifecycleStage stage) {
  switch (stage) {
    case tfmd::PLANNED:
    case tfmd::ALPHA:
    case tfmd::DEBUG_ONLY:
    case tfmd::DEPRECATED:
    case tfmd::DISABLED:
    // Derived during validation by TFDV from other features; weir's statistics never hold them.
    case tfmd::VALIDATION_DERIVED:
      return true;
    default:
      return false;
  }
}

bool InEnvironment(const tfmd::Schema& schema, const tfmd::Feature& feature,
                   const std::string& environment) {
  if (environment.empty()) return true;
  auto lists = [&](const auto& names) {
    return std::find(names.begin(), names.end(), environment) != names.end();
  };
  if (lists(feature.in_environment())) return true;
  if (lists(feature.not_in_environment())) return false;
  return schema.default_environment().empty() || lists(schema.default_environment());
}

bool Required(const tfmd::Feature& feature) {
  return feature.has_presence() &&
         (feature.presence().min_count() > 0 || feature.presence().min_fraction() > 0);
}

bool TypeMatches(tfmd::FeatureType schema_type, StatsType stats_type) {
  switch (schema_type) {
    case tfmd::INT:
      return stats_type == tfmd::FeatureNameStatistics::INT;
    case tfmd::FLOAT:
      return stats_type == tfmd::FeatureNameStatistics::FLOAT;
    case tfmd::BYTES:
      return stats_type == tfmd::FeatureNameStatistics::STRING ||
             stats_type == tfmd::FeatureNameStatistics::BYTES;
    case tfmd::STRUCT:
      return stats_type == tfmd::FeatureNameStatistics::STRUCT;
    default:
      return true;  // No declared type: nothing to contradict.
  }
}

// The domain a feature declares, inline or by name at the schema level.
struct Domain {
  const tfmd::StringDomain* strings = nullptr;
  const tfmd::IntDomain* ints = nullptr;
  const tfmd::FloatDomain* floats = nullptr;
  std::string name;  // For descriptions: the referenced name, or empty for inline domains.
  bool unresolved = false;
};

Domain ResolveDomain(const tfmd::Schema& schema, const tfmd::Feature& feature) {
  Domain domain;
  switch (feature.domain_info_case()) {
    case tfmd::Feature::kStringDomain:
      domain.strings = &feature.string_domain();
      break;
    case tfmd::Feature::kIntDomain:
      domain.ints = &feature.int_domain();
      break;
    case tfmd::Feature::kFloatDomain:
      domain.floats = &feature.float_domain();
      break;
    case tfmd::Feature::kDomain: {
      domain.name = feature.domain();
      auto named = [&](const auto& domains) -> decltype(&domains.Get(0)) {
        for (const auto& d : domains) {
          if (d.name() == feature.domain()) return &d;
        }
        return nullptr;
      };
      domain.strings = named(schema.string_domain());
      if (domain.strings == nullptr) domain.ints = named(schema.int_domain());
      if (domain.strings == nullptr && domain.ints == nullptr) {
        domain.floats = named(schema.float_domain());
      }
      domain.unresolved = !domain.strings && !domain.ints && !domain.floats;
      break;
    }
    default:
      break;
  }
  return domain;
}

class FeatureValidator {
 public:
  FeatureValidator(const tfmd::Schema& schema, const tfmd::DatasetFeatureStatistics& statistics,
                   AnomalySink* sink)
      : schema_(schema), statistics_(statistics), sink_(sink) {}

  // Checks one schema feature against its statistics (present, with `common` non-null).
  void Check(const tfmd::Feature& feature, const tfmd::FeatureNameStatistics& stats,
             const tfmd::CommonStatistics& common) {
    const std::string& name = feature.name();
    if (!CheckPresence(feature, common)) return;
    if (common.num_non_missing() == 0) return;  // No values: nothing more to check.
    if (!TypeMatches(feature.type(), stats.type())) {
      sink_->Feature(
          name, tfmd::AnomalyInfo::UNEXPECTED_DATA_TYPE, "Unexpected data type",
          StrCat("Feature ", Quote(name), " is declared ", tfmd::FeatureType_Name(feature.type()),
                 " in the schema, but its values are ",
                 tfmd::FeatureNameStatistics::Type_Name(stats.type()), "."));
      return;  // The remaining checks would read statistics of the wrong kind.
    }
    CheckValueCounts(feature, common);
    CheckDomain(feature, stats);
    CheckUnique(feature, stats);
  }

 private:
  // Returns false when the feature is required but absent from every example.
  bool CheckPresence(const tfmd::Feature& feature, const tfmd::CommonStatistics& common) {
    if (!feature.has_presence()) return true;
    const std::string& name = feature.name();
    const tfmd::FeaturePresence& presence = feature.presence();
    const uint64_t present = common.num_non_missing();
    const uint64_t examples = statistics_.num_examples();
    if (present == 0 && Required(feature)) {
      sink_->Feature(name, tfmd::AnomalyInfo::FEATURE_TYPE_NOT_PRESENT, "No values present",
                     StrCat("Feature ", Quote(name), " is required by the schema but none of the ",
                            examples, " examples has it."));
      return false;
    }
    if (presence.has_min_fraction() && examples > 0) {
      double fraction = static_cast<double>(present) / static_cast<double>(examples);
      bool low = fraction < presence.min_fraction() ||
                 (presence.min_fraction() >= 1.0 && common.num_missing() > 0);
      if (low) {
        sink_->Feature(
            name, tfmd::AnomalyInfo::FEATURE_TYPE_LOW_FRACTION_PRESENT, "Missing in some examples",
            StrCat("Feature ", Quote(name), " is present in ", Num(fraction), " of the examples (",
                   present, " of ", examples, "); the schema requires at least ",
                   Num(presence.min_fraction()), "."));
      }
    }
    if (presence.has_min_count() && static_cast<int64_t>(present) < presence.min_count()) {
      sink_->Feature(name, tfmd::AnomalyInfo::FEATURE_TYPE_LOW_NUMBER_PRESENT,
                     "Present in too few examples",
                     StrCat("Feature ", Quote(name), " is present in ", present,
                            " examples; the schema requires at least ", presence.min_count(), "."));
    }
    return true;
  }

  void CheckValueCountRange(const std::string& name, const tfmd::ValueCount& range, uint64_t min,
                            uint64_t max, std::string_view level) {
    if (range.has_min() && static_cast<int64_t>(min) < range.min()) {
      sink_->Feature(
          name, tfmd::AnomalyInfo::FEATURE_TYPE_LOW_NUMBER_VALUES, "Too few values",
          StrCat("Some examples have only ", min, " value", min == 1 ? "" : "s", " of feature ",
                 Quote(name), level, "; the schema requires at least ", range.min(), "."));
    }
    if (range.has_max() && static_cast<int64_t>(max) > range.max()) {
      sink_->Feature(name, tfmd::AnomalyInfo::FEATURE_TYPE_HIGH_NUMBER_VALUES, "Too many values",
                     StrCat("Some examples have ", max, " values of feature ", Quote(name), level,
                            "; the schema allows at most ", range.max(), "."));
    }
  }

  void CheckValueCounts(const tfmd::Feature& feature, const tfmd::CommonStatistics& common) {
    const std::string& name = feature.name();
    // Statistics of a non-nested feature may omit presence_and_valency_stats: one level.
    const int stats_levels = std::max(1, common.presence_and_valency_stats_size());
    if (feature.has_value_count()) {
      if (stats_levels > 1) {
        sink_->Feature(name, tfmd::AnomalyInfo::VALUE_NESTEDNESS_MISMATCH, "Nestedness mismatch",
                       StrCat("Feature ", Quote(name), " has ", stats_levels,
                              " levels of nested values, but the schema's value_count describes "
                              "one; use value_counts."));
        return;
      }
      CheckValueCountRange(name, feature.value_count(), common.min_num_values(),
                           common.max_num_values(), "");
    } else if (feature.has_value_counts()) {
      const int schema_levels = feature.value_counts().value_count_size();
      if (schema_levels != stats_levels) {
        sink_->Feature(name, tfmd::AnomalyInfo::VALUE_NESTEDNESS_MISMATCH, "Nestedness mismatch",
                       StrCat("Feature ", Quote(name), " has ", stats_levels,
                              " level(s) of nested values, but the schema's value_counts "
                              "describes ",
                              schema_levels, "."));
        return;
      }
      for (int level = 0; level < schema_levels; ++level) {
        uint64_t min = common.min_num_values();
        uint64_t max = common.max_num_values();
        if (common.presence_and_valency_stats_size() > level) {
          min = common.presence_and_valency_stats(level).min_num_values();
          max = common.presence_and_valency_stats(level).max_num_values();
        }
        CheckValueCountRange(name, feature.value_counts().value_count(level), min, max,
                             schema_levels > 1 ? StrCat(" at nesting level ", level) : "");
      }
    } else if (feature.has_shape()) {
      int64_t size = 1;
      for (const auto& dim : feature.shape().dim()) size *= dim.size();
      std::string problem;
      if (common.num_missing() > 0) {
        problem = StrCat("is missing in ", common.num_missing(), " examples");
      } else if (common.min_num_values() != common.max_num_values()) {
        problem = StrCat("has between ", common.min_num_values(), " and ", common.max_num_values(),
                         " values per example");
      } else if (static_cast<int64_t>(common.min_num_values()) != size) {
        problem = StrCat("has ", common.min_num_values(), " values per example");
      }
      if (!problem.empty()) {
        sink_->Feature(name, tfmd::AnomalyInfo::INVALID_FEATURE_SHAPE, "Invalid shape",
                       StrCat("Feature ", Quote(name), " ", problem,
                              ", but its fixed shape in the schema needs exactly ", size,
                              " values in every example."));
      }
    }
  }

  void CheckStringValues(const std::string& name, const tfmd::Feature& feature,
                         const tfmd::StringDomain& domain, const std::string& domain_name,
                         const tfmd::StringStatistics& stats) {
    std::set<std::string_view> allowed(domain.value().begin(), domain.value().end());
    std::vector<std::pair<double, std::string>> unexpected;  // (count, value)
    double listed_total = 0;
    double unexpected_total = 0;
    auto consider = [&](const std::string& value, double count) {
      listed_total += count;
      if (!allowed.contains(value)) {
        unexpected.emplace_back(count, value);
        unexpected_total += count;
      }
    };
    if (stats.rank_histogram().buckets_size() > 0) {
      for (const auto& bucket : stats.rank_histogram().buckets()) {
        consider(bucket.label(), bucket.sample_count());
      }
    } else {
      for (const auto& top : stats.top_values()) consider(top.value(), top.frequency());
    }
    if (unexpected.empty()) return;
    const double total = stats.common_stats().tot_num_values() > 0
                             ? static_cast<double>(stats.common_stats().tot_num_values())
                             : listed_total;
    const double fraction = total > 0 ? unexpected_total / total : 0;
    const double min_domain_mass = feature.distribution_constraints().min_domain_mass();
    if (min_domain_mass < 1.0 && 1.0 - fraction >= min_domain_mass) return;
    std::sort(unexpected.begin(), unexpected.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    constexpr size_t kListed = 20;
    std::string values;
    for (size_t i = 0; i < std::min(kListed, unexpected.size()); ++i) {
      values +=
          StrCat(i ? ", " : "", Quote(unexpected[i].second), " (", Num(unexpected[i].first), ")");
    }
    if (unexpected.size() > kListed) {
      values += StrCat(" and ", unexpected.size() - kListed, " more");
    }
    std::string where = domain_name.empty() ? std::string("its string domain")
                                            : StrCat("string domain ", Quote(domain_name));
    std::string mass =
        min_domain_mass < 1.0
            ? StrCat(", more than the ", Num(1.0 - min_domain_mass), " allowed by min_domain_mass")
            : std::string();
    sink_->Feature(name, tfmd::AnomalyInfo::ENUM_TYPE_UNEXPECTED_STRING_VALUES,
                   "Unexpected string values",
                   StrCat("Feature ", Quote(name), " has values outside ", where, ": ", values,
                          "; ", Num(100 * fraction), "% of its values", mass, "."));
  }

  void CheckDomain(const tfmd::Feature& feature, const tfmd::FeatureNameStatistics& stats) {
    const std::string& name = feature.name();
    Domain domain = ResolveDomain(schema_, feature);
    if (domain.unresolved) {
      sink_->Feature(name, tfmd::AnomalyInfo::INVALID_DOMAIN_SPECIFICATION, "Unknown domain",
                     StrCat("Feature ", Quote(name), " refers to domain ", Quote(domain.name),
                            ", which the schema does not define (as a top-level string_domain, "
                            "int_domain or float_domain)."));
      return;
    }
    if (domain.strings != nullptr && stats.has_string_stats()) {
      CheckStringValues(name, feature, *domain.strings, domain.name, stats.string_stats());
    }
    if (!stats.has_num_stats()) return;
    const tfmd::NumericStatistics& num = stats.num_stats();
    if (domain.ints != nullptr && stats.type() == tfmd::FeatureNameStatistics::INT) {
      if (domain.ints->has_min() && num.min() < static_cast<double>(domain.ints->min())) {
        sink_->Feature(name, tfmd::AnomalyInfo::INT_TYPE_SMALL_INT, "Out-of-range values",
                       StrCat("Feature ", Quote(name), " has values as small as ", Num(num.min()),
                              ", below the domain minimum ", domain.ints->min(), "."));
      }
      if (domain.ints->has_max() && num.max() > static_cast<double>(domain.ints->max())) {
        sink_->Feature(name, tfmd::AnomalyInfo::INT_TYPE_BIG_INT, "Out-of-range values",
                       StrCat("Feature ", Quote(name), " has values as large as ", Num(num.max()),
                              ", above the domain maximum ", domain.ints->max(), "."));
      }
    }
    if (domain.floats != nullptr && stats.type() == tfmd::FeatureNameStatistics::FLOAT) {
      const tfmd::FloatDomain& floats = *domain.floats;
      if (floats.has_min() && num.min() < floats.min()) {
        sink_->Feature(name, tfmd::AnomalyInfo::FLOAT_TYPE_SMALL_FLOAT, "Out-of-range values",
                       StrCat("Feature ", Quote(name), " has values as small as ", Num(num.min()),
                              ", below the domain minimum ", Num(floats.min()), "."));
      }
      if (floats.has_max() && num.max() > floats.max()) {
        sink_->Feature(name, tfmd::AnomalyInfo::FLOAT_TYPE_BIG_FLOAT, "Out-of-range values",
                       StrCat("Feature ", Quote(name), " has values as large as ", Num(num.max()),
                              ", above the domain maximum ", Num(floats.max()), "."));
      }
      uint64_t nans = 0;
      for (const auto& histogram : num.histograms()) nans = std::max(nans, histogram.num_nan());
      if (floats.disallow_nan() && nans > 0) {
        sink_->Feature(name, tfmd::AnomalyInfo::FLOAT_TYPE_HAS_NAN, "Invalid values (NaN)",
                       StrCat("Feature ", Quote(name), " has ", nans,
                              " NaN values, which its float domain disallows."));
      }
      if (floats.disallow_inf() && (std::isinf(num.min()) || std::isinf(num.max()))) {
        sink_->Feature(name, tfmd::AnomalyInfo::FLOAT_TYPE_HAS_INF, "Invalid values (infinity)",
                       StrCat("Feature ", Quote(name), " has infinite values (min ", Num(num.min()),
                              ", max ", Num(num.max()), "), which its float domain disallows."));
      }
    }
  }

  void CheckUnique(const tfmd::Feature& feature, const tfmd::FeatureNameStatistics& stats) {
    if (!feature.has_unique_constraints()) return;
    const std::string& name = feature.name();
    if (!stats.has_string_stats()) {
      sink_->Feature(name, tfmd::AnomalyInfo::FEATURE_TYPE_NO_UNIQUE, "No unique value count",
                     StrCat("Feature ", Quote(name),
                            " has unique_constraints, but its statistics count unique values "
                            "only for strings."));
      return;
    }
    const auto unique = static_cast<int64_t>(stats.string_stats().unique());
    const tfmd::UniqueConstraints& constraints = feature.unique_constraints();
    if (constraints.has_min() && unique < constraints.min()) {
      sink_->Feature(
          name, tfmd::AnomalyInfo::FEATURE_TYPE_LOW_UNIQUE, "Too few unique values",
          StrCat("Feature ", Quote(name), " has ", unique,
                 " unique values; the schema requires at least ", constraints.min(), "."));
    }
    if (constraints.has_max() && unique > constraints.max()) {
      sink_->Feature(name, tfmd::AnomalyInfo::FEATURE_TYPE_HIGH_UNIQUE, "Too many unique values",
                     StrCat("Feature ", Quote(name), " has ", unique,
                            " unique values; the schema allows at most ", constraints.max(), "."));
    }
  }

  const tfmd::Schema& schema_;
  const tfmd::DatasetFeatureStatistics& statistics_;
  AnomalySink* sink_;
};

enum class Comparison { kDrift, kSkew };

// Compares one feature with its counterpart in the baseline statistics under `comparator`,
// recording every measurement in `info` and an anomaly for each one above its threshold.
void Compare(const std::string& name, const tfmd::FeatureComparator& comparator,
             Comparison comparison, const tfmd::FeatureNameStatistics& current,
             const tfmd::DatasetFeatureStatistics& baseline_dataset,
             const std::map<std::string, const tfmd::FeatureNameStatistics*>& baseline_index,
             tfmd::DriftSkewInfo* info, AnomalySink* sink) {
  const bool linf = comparator.infinity_norm().has_threshold();
  const bool jsd = comparator.jensen_shannon_divergence().has_threshold();
  if (!linf && !jsd) return;
  const bool drift = comparison == Comparison::kDrift;
  const std::string baseline_label =
      drift ? std::string("the previous span")
            : (baseline_dataset.name().empty() ? std::string("the skew baseline")
                                               : StrCat("split ", Quote(baseline_dataset.name())));
  const std::string between = drift ? std::string("the current and the previous span")
                                    : StrCat("this split and ", baseline_label);
  auto it = baseline_index.find(name);
  if (it == baseline_index.end()) {
    sink->Feature(name, tfmd::AnomalyInfo::COMPARATOR_CONTROL_DATA_MISSING, "Baseline data missing",
                  StrCat("Feature ", Quote(name), " has a ", drift ? "drift" : "skew",
                         " comparator, but ", baseline_label, " has no statistics for it."));
    return;
  }
  const tfmd::FeatureNameStatistics& baseline = *it->second;
  auto* measurements =
      drift ? info->mutable_drift_measurements() : info->mutable_skew_measurements();
  auto record = [&](tfmd::DriftSkewInfo::Measurement::Type type, double value, double threshold) {
    tfmd::DriftSkewInfo::Measurement* measurement = measurements->Add();
    measurement->set_type(type);
    measurement->set_value(value);
    measurement->set_threshold(threshold);
  };
  // A comparator that cannot be evaluated is reported rather than skipped: a silently ignored
  // threshold would bless data it never checked.
  auto not_available = [&](std::string_view what, std::string_view why) {
    sink->Feature(name, tfmd::AnomalyInfo::STATS_NOT_AVAILABLE, "Statistics not available",
                  StrCat("Cannot compute the ", what, " of feature ", Quote(name), " between ",
                         between, ": ", why, "."));
  };
  const tfmd::CommonStatistics* current_common = stats::CommonStatisticsOf(current);
  const tfmd::CommonStatistics* baseline_common = stats::CommonStatisticsOf(baseline);
  // A side without values has no distribution; its presence checks report it.
  if (current_common == nullptr || baseline_common == nullptr ||
      current_common->num_non_missing() == 0 || baseline_common->num_non_missing() == 0) {
    return;
  }
  const bool categorical = current.has_string_stats() && baseline.has_string_stats();
  const bool numeric = current.has_num_stats() && baseline.has_num_stats();
  if (linf) {
    const double threshold = comparator.infinity_norm().threshold();
    std::optional<LInfinityDistance> distance;
    if (categorical) {
      distance = ComputeLInfinityDistance(current.string_stats(), baseline.string_stats());
    }
    if (!distance) {
      not_available("L-infinity distance",
                    "it is defined over the value counts of string features on both sides");
    } else {
      record(tfmd::DriftSkewInfo::Measurement::L_INFTY, distance->distance, threshold);
      if (distance->distance > threshold) {
        sink->Feature(name, tfmd::AnomalyInfo::COMPARATOR_L_INFTY_HIGH,
                      StrCat("High L-infinity distance between ", between),
                      StrCat("The L-infinity distance between the value distributions of feature ",
                             Quote(name), " in ", between, " is ", Num(distance->distance),
                             " (largest change: value ", Quote(distance->value),
                             "), above the threshold ", Num(threshold), "."));
      }
    }
  }
  if (jsd) {
    const tfmd::JensenShannonDivergence& config = comparator.jensen_shannon_divergence();
    const double threshold = config.threshold();
    std::optional<double> divergence;
    if (categorical) {
      divergence =
          CategoricalJensenShannonDivergence(current.string_stats(), baseline.string_stats());
    } else if (numeric) {
      const auto wanted = config.source().type() == tfmd::HistogramSelection::QUANTILES
                              ? tfmd::Histogram::QUANTILES
                              : tfmd::Histogram::STANDARD;
      auto find = [&](const tfmd::NumericStatistics& num) -> const tfmd::Histogram* {
        for (const auto& histogram : num.histograms()) {
          if (histogram.type() == wanted) return &histogram;
        }
        return nullptr;
      };
      const tfmd::Histogram* a = find(current.num_stats());
      const tfmd::Histogram* b = find(baseline.num_stats());
      if (a != nullptr && b != nullptr) divergence = HistogramJensenShannonDivergence(*a, *b);
    }
    if (!divergence) {
      not_available("Jensen-Shannon divergence",
                    "both sides need string value counts, or the selected histogram with finite "
                    "bounds");
    } else {
      record(tfmd::DriftSkewInfo::Measurement::JENSEN_SHANNON_DIVERGENCE, *divergence, threshold);
      if (*divergence > threshold) {
        sink->Feature(name, tfmd::AnomalyInfo::COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
                      StrCat("High Jensen-Shannon divergence between ", between),
                      StrCat("The Jensen-Shannon divergence between the distributions of feature ",
                             Quote(name), " in ", between, " is ", Num(*divergence),
                             ", above the threshold ", Num(threshold), "."));
      }
    }
  }
}

void CheckDataset(const tfmd::DatasetFeatureStatistics& statistics, const tfmd::Schema& schema,
                  const ValidationOptions& options, AnomalySink* sink) {
  if (!schema.has_dataset_constraints()) return;
  const tfmd::DatasetConstraints& constraints = schema.dataset_constraints();
  const auto examples = static_cast<int64_t>(statistics.num_examples());
  if (constraints.has_min_examples_count() && examples < constraints.min_examples_count()) {
    sink->Dataset(tfmd::AnomalyInfo::DATASET_LOW_NUM_EXAMPLES, "Too few examples",
                  StrCat("The dataset has ", examples, " examples; the schema requires at least ",
                         constraints.min_examples_count(), "."));
  }
  if (constraints.has_max_examples_count() && examples > constraints.max_examples_count()) {
    sink->Dataset(tfmd::AnomalyInfo::DATASET_HIGH_NUM_EXAMPLES, "Too many examples",
                  StrCat("The dataset has ", examples, " examples; the schema allows at most ",
                         constraints.max_examples_count(), "."));
  }
  const tfmd::DatasetFeatureStatistics* previous = options.previous_statistics;
  if (previous == nullptr || !constraints.has_num_examples_drift_comparator() || examples == 0 ||
      previous->num_examples() == 0) {
    return;
  }
  const tfmd::NumericValueComparator& comparator = constraints.num_examples_drift_comparator();
  const double ratio =
      static_cast<double>(examples) / static_cast<double>(previous->num_examples());
  if (comparator.has_min_fraction_threshold() && ratio < comparator.min_fraction_threshold()) {
    sink->Dataset(tfmd::AnomalyInfo::COMPARATOR_LOW_NUM_EXAMPLES,
                  "Low number of examples compared to the previous span",
                  StrCat("The dataset has ", examples, " examples, ", Num(ratio),
                         " times the previous span's ", previous->num_examples(),
                         "; the schema requires at least ",
                         Num(comparator.min_fraction_threshold()), " times."));
  }
  if (comparator.has_max_fraction_threshold() && ratio > comparator.max_fraction_threshold()) {
    sink->Dataset(tfmd::AnomalyInfo::COMPARATOR_HIGH_NUM_EXAMPLES,
                  "High number of examples compared to the previous span",
                  StrCat("The dataset has ", examples, " examples, ", Num(ratio),
                         " times the previous span's ", previous->num_examples(),
                         "; the schema allows at most ", Num(comparator.max_fraction_threshold()),
                         " times."));
  }
}

}  // namespace

tfmd::Anomalies ValidateStatistics(const tfmd::DatasetFeatureStatistics& statistics,
                                   const tfmd::Schema& schema, const ValidationOptions& options) {
  tfmd::Anomalies anomalies;
  *anomalies.mutable_baseline() = schema;
  anomalies.set_anomaly_name_format(tfmd::Anomalies::SERIALIZED_PATH);
  AnomalySink sink(&anomalies);
  CheckDataset(statistics, schema, options, &sink);
  if (statistics.num_examples() == 0) {
    anomalies.set_data_missing(true);
    sink.Finish();
    return anomalies;
  }

  const auto index = IndexFeatures(statistics);
  std::map<std::string, const tfmd::FeatureNameStatistics*> previous_index;
  std::map<std::string, const tfmd::FeatureNameStatistics*> skew_index;
  if (options.previous_statistics != nullptr) {
    previous_index = IndexFeatures(*options.previous_statistics);
  }
  if (options.skew_statistics != nullptr) skew_index = IndexFeatures(*options.skew_statistics);

  // Every name the schema knows, expected here or not: none of them is a new column.
  std::set<std::string> known;
  for (const auto& feature : schema.sparse_feature()) {
    known.insert(feature.name());
    for (const auto& index_feature : feature.index_feature()) known.insert(index_feature.name());
    known.insert(feature.value_feature().name());
  }
  for (const auto& feature : schema.weighted_feature()) {
    known.insert(feature.name());
    for (const auto* path : {&feature.feature(), &feature.weight_feature()}) {
      if (path->step_size() == 1) known.insert(path->step(0));
    }
  }

  FeatureValidator validator(schema, statistics, &sink);
  for (const tfmd::Feature& feature : schema.feature()) {
    const std::string& name = feature.name();
    known.insert(name);
    if (SkippedLifecycle(feature.lifecycle_stage()) ||
        !InEnvironment(schema, feature, options.environment)) {
      continue;
    }
    auto it = index.find(name);
    if (it == index.end()) {
      if (Required(feature)) {
        sink.Feature(name, tfmd::AnomalyInfo::SCHEMA_MISSING_COLUMN, "Column dropped",
                     StrCat("Feature ", Quote(name),
                            " is required by the schema but does not appear in the data."));
      }
      continue;
    }
    const tfmd::FeatureNameStatistics& stats = *it->second;
    const tfmd::CommonStatistics* common = stats::CommonStatisticsOf(stats);
    if (common == nullptr) continue;
    validator.Check(feature, stats, *common);

    tfmd::DriftSkewInfo info;
    if (options.previous_statistics != nullptr && feature.has_drift_comparator()) {
      Compare(name, feature.drift_comparator(), Comparison::kDrift, stats,
              *options.previous_statistics, previous_index, &info, &sink);
    }
    if (options.skew_statistics != nullptr && feature.has_skew_comparator()) {
      Compare(name, feature.skew_comparator(), Comparison::kSkew, stats, *options.skew_statistics,
              skew_index, &info, &sink);
    }
    if (info.drift_measurements_size() > 0 || info.skew_measurements_size() > 0) {
      info.mutable_path()->add_step(name);
      *anomalies.add_drift_skew_info() = std::move(info);
    }
  }

  for (const auto& [name, stats] : index) {
    if (known.contains(name)) continue;
    const tfmd::CommonStatistics* common = stats::CommonStatisticsOf(*stats);
    uint64_t present = common != nullptr ? common->num_non_missing() : 0;
    sink.Feature(name, tfmd::AnomalyInfo::SCHEMA_NEW_COLUMN, "New column",
                 StrCat("Feature ", Quote(name), " is in the data (present in ", present, " of ",
                        statistics.num_examples(), " examples) but not in the schema."));
  }
  sink.Finish();
  return anomalies;
}

absl::Status CheckEnvironment(const tfmd::Schema& schema, const std::string& environment) {
  if (environment.empty()) return absl::OkStatus();
  std::set<std::string> names(schema.default_environment().begin(),
                              schema.default_environment().end());
  for (const auto& feature : schema.feature()) {
    names.insert(feature.in_environment().begin(), feature.in_environment().end());
    names.insert(feature.not_in_environment().begin(), feature.not_in_environment().end());
  }
  if (names.contains(environment)) return absl::OkStatus();
  std::string known;
  for (const std::string& name : names) known += StrCat(known.empty() ? "" : ", ", name);
  return absl::InvalidArgumentError(
      StrCat("environment '", environment,
             "' is not named by the schema (known: ", known.empty() ? std::string("none") : known,
             "); add it to the schema's default_environment or fix the spelling"));
}

bool IsBlessed(const tfmd::Anomalies& anomalies) {
  return anomalies.anomaly_info().empty() && !anomalies.has_dataset_anomaly_info() &&
         !anomalies.data_missing();
}

}  // namespace weir::validation
