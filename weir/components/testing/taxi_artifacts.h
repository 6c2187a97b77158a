// For component tests: the upstream artifacts of the taxi data (Examples, statistics, schema,
// and the tutorial's transform), made by running the real components once into a folder.
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

}  // namespace weir::components::testing

#endif  // WEIR_COMPONENTS_TESTING_TAXI_ARTIFACTS_H_
