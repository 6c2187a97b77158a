// SchemaGen: <output>/schema.pbtxt inferred from a statistics artifact (TFX's SchemaGen), or a
// curated schema imported as it is (TFX's ImportSchemaGen).
#ifndef WEIR_COMPONENTS_SCHEMA_GEN_SCHEMA_GEN_H_
#define WEIR_COMPONENTS_SCHEMA_GEN_SCHEMA_GEN_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "weir/schema/schema_gen.h"

namespace weir::components {

struct SchemaGenOptions {
  std::filesystem::path statistics;     // A statistics artifact (Split-<name>/FeatureStats.pb).
  std::filesystem::path import_schema;  // Or a curated schema.pbtxt to import instead.
  std::filesystem::path output;         // Must not exist, or be empty.
  // The split to infer from; empty: "train" if there is one, else the only split.
  std::string split;
  schema::SchemaInferenceOptions inference;
};

struct SchemaGenResult {
  std::string source;  // The statistics file inferred from, or the imported file.
  int num_features = 0;
};

// Writes <output>/schema.pbtxt. An imported schema is checked (it must parse; fields newer than
// this build's tensorflow_metadata are allowed) and copied byte for byte, so hand edits, comments
// and unknown fields stay intact.
absl::StatusOr<SchemaGenResult> RunSchemaGen(const SchemaGenOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_SCHEMA_GEN_SCHEMA_GEN_H_
