// Pusher: copies a blessed model's Format-Serving folder to <base_directory>/<version>/, where
// `weir serve` (or TensorFlow Serving's layout conventions) picks up the newest version, and with
// the "onnx" push format the model as one ONNX file beside it (model.onnx, as `weir export onnx`
// writes it). The version folder appears atomically (written under a temporary name, then
// renamed). A model that is not blessed is not pushed, and nothing is touched.
#ifndef WEIR_COMPONENTS_PUSHER_PUSHER_COMPONENT_H_
#define WEIR_COMPONENTS_PUSHER_PUSHER_COMPONENT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"

namespace weir::components {

inline constexpr char kPushFileName[] = "push.json";
inline constexpr char kOnnxFileName[] = "model.onnx";

struct PusherOptions {
  std::filesystem::path model;           // A Model artifact.
  std::filesystem::path blessing;        // Its ModelBlessing (BLESSED or NOT_BLESSED).
  std::filesystem::path base_directory;  // Where versions go.
  std::filesystem::path pushed_model;    // Output artifact folder (push.json).
  // What a version holds: "weir" (the Format-Serving folder; always) and "onnx" (model.onnx).
  std::vector<std::string> formats = {"weir"};
};

// OK when every format is "weir" or "onnx" and "weir" is one of them (weir serve, and the next
// push's comparison with the newest version, read the model's own files).
absl::Status CheckPushFormats(const std::vector<std::string>& formats);

struct PusherResult {
  bool pushed = false;
  std::filesystem::path destination;
  int64_t version = 0;
  ArtifactProperties properties;  // pushed, pushed_destination, pushed_version.
};

absl::StatusOr<PusherResult> RunPusher(const PusherOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_PUSHER_PUSHER_COMPONENT_H_
