// The model server's counters, shared by its transports (REST and gRPC count alike), and their
// Prometheus text.
#ifndef WEIR_SERVING_SERVING_METRICS_H_
#define WEIR_SERVING_SERVING_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace weir::serving {

class PredictBatcher;
class RequestLog;
struct ModelMetrics;

class ServingMetrics {
 public:
  // One request answered, in `seconds`, successfully or not.
  void RecordRequest(double seconds, bool ok);
  void AddPredictions(size_t rows) { predictions_ += rows; }

 private:
  friend std::string PrometheusText(std::span<const ModelMetrics> models,
                                    const PredictBatcher* batcher, const RequestLog* request_log);
  std::atomic<uint64_t> requests_ok_{0};
  std::atomic<uint64_t> requests_failed_{0};
  std::atomic<uint64_t> predictions_{0};
  std::array<std::atomic<uint64_t>, 12> latency_buckets_{};  // Cumulative at Prometheus time.
  std::atomic<uint64_t> latency_sum_us_{0};
};

struct ModelMetrics {
  std::string_view model;
  const ServingMetrics* metrics;
  size_t loaded_versions;
};

// The Prometheus exposition text of the server's models: weir_serving_requests_total{model,code},
// weir_serving_predictions_total, the weir_serving_request_duration_seconds histogram,
// weir_serving_batches_total (with a batcher, shared by the models),
// weir_serving_request_log_rows_total{result="logged"|"dropped"} (with a request log) and
// weir_serving_loaded_versions.
std::string PrometheusText(std::span<const ModelMetrics> models, const PredictBatcher* batcher,
                           const RequestLog* request_log);

}  // namespace weir::serving

#endif  // WEIR_SERVING_SERVING_METRICS_H_
