// Batching of concurrent predict requests, as TensorFlow Serving's --enable_batching does:
// requests for the same model version that arrive within a short window are joined into one
// model call, whose predictions are split back among them. A batch closes when it holds
// max_batch_rows rows or when the first request in it has waited `timeout`. It pays off when a
// model call has a fixed cost to amortize (a neural network on a batch); a request that meets no
// other waits at most `timeout` longer.
#ifndef WEIR_SERVING_BATCHER_H_
#define WEIR_SERVING_BATCHER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"
#include "weir/model/serving_model.h"

namespace weir::serving {

struct BatcherOptions {
  size_t max_batch_rows = 64;
  std::chrono::microseconds timeout{500};
  int threads = 0;  // Model calls at once; 0: one per core.
  // Rows waiting for a model call, in batches of max_batch_rows, at most; 0: no bound.
  size_t max_enqueued_batches = 0;
};

// `defaults` with what TF Serving's BatchingParameters text file `file` sets
// (config/batching_parameters.proto). Errors name the file, and the line or the field.
absl::StatusOr<BatcherOptions> ReadBatchingParameters(const std::filesystem::path& file,
                                                      BatcherOptions defaults);

class PredictBatcher {
 public:
  explicit PredictBatcher(BatcherOptions options);
  ~PredictBatcher();
  PredictBatcher(const PredictBatcher&) = delete;
  PredictBatcher& operator=(const PredictBatcher&) = delete;

  // `model`'s predictions for `raw` (OutputsPerRow values per row), computed in a batch with
  // other requests for the same model. Blocks until they are ready. When the joined call fails
  // (one request holds a value the transform rejects), each request is predicted alone, so that
  // an error reaches only the request that caused it. Unavailable at once when the queue is
  // full (max_enqueued_batches); a request into an empty queue is always taken.
  absl::StatusOr<std::vector<float>> Predict(std::shared_ptr<const model::ServingModel> model,
                                             data::RecordBatch raw);

  // Model calls made and requests served, for the metrics and tests.
  uint64_t batches() const { return batches_.load(); }
  uint64_t requests() const { return requests_.load(); }
  // Rows waiting for a model call now.
  size_t queued_rows();

 private:
  struct Pending {
    std::shared_ptr<const model::ServingModel> model;
    data::RecordBatch raw;
    std::chrono::steady_clock::time_point arrived;
    std::promise<absl::StatusOr<std::vector<float>>> result;
  };
  void Work();
  void Run(std::vector<Pending>& batch);

  const BatcherOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  size_t queued_rows_ = 0;  // In queue_.
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> requests_{0};
};

// The rows of `parts` one after another: every column any part has, missing in the rows of the
// parts that lack it. Parts must agree on each column's type (kNull gives way to the others).
data::RecordBatch ConcatenateRows(const std::vector<const data::RecordBatch*>& parts);

}  // namespace weir::serving

#endif  // WEIR_SERVING_BATCHER_H_
