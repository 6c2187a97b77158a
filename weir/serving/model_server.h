// weir's model server: TensorFlow Serving's REST API over weir models. Raw feature values in
// (row form {"instances": [...]} or columnar form {"inputs": {...}}), predictions out, through
// the model's own Format-Serving path (transform, then model), the code training and evaluation
// ran.
//
// It is three parts, as TF Serving's is: the versions (version_manager.h: load, policy, swap),
// the transport-free REST handler (rest_api_handler.h), and the HTTP transport
// (http_server.h), which only moves bytes to Handle and back.
#ifndef WEIR_SERVING_MODEL_SERVER_H_
#define WEIR_SERVING_MODEL_SERVER_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/serving/batcher.h"
#include "weir/serving/http_server.h"
#include "weir/serving/rest_api_handler.h"
#include "weir/serving/version_manager.h"

namespace weir::serving {

struct ModelServerOptions {
  std::string model_name = {};
  // Either a folder of version folders (<base>/<number>/, as the Pusher writes them) ...
  std::filesystem::path model_base_path = {};
  // ... or one model folder (a Trainer's Model artifact or a Format-Serving folder), served as
  // version 1 and not watched.
  std::filesystem::path model_path = {};
  // Versions to serve; empty: the latest only.
  std::vector<int64_t> pinned_versions = {};
  double poll_seconds = 1.0;
  size_t max_body_bytes = 16 << 20;
  // Join concurrent predict requests into one model call (batcher.h); off by default, as in
  // TensorFlow Serving.
  bool batching = false;
  BatcherOptions batcher = {};
};

class ModelServer {
 public:
  // Loads what is there now; fails if nothing can be served (no version, or none loads), or
  // without a model name.
  static absl::StatusOr<std::unique_ptr<ModelServer>> Start(const ModelServerOptions& options);

  HttpResponse Handle(std::string_view method, std::string_view path, std::string_view body) {
    return handler_->Handle(method, path, body);
  }
  // Looks at the base path once (a watcher thread does this every poll_seconds).
  void Poll() { versions_->Poll(); }

  // What other transports (grpc_service.h) serve from.
  const std::string& model_name() const { return model_name_; }
  const VersionManager& versions() const { return *versions_; }
  PredictBatcher* batcher() { return batcher_.get(); }
  ServingMetrics& metrics() { return metrics_; }

 private:
  ModelServer() = default;
  std::string model_name_;
  ServingMetrics metrics_;
  // Declared in the order they are built: the handler reads the versions and the batcher.
  std::unique_ptr<VersionManager> versions_;
  std::unique_ptr<PredictBatcher> batcher_;  // With ModelServerOptions::batching.
  std::unique_ptr<RestApiHandler> handler_;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_MODEL_SERVER_H_
