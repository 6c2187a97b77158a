#include "weir/schema/schema_gen.h"

#include <algorithm>

#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/stats/statistics.h"

namespace weir::schema {
namespace fs = std::filesystem;

tfmd::Schema InferSchema(const tfmd::DatasetFeatureStatistics& stats,
                         const SchemaInferenceOptions& options) {
  tfmd::Schema schema;
  for (const tfmd::FeatureNameStatistics& feature_stats : stats.features()) {
    const std::string name = stats::FeatureName(feature_stats);
    static const tfmd::CommonStatistics kNoStatistics;
    const tfmd::CommonStatistics* found = stats::CommonStatisticsOf(feature_stats);
    const tfmd::CommonStatistics& common = found ? *found : kNoStatistics;
    tfmd::Feature* feature = schema.add_feature();
    feature->set_name(name);
    const bool ever_present = common.num_non_missing() > 0;
    switch (feature_stats.type()) {
      case tfmd::FeatureNameStatistics::INT:
        feature->set_type(tfmd::INT);
        break;
      case tfmd::FeatureNameStatistics::FLOAT:
        feature->set_type(tfmd::FLOAT);
        break;
      case tfmd::FeatureNameStatistics::STRUCT:
        feature->set_type(tfmd::STRUCT);
        break;
      default:
        feature->set_type(tfmd::BYTES);
        break;
    }
    tfmd::FeaturePresence* presence = feature->mutable_presence();
    presence->set_min_count(ever_present ? 1 : 0);
    if (ever_present && common.num_missing() == 0) presence->set_min_fraction(1.0);
    if (!ever_present) continue;  // Nothing more is known about a feature never seen.

    const bool fixed = common.num_missing() == 0 &&
                       common.min_num_values() == common.max_num_values() &&
                       common.min_num_values() > 0;
    if (options.infer_feature_shape && fixed) {
      feature->mutable_shape()->add_dim()->set_size(static_cast<int64_t>(common.min_num_values()));
    } else if (common.min_num_values() >= 1 || common.max_num_values() == 1) {
      tfmd::ValueCount* count = feature->mutable_value_count();
      if (common.min_num_values() >= 1) count->set_min(1);
      if (common.max_num_values() == 1) count->set_max(1);
    }

    if (feature_stats.has_num_stats() && feature_stats.type() == tfmd::FeatureNameStatistics::INT) {
      const tfmd::NumericStatistics& numbers = feature_stats.num_stats();
      if (common.tot_num_values() > 0 && numbers.min() >= 0 && numbers.max() <= 1) {
        feature->mutable_bool_domain();
      }
    }
    if (feature_stats.has_string_stats()) {
      const tfmd::StringStatistics& strings = feature_stats.string_stats();
      if (feature_stats.type() == tfmd::FeatureNameStatistics::INT) {
        feature->mutable_int_domain()->set_is_categorical(true);  // An int counted as categories.
      } else if (strings.unique() > 0 &&
                 strings.unique() <= static_cast<uint64_t>(options.max_string_domain_size) &&
                 static_cast<uint64_t>(strings.rank_histogram().buckets_size()) ==
                     strings.unique()) {
        std::vector<std::string> values;
        for (const auto& bucket : strings.rank_histogram().buckets())
          values.push_back(bucket.label());
        std::sort(values.begin(), values.end());
        tfmd::StringDomain* domain = schema.add_string_domain();
        domain->set_name(name);
        for (const std::string& value : values) domain->add_value(value);
        feature->set_domain(name);
      }
    }
  }
  return schema;
}

absl::StatusOr<tfmd::Schema> ReadSchemaFile(const fs::path& file, bool allow_unknown_fields) {
  tfmd::Schema schema;
  RETURN_IF_ERROR(base::ReadTextProto(file, &schema, allow_unknown_fields));
  return schema;
}

absl::StatusOr<tfmd::Schema> ReadSchema(const fs::path& path) {
  std::error_code ec;
  return ReadSchemaFile(fs::is_directory(path, ec) ? path / kSchemaFileName : path);
}

absl::Status WriteSchemaFile(const fs::path& file, const tfmd::Schema& schema) {
  return base::WriteTextProto(file, schema);
}

}  // namespace weir::schema
