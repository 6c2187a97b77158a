// Transform: analyzes a TransformSpec over one split of an Examples artifact and applies it to
// every split, as TFX's Transform component does. Outputs:
//   <transform_graph>/transform_graph.pbtxt, transform_fn/assets/<vocabulary>,
//                     transformed_metadata/schema.pbtxt
//   <transformed_examples>/Split-<name>/transformed_examples-00000-of-00001.gz
#ifndef WEIR_COMPONENTS_TRANSFORM_TRANSFORM_COMPONENT_H_
#define WEIR_COMPONENTS_TRANSFORM_TRANSFORM_COMPONENT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"
#include "weir/proto/transform.pb.h"

namespace weir::components {

struct TransformOptions {
  // An Examples artifact, or several with the same splits (a window of spans): the analyzers
  // read the analyze split of all of them, and each output split holds theirs in this order.
  std::vector<std::filesystem::path> examples;
  std::filesystem::path schema;  // A Schema artifact folder or schema.pbtxt: the raw types.
  transform::TransformSpec spec;
  std::filesystem::path transform_graph;       // Output; must not exist, or be empty.
  std::filesystem::path transformed_examples;  // Output; empty: do not write examples.
  std::string analyze_split = "train";
  int num_threads = 0;  // 0: all cores.
};

struct TransformResult {
  std::vector<std::string> split_names;
  std::vector<uint64_t> examples_per_split;
  ArtifactProperties transformed_examples_properties;  // split_names.
};

absl::StatusOr<TransformResult> RunTransform(const TransformOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_TRANSFORM_TRANSFORM_COMPONENT_H_
