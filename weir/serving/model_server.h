// weir's model server: TensorFlow Serving's REST API (and, with grpc_service.h, its gRPC API) over
// weir models. Raw feature values in, predictions out, through the model's own Format-Serving
// path (transform, then model), the code training and evaluation ran.
//
// It is in parts, as TF Serving is: the models and their versions (served_models.h,
// version_manager.h: load, policy, labels, swap), the transport-free REST handler
// (rest_api_handler.h), and the transports (http_server.h, grpc_service.h), which only move
// requests in and answers out.
#ifndef WEIR_SERVING_MODEL_SERVER_H_
#define WEIR_SERVING_MODEL_SERVER_H_

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/serving/batcher.h"
#include "weir/serving/config/model_server_config.pb.h"
#include "weir/serving/http_server.h"
#include "weir/serving/request_log.h"
#include "weir/serving/rest_api_handler.h"
#include "weir/serving/served_models.h"
#include "weir/serving/version_manager.h"

namespace weir::serving {

struct ModelServerOptions {
  // One model: its name, and ...
  std::string model_name = {};
  // ... either a folder of version folders (<base>/<number>/, as the Pusher writes them) ...
  std::filesystem::path model_base_path = {};
  // ... or one model folder (a Trainer's Model artifact or a Format-Serving folder), served as
  // version 1 and not watched.
  std::filesystem::path model_path = {};
  // Versions to serve; empty: the latest only.
  std::vector<int64_t> pinned_versions = {};
  // Or several models: TF Serving's ModelServerConfig (--model_config_file), each model with its
  // base path (relative ones resolve against config_dir), version policy and labels.
  std::optional<tensorflow::serving::ModelServerConfig> config = {};
  std::filesystem::path config_dir = {};
  double poll_seconds = 1.0;
  size_t max_body_bytes = 16 << 20;
  // Where Prometheus metrics are answered (TF Serving's --monitoring_config_file); empty: nowhere.
  std::string metrics_path = "/monitoring/prometheus/metrics";
  // Join concurrent predict requests into one model call (batcher.h); off by default, as in
  // TensorFlow Serving.
  bool batching = false;
  BatcherOptions batcher = {};
  // Log a sample of the requests answered (request_log.h); an empty dir: no logging.
  RequestLogOptions request_log = {};
};

// Reads TF Serving's --model_config_file: a ModelServerConfig in protobuf text format. Errors
// name the file and line.
absl::StatusOr<tensorflow::serving::ModelServerConfig> ReadModelServerConfig(
    const std::filesystem::path& file);

class ModelServer {
 public:
  // Loads what is there now; fails if a model cannot be served (no version, or none loads), or
  // without a model name.
  static absl::StatusOr<std::unique_ptr<ModelServer>> Start(const ModelServerOptions& options);

  HttpResponse Handle(std::string_view method, std::string_view path, std::string_view body) {
    return handler_->Handle(method, path, body);
  }
  // Looks at every model's base path once (watcher threads do this every poll_seconds).
  void Poll();

  // Serves the models of `config` from now on, as TF Serving's HandleReloadConfigRequest: a model
  // whose base path and policy are unchanged keeps its loaded versions (its labels are updated),
  // new ones load, and the others stop once their requests in flight end. On error (a model
  // that cannot be served, a label on a version that is not available) nothing changes.
  absl::Status Reload(const tensorflow::serving::ModelServerConfig& config);

  // What other transports (grpc_service.h) serve from.
  const ServedModels& models() const { return models_; }
  PredictBatcher* batcher() { return batcher_.get(); }
  RequestLog* request_log() { return request_log_.get(); }

 private:
  ModelServer() = default;
  absl::StatusOr<std::map<std::string, std::shared_ptr<ServedModel>>> Build(
      const tensorflow::serving::ModelServerConfig& config);

  std::filesystem::path config_dir_;
  double poll_seconds_ = 1.0;
  std::mutex reload_mutex_;                  // One reload at a time.
  std::unique_ptr<RequestLog> request_log_;  // Before models_: it outlives them.
  ServedModels models_;
  std::unique_ptr<PredictBatcher> batcher_;  // With ModelServerOptions::batching.
  std::unique_ptr<RestApiHandler> handler_;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_MODEL_SERVER_H_
