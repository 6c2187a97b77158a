// weir's model server: TensorFlow Serving's REST API over weir models. Raw feature values in
// (row form {"instances": [...]} or columnar form {"inputs": {...}}), predictions out, through
// the model's own Format-Serving path (transform, then model), the code training and evaluation
// ran. Versions under a base path are watched: a new version is loaded beside the one serving
// and swapped in between requests; a version that fails to load is reported in the status and
// the previous one keeps serving.
//
// The HTTP layer (http_server.h) only moves bytes: every request is answered by Handle.
#ifndef WEIR_SERVING_MODEL_SERVER_H_
#define WEIR_SERVING_MODEL_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/model/serving_model.h"
#include "weir/serving/batcher.h"
#include "weir/serving/predict_request.h"

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

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers = {};  // Beside Content-Type.
};

class ModelServer {
 public:
  // Loads what is there now; fails if nothing can be served (no version, or none loads).
  static absl::StatusOr<std::unique_ptr<ModelServer>> Start(const ModelServerOptions& options);
  ~ModelServer();

  HttpResponse Handle(std::string_view method, std::string_view path, std::string_view body);

  // Looks at the base path once (the watcher thread calls this every poll_seconds).
  void Poll();

 private:
  explicit ModelServer(ModelServerOptions options) : options_(std::move(options)) {}

  // A loaded model with what reading its requests needs, shared: a request holds on to it
  // through a swap.
  struct Servable {
    explicit Servable(std::unique_ptr<model::ServingModel> loaded);
    std::shared_ptr<const model::ServingModel> model;
    PredictRequestReader reader;
    std::vector<std::string> classes;  // A multiclass model's class names, for its responses.
  };
  struct Version {
    int64_t number = 0;
    std::string state = {};  // AVAILABLE, LOADING, END.
    std::string error = {};  // Why it failed to load, if it did.
    std::shared_ptr<const Servable> servable = {};
  };

  HttpResponse Status(std::optional<int64_t> version);
  HttpResponse Metadata(std::optional<int64_t> version);
  HttpResponse Predict(std::optional<int64_t> version, std::string_view body);
  HttpResponse Metrics();
  // The model answering for `version` (nullopt: the latest available), or an error response.
  std::shared_ptr<const Servable> Pick(std::optional<int64_t> version, int64_t* number,
                                       HttpResponse* error);

  ModelServerOptions options_;
  std::mutex mutex_;  // Guards versions_.
  std::map<int64_t, Version> versions_;
  std::thread watcher_;
  std::mutex stop_mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;

  // Prometheus counters.
  std::atomic<uint64_t> requests_ok_{0};
  std::atomic<uint64_t> requests_failed_{0};
  std::atomic<uint64_t> predictions_{0};
  std::array<std::atomic<uint64_t>, 12> latency_buckets_{};  // Cumulative at Prometheus time.
  std::atomic<uint64_t> latency_sum_us_{0};

  std::unique_ptr<PredictBatcher> batcher_;  // With options_.batching.
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_MODEL_SERVER_H_
