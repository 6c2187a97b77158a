#include "weir/schema/schema_gen.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::schema {
namespace fs = std::filesystem;

namespace {

const tfmd::CommonStatistics& CommonOf(const tfmd::FeatureNameStatistics& feature) {
  if (feature.has_num_stats()) return feature.num_stats().common_stats();
  if (feature.has_string_stats()) return feature.string_stats().common_stats();
  if (feature.has_bytes_stats()) return feature.bytes_stats().common_stats();
  return feature.struct_stats().common_stats();
}

std::string FeatureName(const tfmd::FeatureNameStatistics& feature) {
  if (feature.has_path()) {
    std::string name;
    for (int i = 0; i < feature.path().step_size(); ++i) name += (i ? "." : "") + feature.path().step(i);
    return name;
  }
  return feature.name();
}

// Collects parse errors with their positions for one message naming the file.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit ErrorCollector(std::string file) : file_(std::move(file)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (errors_.empty()) errors_ = StrCat(file_, ":", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {}
  const std::string& errors() const { return errors_; }

 private:
  std::string file_;
  std::string errors_;
};

}  // namespace

tfmd::Schema InferSchema(const tfmd::DatasetFeatureStatistics& stats, const SchemaInferenceOptions& options) {
  tfmd::Schema schema;
  for (const tfmd::FeatureNameStatistics& feature_stats : stats.features()) {
    const std::string name = FeatureName(feature_stats);
    const tfmd::CommonStatistics& common = CommonOf(feature_stats);
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

    const bool fixed = common.num_missing() == 0 && common.min_num_values() == common.max_num_values() &&
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
      } else if (strings.unique() > 0 && strings.unique() <= static_cast<uint64_t>(options.max_string_domain_size) &&
                 static_cast<uint64_t>(strings.rank_histogram().buckets_size()) == strings.unique()) {
        std::vector<std::string> values;
        for (const auto& bucket : strings.rank_histogram().buckets()) values.push_back(bucket.label());
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
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(file));
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors(file.string());
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(allow_unknown_fields);
  tfmd::Schema schema;
  if (!parser.ParseFromString(text, &schema)) {
    return absl::InvalidArgumentError(
        StrCat(errors.errors().empty() ? file.string() + ": not a text-format Schema" : errors.errors(),
               " (schema.pbtxt is a tensorflow_metadata Schema in protobuf text format)"));
  }
  return schema;
}

absl::StatusOr<tfmd::Schema> ReadSchema(const fs::path& path) {
  std::error_code ec;
  return ReadSchemaFile(fs::is_directory(path, ec) ? path / kSchemaFileName : path);
}

absl::Status WriteSchemaFile(const fs::path& file, const tfmd::Schema& schema) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(schema, &text)) {
    return absl::InternalError(StrCat("cannot print the schema for ", file.string()));
  }
  return base::WriteFileAtomically(file, text);
}

}  // namespace weir::schema
