// Schema inference from statistics (TFDV's infer_schema rules) and schema.pbtxt files.
#ifndef WEIR_SCHEMA_SCHEMA_INFERENCE_H_
#define WEIR_SCHEMA_SCHEMA_INFERENCE_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "weir/proto/schema.pb.h"
#include "weir/proto/statistics.pb.h"

namespace weir::schema {

namespace tfmd = ::tensorflow::metadata::v0;

inline constexpr char kSchemaFileName[] = "schema.pbtxt";

struct SchemaInferenceOptions {
  // Give a feature that is present in every example with exactly k values a fixed shape [k].
  bool infer_feature_shape = true;
  // A string feature with at most this many distinct values gets a string domain.
  int max_string_domain_size = 100;
};

// Infers a schema from one dataset's statistics, by TFDV's infer_schema rules:
//  - type: INT, FLOAT, or BYTES (strings, and features never present);
//  - presence: min_count 1 if the feature is ever present (0 if never), min_fraction 1.0 only
//    when it is never missing;
//  - valency, for a feature with min..max values per present example: with infer_feature_shape,
//    a fixed shape [k] when it is in every example with exactly k values; otherwise value_count
//    {min: k max: k} when min = max = k > 0, {min: 1} when 0 < min < max, and nothing when some
//    example has an empty list (min 0);
//  - domains: bool_domain for an INT feature whose values run from 0 (or more) to exactly 1; a
//    string domain named after the feature, values in byte order, for a valid UTF-8 string feature
//    whose rank histogram lists 1..max_string_domain_size values, referenced by `domain`.
tfmd::Schema InferSchema(const tfmd::DatasetFeatureStatistics& stats,
                         const SchemaInferenceOptions& options);

// Relaxes `schema` so that another dataset's statistics (say the eval split's) satisfy it, as
// TFDV's update_schema does after infer_schema in TFX's SchemaGen:
//  - presence: min_count and min_fraction lowered to what the dataset shows;
//  - value_count: a set min lowered (cleared at 0), a set max raised; a fixed shape the dataset
//    breaks is dropped (not replaced by a value count);
//  - string domains gain the dataset's new values, appended in byte order (and are removed when
//    the dataset holds invalid UTF-8); a set int or float domain range widens; a bool domain meets
//    other integers and becomes an int domain of their range;
//  - a feature the dataset introduces is inferred from it (never with a fixed shape) and appended;
//  - a feature whose type conflicts with the dataset's, or that is required but absent, becomes
//    lifecycle_stage DEPRECATED; deprecated features are left alone.
void UpdateSchema(const tfmd::DatasetFeatureStatistics& stats,
                  const SchemaInferenceOptions& options, tfmd::Schema* schema);

// Reads a text-format Schema. Errors name the file, line and column. Fields this build does not
// know (from a newer tensorflow_metadata) are an error unless `allow_unknown_fields`.
absl::StatusOr<tfmd::Schema> ReadSchemaFile(const std::filesystem::path& file,
                                            bool allow_unknown_fields = false);
// The schema in `path`: the file itself, or `schema.pbtxt` inside a folder.
absl::StatusOr<tfmd::Schema> ReadSchema(const std::filesystem::path& path);
absl::Status WriteSchemaFile(const std::filesystem::path& file, const tfmd::Schema& schema);

}  // namespace weir::schema

#endif  // WEIR_SCHEMA_SCHEMA_INFERENCE_H_
