// The models a server answers for, by name, as TF Serving's --model_config_file lists them: each
// with its versions (version_manager.h), its version labels ("stable" -> 3) and its counters.
// A config reload replaces the set while requests in flight keep the models they started with.
#ifndef WEIR_SERVING_SERVED_MODELS_H_
#define WEIR_SERVING_SERVED_MODELS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/serving/batcher.h"
#include "weir/serving/request_log.h"
#include "weir/serving/servable.h"
#include "weir/serving/serving_metrics.h"
#include "weir/serving/version_manager.h"

namespace weir::serving {

struct ServedModel {
  std::string name;
  VersionManagerOptions source;  // What it was started from: a reload keeps it when unchanged.
  std::unique_ptr<VersionManager> versions;
  std::map<std::string, int64_t> labels;
  ServingMetrics metrics;
  RequestLog* request_log = nullptr;  // The server's, when it logs requests.

  // The servable for a version number, a label, or (neither) the newest available. Errors:
  // NotFound for an unknown label or a version that is not available; Unavailable when no
  // version is.
  absl::StatusOr<std::pair<int64_t, std::shared_ptr<const Servable>>> Pick(
      std::optional<int64_t> version, std::string_view label = {}) const;
};

// `servable`'s predictions for the request's raw rows (OutputsPerRow values per row), through
// `batcher` when it is not null; counted in `model`'s metrics, and logged with every feature the
// request sent when the model's request log draws it.
absl::StatusOr<std::vector<float>> PredictRows(ServedModel& model, const Servable& servable,
                                               PredictRequest request, PredictBatcher* batcher);

class ServedModels {
 public:
  // The model of that name, or NotFound naming the models there are.
  absl::StatusOr<std::shared_ptr<ServedModel>> Find(std::string_view name) const;
  // Every model, by name.
  std::vector<std::shared_ptr<ServedModel>> All() const;
  void Replace(std::map<std::string, std::shared_ptr<ServedModel>> models);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<ServedModel>, std::less<>> models_;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_SERVED_MODELS_H_
