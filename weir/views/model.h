// The views of the Trainer's and the Pusher's artifacts and of the Evaluator's blessing: a
// Model (its model_spec.pbtxt), a ModelRun (its learning curves), a ModelBlessing and a
// PushedModel (the versions in the serving folder).
#ifndef WEIR_VIEWS_MODEL_H_
#define WEIR_VIEWS_MODEL_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/metadata/metadata_store.h"
#include "weir/proto/model.pb.h"
#include "weir/views/text.h"

namespace weir::views {

struct ModelView {
  model::ModelSpec spec;
  std::string spec_text;  // model_spec.pbtxt as written.
};
// A Model artifact folder (or its Format-Serving folder). Errors name the file.
absl::StatusOr<ModelView> LoadModel(const std::filesystem::path& uri);
// {"model_spec": text, "family", "label", "features": [model input names]}.
nlohmann::ordered_json ModelToJson(const ModelView& view);
// Family, task, label, class names, the inputs and the signature, and the validation metrics.
std::string RenderModel(const ModelView& view, const TextOptions& options);

struct CurvePoint {
  int64_t step = 0;
  std::string split;  // "train" or "validation" ("eval" in older runs).
  std::vector<std::pair<std::string, double>> metrics;
};
// A ModelRun artifact's curves.jsonl, in file order. NotFound when there is none.
absl::StatusOr<std::vector<CurvePoint>> LoadModelRun(const std::filesystem::path& uri);
// {"curves": [{"step", "split", "metrics": {name: value}}]}.
nlohmann::ordered_json ModelRunToJson(const std::vector<CurvePoint>& curves);
// One table per curve: a row per point, a column per metric.
std::string RenderModelRun(const std::vector<CurvePoint>& curves, const TextOptions& options);

struct BlessingView {
  bool blessed = false;
  int64_t current_model_id = 0;
  std::optional<int64_t> baseline_model_id;
};
// A ModelBlessing artifact: its BLESSED file and the ids the Evaluator recorded.
BlessingView LoadBlessing(const metadata::Artifact& artifact);
// {"blessed", "current_model_id", "baseline_model_id" (null without a baseline)}.
nlohmann::ordered_json BlessingToJson(const BlessingView& view);
std::string RenderBlessing(const BlessingView& view, const TextOptions& options);

struct PushedModelView {
  bool pushed = false;
  std::string destination;  // Empty when nothing was pushed.
  std::string version;
  // Every version folder in the serving folder, newest first.
  std::vector<std::pair<std::string, std::string>> versions;  // (version, path).
};
// A PushedModel artifact: what the Pusher recorded, and the versions now in its folder.
PushedModelView LoadPushedModel(const metadata::Artifact& artifact);
// {"pushed", "destination", "version" (null when not pushed), "versions": [{"version", "path"}]}.
nlohmann::ordered_json PushedModelToJson(const PushedModelView& view);
std::string RenderPushedModel(const PushedModelView& view, const TextOptions& options);

}  // namespace weir::views

#endif  // WEIR_VIEWS_MODEL_H_
