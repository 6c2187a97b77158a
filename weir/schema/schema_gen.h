// Schema inference from statistics (TFDV's infer_schema rules) and schema.pbtxt files.
#ifndef WEIR_SCHEMA_SCHEMA_GEN_H_
#define WEIR_SCHEMA_SCHEMA_GEN_H_

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

// Infers a schema from one dataset's statistics:
//  - type: INT, FLOAT, or BYTES (strings, and features never present);
//  - presence: min_count 1 if the feature is ever present (0 if never), min_fraction 1.0 only
//    when it is never missing;
//  - valency: a fixed shape (with infer_feature_shape) when always present with exactly k values;
//    otherwise value_count with min 1 when every present example has a value, max 1 when none has
//    more than one;
//  - domains: bool_domain for an INT feature whose values are only 0 and 1; a string domain named
//    after the feature, values in byte order, for a string feature with 1..max_string_domain_size
//    distinct values, referenced by the feature's `domain`.
tfmd::Schema InferSchema(const tfmd::DatasetFeatureStatistics& stats,
                         const SchemaInferenceOptions& options);

// Reads a text-format Schema. Errors name the file, line and column. Fields this build does not
// know (from a newer tensorflow_metadata) are an error unless `allow_unknown_fields`.
absl::StatusOr<tfmd::Schema> ReadSchemaFile(const std::filesystem::path& file,
                                            bool allow_unknown_fields = false);
// The schema in `path`: the file itself, or `schema.pbtxt` inside a folder.
absl::StatusOr<tfmd::Schema> ReadSchema(const std::filesystem::path& path);
absl::Status WriteSchemaFile(const std::filesystem::path& file, const tfmd::Schema& schema);

}  // namespace weir::schema

#endif  // WEIR_SCHEMA_SCHEMA_GEN_H_
