// TensorFlow Serving's REST API over the versions of one model, apart from any transport: it
// takes a request's method, path and body and gives the response (http_server.h carries them
// over HTTP). Model status, metadata (the signature), predict, and Prometheus metrics.
#ifndef WEIR_SERVING_REST_API_HANDLER_H_
#define WEIR_SERVING_REST_API_HANDLER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "weir/serving/batcher.h"
#include "weir/serving/http_server.h"
#include "weir/serving/servable.h"
#include "weir/serving/version_manager.h"

namespace weir::serving {

struct RestApiOptions {
  std::string model_name;
  size_t max_body_bytes = 16 << 20;  // A larger predict body is answered 413.
};

class RestApiHandler {
 public:
  // `batcher` (may be null) joins concurrent predict requests into one model call.
  RestApiHandler(const VersionManager& versions, RestApiOptions options, PredictBatcher* batcher)
      : versions_(versions), options_(std::move(options)), batcher_(batcher) {}

  // Answers GET /v1/models/NAME[/versions/N][/metadata], POST ...:predict, :classify and
  // :regress, and GET /monitoring/prometheus/metrics; errors are {"error": "..."} with TF
  // Serving's statuses.
  HttpResponse Handle(std::string_view method, std::string_view path, std::string_view body);

 private:
  HttpResponse Status(std::optional<int64_t> version) const;
  HttpResponse Metadata(std::optional<int64_t> version) const;
  HttpResponse Predict(std::optional<int64_t> version, std::string_view body);
  // :classify and :regress, TF Serving's Example-based forms.
  HttpResponse ClassifyOrRegress(std::optional<int64_t> version, std::string_view body,
                                 bool classify);
  HttpResponse Metrics() const;
  // The model's predictions for `raw`, through the batcher when there is one.
  absl::StatusOr<std::vector<float>> Run(const Servable& servable, data::RecordBatch raw);

  const VersionManager& versions_;
  const RestApiOptions options_;
  PredictBatcher* const batcher_;

  // Prometheus counters.
  std::atomic<uint64_t> requests_ok_{0};
  std::atomic<uint64_t> requests_failed_{0};
  std::atomic<uint64_t> predictions_{0};
  std::array<std::atomic<uint64_t>, 12> latency_buckets_{};  // Cumulative at Prometheus time.
  std::atomic<uint64_t> latency_sum_us_{0};
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_REST_API_HANDLER_H_
