// For component tests: the upstream artifacts of a CSV file (Examples, statistics, schema, and a
// transform; for the taxi data the tutorial's), made by running the real components once into a
// folder.
#ifndef WEIR_COMPONENTS_TESTING_TAXI_ARTIFACTS_H_
#define WEIR_COMPONENTS_TESTING_TAXI_ARTIFACTS_H_

#include <filesystem>

#include "absl/status/status.h"
#include "weir/proto/transform.pb.h"

namespace weir::components::testing {

// The tutorial's preprocessing_fn as a spec (a subset of its features, to stay quick).
transform::TransformSpec TutorialTransformSpec();

// Creates under `root`: csv/, examples/, statistics/, schema/, and with `with_transform`
// transform_graph/ and transformed_examples/ (TutorialTransformSpec).
absl::Status MakeTaxiArtifacts(const std::filesystem::path& root, bool with_transform);

// The same for any CSV file: under `root`, csv/ (a copy), examples/, statistics/, schema/, and
// with a `spec`, transform_graph/ and transformed_examples/.
absl::Status MakeArtifacts(const std::filesystem::path& csv, const std::filesystem::path& root,
                           const transform::TransformSpec* spec);

}  // namespace weir::components::testing

#endif  // WEIR_COMPONENTS_TESTING_TAXI_ARTIFACTS_H_
