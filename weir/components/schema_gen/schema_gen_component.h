// SchemaGen: <output>/schema.pbtxt inferred from a statistics artifact (TFX's SchemaGen: inferred
// from one split, then updated with each other split), or a curated schema imported as it is
// (TFX's ImportSchemaGen).
#ifndef WEIR_COMPONENTS_SCHEMA_GEN_SCHEMA_GEN_COMPONENT_H_
#define WEIR_COMPONENTS_SCHEMA_GEN_SCHEMA_GEN_COMPONENT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/schema/schema_inference.h"

namespace weir::components {

struct SchemaGenOptions {
  std::filesystem::path statistics;     // A statistics artifact (Split-<name>/FeatureStats.pb).
  std::filesystem::path import_schema;  // Or a curated schema.pbtxt to import instead.
  std::filesystem::path output;         // Must not exist, or be empty.
  // Splits to leave out. The schema is inferred from the first other split (train first, then
  // eval, then the rest by name, as TFX orders them) and updated with each following one.
  std::vector<std::string> exclude_splits;
  schema::SchemaInferenceOptions inference;
};

struct SchemaGenResult {
  // The statistics files read (inferred from the first, updated with the others), or the
  // imported file.
  std::vector<std::string> sources;
  int num_features = 0;
};

// Writes <output>/schema.pbtxt. An imported schema is checked (it must parse; fields newer than
// this build's tensorflow_metadata are allowed) and copied byte for byte, so hand edits, comments
// and unknown fields stay intact.
absl::StatusOr<SchemaGenResult> RunSchemaGen(const SchemaGenOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_SCHEMA_GEN_SCHEMA_GEN_COMPONENT_H_
