// Pusher: copies a blessed model's Format-Serving folder to <base_directory>/<version>/, where
// `weir serve` (or TensorFlow Serving's layout conventions) picks up the newest version. The
// version folder appears atomically (copied under a temporary name, then renamed). A model that
// is not blessed is not pushed, and nothing is touched.
#ifndef WEIR_COMPONENTS_PUSHER_PUSHER_COMPONENT_H_
#define WEIR_COMPONENTS_PUSHER_PUSHER_COMPONENT_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"

namespace weir::components {

inline constexpr char kPushFileName[] = "push.json";

struct PusherOptions {
  std::filesystem::path model;           // A Model artifact.
  std::filesystem::path blessing;        // Its ModelBlessing (BLESSED or NOT_BLESSED).
  std::filesystem::path base_directory;  // Where versions go.
  std::filesystem::path pushed_model;    // Output artifact folder (push.json).
};

struct PusherResult {
  bool pushed = false;
  std::filesystem::path destination;
  int64_t version = 0;
  ArtifactProperties properties;  // pushed, pushed_destination, pushed_version.
};

absl::StatusOr<PusherResult> RunPusher(const PusherOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_PUSHER_PUSHER_COMPONENT_H_
