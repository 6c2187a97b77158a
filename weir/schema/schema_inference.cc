#include "weir/schema/schema_inference.h"

#include <algorithm>
#include <map>
#include <set>

#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/stats/statistics.h"

namespace weir::schema {
namespace fs = std::filesystem;
namespace {

const tfmd::CommonStatistics& CommonOf(const tfmd::FeatureNameStatistics& feature_stats) {
  static const tfmd::CommonStatistics kNoStatistics;
  const tfmd::CommonStatistics* found = stats::CommonStatisticsOf(feature_stats);
  return found ? *found : kNoStatistics;
}

tfmd::FeatureType SchemaType(tfmd::FeatureNameStatistics::Type type) {
  switch (type) {
    case tfmd::FeatureNameStatistics::INT:
      return tfmd::INT;
    case tfmd::FeatureNameStatistics::FLOAT:
      return tfmd::FLOAT;
    case tfmd::FeatureNameStatistics::STRUCT:
      return tfmd::STRUCT;
    default:  // STRING and BYTES, and features never present.
      return tfmd::BYTES;
  }
}

// The distinct values a string feature's rank histogram lists, in byte order: what TFDV builds a
// string domain from (not string_stats.unique, so a truncated histogram limits the domain).
std::set<std::string> RankedValues(const tfmd::FeatureNameStatistics& feature_stats) {
  std::set<std::string> values;
  for (const auto& bucket : feature_stats.string_stats().rank_histogram().buckets())
    values.insert(bucket.label());
  return values;
}

// The fraction of examples holding the feature, as TFDV computes it: exactly 1 when none lacks it.
double FractionPresent(const tfmd::CommonStatistics& common, uint64_t num_examples) {
  if (common.num_missing() == 0) return 1.0;
  return num_examples == 0
             ? 0.0
             : static_cast<double>(common.num_non_missing()) / static_cast<double>(num_examples);
}

// A string domain to add to the schema: `name`, or `name2`, `name3`... when taken.
std::string NewDomainName(const tfmd::Schema& schema, const std::string& name) {
  auto taken = [&](const std::string& candidate) {
    return std::any_of(schema.string_domain().begin(), schema.string_domain().end(),
                       [&](const tfmd::StringDomain& d) { return d.name() == candidate; });
  };
  if (!taken(name)) return name;
  for (int n = 2;; ++n) {
    std::string candidate = StrCat(name, n);
    if (!taken(candidate)) return candidate;
  }
}

// A feature as TFDV's schema inference creates it from one dataset's statistics.
void AddInferredFeature(const tfmd::FeatureNameStatistics& feature_stats, bool infer_feature_shape,
                        const SchemaInferenceOptions& options, tfmd::Schema* schema) {
  const std::string name = stats::FeatureName(feature_stats);
  const tfmd::CommonStatistics& common = CommonOf(feature_stats);
  tfmd::Feature* feature = schema->add_feature();
  feature->set_name(name);
  feature->set_type(SchemaType(feature_stats.type()));
  tfmd::FeaturePresence* presence = feature->mutable_presence();
  const bool ever_present = common.num_non_missing() > 0;
  presence->set_min_count(ever_present ? 1 : 0);
  if (!ever_present) return;  // Nothing more is known about a feature never seen.
  if (common.num_missing() == 0) presence->set_min_fraction(1.0);

  // Valency: a fixed shape [k] for a feature in every example with exactly k values (when asked
  // for); otherwise value_count {min: k max: k} for exactly k, {min: 1} for varying counts that
  // are never 0, and nothing when some example has an empty list.
  const uint64_t min_values = common.min_num_values();
  const uint64_t max_values = common.max_num_values();
  if (min_values > 0) {
    if (infer_feature_shape && common.num_missing() == 0 && min_values == max_values &&
        feature->type() != tfmd::STRUCT) {
      feature->mutable_shape()->add_dim()->set_size(static_cast<int64_t>(min_values));
    } else if (min_values == max_values) {
      feature->mutable_value_count()->set_min(static_cast<int64_t>(min_values));
      feature->mutable_value_count()->set_max(static_cast<int64_t>(max_values));
    } else {
      feature->mutable_value_count()->set_min(1);
    }
  }

  if (feature_stats.type() == tfmd::FeatureNameStatistics::INT && feature_stats.has_num_stats()) {
    const tfmd::NumericStatistics& numbers = feature_stats.num_stats();
    if (numbers.min() >= 0 && numbers.max() == 1) feature->mutable_bool_domain();
  }
  if (feature_stats.has_string_stats()) {
    const tfmd::StringStatistics& strings = feature_stats.string_stats();
    if (feature_stats.type() == tfmd::FeatureNameStatistics::INT) {
      feature->mutable_int_domain()->set_is_categorical(true);  // An int counted as categories.
    } else if (strings.invalid_utf8_count() == 0) {
      const std::set<std::string> values = RankedValues(feature_stats);
      if (!values.empty() && values.size() <= static_cast<size_t>(options.max_string_domain_size)) {
        tfmd::StringDomain* domain = schema->add_string_domain();
        domain->set_name(NewDomainName(*schema, name));
        for (const std::string& value : values) domain->add_value(value);
        feature->set_domain(domain->name());
      }
    }
  }
}

// Whether the schema requires the feature to be present: TFDV deprecates such a feature when a
// dataset lacks it.
bool ExistenceRequired(const tfmd::Feature& feature) {
  return feature.presence().min_count() > 0 || feature.presence().min_fraction() > 0;
}

void Deprecate(tfmd::Feature* feature) { feature->set_lifecycle_stage(tfmd::DEPRECATED); }

tfmd::StringDomain* StringDomainOf(tfmd::Schema* schema, tfmd::Feature* feature) {
  if (feature->has_string_domain()) return feature->mutable_string_domain();
  if (!feature->has_domain()) return nullptr;
  for (tfmd::StringDomain& domain : *schema->mutable_string_domain())
    if (domain.name() == feature->domain()) return &domain;
  return nullptr;
}

void RemoveStringDomain(tfmd::Schema* schema, tfmd::Feature* feature) {
  if (feature->has_domain()) {
    auto* domains = schema->mutable_string_domain();
    for (int d = 0; d < domains->size(); ++d) {
      if (domains->Get(d).name() == feature->domain()) {
        domains->DeleteSubrange(d, 1);
        break;
      }
    }
  }
  feature->clear_domain_info();
}

// Relaxes `feature` so that the dataset's statistics satisfy it, as TFDV's update_schema does.
void UpdateFeature(const tfmd::FeatureNameStatistics& feature_stats, uint64_t num_examples,
                   tfmd::Schema* schema, tfmd::Feature* feature) {
  const tfmd::CommonStatistics& common = CommonOf(feature_stats);
  if (common.num_non_missing() == 0) {
    if (ExistenceRequired(*feature)) Deprecate(feature);
    return;
  }
  if (feature->has_presence()) {
    tfmd::FeaturePresence* presence = feature->mutable_presence();
    const double fraction = FractionPresent(common, num_examples);
    if (presence->has_min_count() &&
        static_cast<int64_t>(common.num_non_missing()) < presence->min_count()) {
      presence->set_min_count(static_cast<int64_t>(common.num_non_missing()));
    }
    if (presence->has_min_fraction() && fraction < presence->min_fraction())
      presence->set_min_fraction(fraction);
    if (presence->min_fraction() == 1.0 && common.num_missing() != 0)
      presence->set_min_fraction(0.9999);
  }

  const int64_t min_values = static_cast<int64_t>(common.min_num_values());
  const int64_t max_values = static_cast<int64_t>(common.max_num_values());
  if (feature->has_value_count()) {
    tfmd::ValueCount* count = feature->mutable_value_count();
    if (count->has_min() && min_values < count->min()) {
      if (min_values == 0) {
        count->clear_min();
      } else {
        count->set_min(min_values);
      }
    }
    if (count->has_max() && max_values > count->max()) count->set_max(max_values);
  } else if (feature->has_shape()) {
    // A shape that no longer holds is dropped, not loosened into a value count (as TFDV does).
    int64_t size = 1;
    for (const auto& dim : feature->shape().dim()) size *= dim.size();
    if (min_values != max_values || min_values == 0 || common.num_missing() != 0 ||
        min_values != size) {
      feature->clear_shape();
    }
  }

  if (SchemaType(feature_stats.type()) != feature->type()) {
    Deprecate(feature);  // Conflicting types: TFDV leaves the type and deprecates the feature.
  }

  if (tfmd::StringDomain* domain = StringDomainOf(schema, feature); domain != nullptr) {
    if (feature_stats.string_stats().invalid_utf8_count() > 0) {
      RemoveStringDomain(schema, feature);
    } else {
      const std::set<std::string> known(domain->value().begin(), domain->value().end());
      for (const std::string& value : RankedValues(feature_stats)) {
        if (!known.contains(value)) domain->add_value(value);  // Appended, in byte order.
      }
    }
  } else if (feature->has_bool_domain() &&
             feature_stats.type() == tfmd::FeatureNameStatistics::INT) {
    const tfmd::NumericStatistics& numbers = feature_stats.num_stats();
    if (numbers.min() < 0 || numbers.max() > 1) {
      tfmd::IntDomain* ints = feature->mutable_int_domain();  // Clears the bool domain.
      ints->set_min(static_cast<int64_t>(numbers.min()));
      ints->set_max(static_cast<int64_t>(numbers.max()));
    }
  } else if (feature->has_int_domain() && feature_stats.has_num_stats()) {
    tfmd::IntDomain* ints = feature->mutable_int_domain();
    const tfmd::NumericStatistics& numbers = feature_stats.num_stats();
    if (ints->has_min() && numbers.min() < static_cast<double>(ints->min()))
      ints->set_min(static_cast<int64_t>(numbers.min()));
    if (ints->has_max() && numbers.max() > static_cast<double>(ints->max()))
      ints->set_max(static_cast<int64_t>(numbers.max()));
  } else if (feature->has_float_domain() && feature_stats.has_num_stats()) {
    tfmd::FloatDomain* floats = feature->mutable_float_domain();
    const tfmd::NumericStatistics& numbers = feature_stats.num_stats();
    if (floats->has_min() && numbers.min() < floats->min())
      floats->set_min(static_cast<float>(numbers.min()));
    if (floats->has_max() && numbers.max() > floats->max())
      floats->set_max(static_cast<float>(numbers.max()));
  }
}

}  // namespace

tfmd::Schema InferSchema(const tfmd::DatasetFeatureStatistics& stats,
                         const SchemaInferenceOptions& options) {
  tfmd::Schema schema;
  for (const tfmd::FeatureNameStatistics& feature_stats : stats.features())
    AddInferredFeature(feature_stats, options.infer_feature_shape, options, &schema);
  return schema;
}

void UpdateSchema(const tfmd::DatasetFeatureStatistics& stats,
                  const SchemaInferenceOptions& options, tfmd::Schema* schema) {
  std::map<std::string, int> index;
  for (int f = 0; f < schema->feature_size(); ++f) index[schema->feature(f).name()] = f;
  std::set<std::string> seen;
  for (const tfmd::FeatureNameStatistics& feature_stats : stats.features()) {
    const std::string name = stats::FeatureName(feature_stats);
    seen.insert(name);
    auto it = index.find(name);
    if (it == index.end()) {
      // A feature this dataset introduces: inferred from it alone, never with a fixed shape.
      AddInferredFeature(feature_stats, /*infer_feature_shape=*/false, options, schema);
      continue;
    }
    tfmd::Feature* feature = schema->mutable_feature(it->second);
    if (feature->lifecycle_stage() == tfmd::DEPRECATED) continue;
    UpdateFeature(feature_stats, stats.num_examples(), schema, feature);
  }
  for (tfmd::Feature& feature : *schema->mutable_feature()) {
    if (!seen.contains(feature.name()) && feature.lifecycle_stage() != tfmd::DEPRECATED &&
        ExistenceRequired(feature)) {
      Deprecate(&feature);
    }
  }
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
