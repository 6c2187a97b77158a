#include "weir/serving/serving_metrics.h"

#include "weir/base/strings.h"
#include "weir/serving/batcher.h"
#include "weir/serving/request_log.h"

namespace weir::serving {
namespace {

constexpr double kLatencyBounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                     0.05,   0.1,   0.2,   0.5,   1.0};

}  // namespace

void ServingMetrics::RecordRequest(double seconds, bool ok) {
  size_t bucket = 0;
  while (bucket < std::size(kLatencyBounds) && seconds > kLatencyBounds[bucket]) ++bucket;
  ++latency_buckets_[bucket];
  latency_sum_us_ += static_cast<uint64_t>(seconds * 1e6);
  (ok ? requests_ok_ : requests_failed_)++;
}

std::string PrometheusText(std::span<const ModelMetrics> models, const PredictBatcher* batcher,
                           const RequestLog* request_log) {
  // Each family once, with a sample per model.
  std::string text;
  text += "# TYPE weir_serving_requests_total counter\n";
  for (const ModelMetrics& m : models) {
    text += StrCat("weir_serving_requests_total{model=\"", m.model, "\",code=\"ok\"} ",
                   m.metrics->requests_ok_.load(), "\n");
    text += StrCat("weir_serving_requests_total{model=\"", m.model, "\",code=\"error\"} ",
                   m.metrics->requests_failed_.load(), "\n");
  }
  text += "# TYPE weir_serving_predictions_total counter\n";
  for (const ModelMetrics& m : models) {
    text += StrCat("weir_serving_predictions_total{model=\"", m.model, "\"} ",
                   m.metrics->predictions_.load(), "\n");
  }
  text += "# TYPE weir_serving_request_duration_seconds histogram\n";
  for (const ModelMetrics& m : models) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b < m.metrics->latency_buckets_.size(); ++b) {
      cumulative += m.metrics->latency_buckets_[b].load();
      const std::string le =
          b < std::size(kLatencyBounds) ? StrCat(kLatencyBounds[b]) : std::string("+Inf");
      text += StrCat("weir_serving_request_duration_seconds_bucket{model=\"", m.model, "\",le=\"",
                     le, "\"} ", cumulative, "\n");
    }
    text += StrCat("weir_serving_request_duration_seconds_sum{model=\"", m.model, "\"} ",
                   m.metrics->latency_sum_us_.load() / 1e6, "\n");
    text += StrCat("weir_serving_request_duration_seconds_count{model=\"", m.model, "\"} ",
                   cumulative, "\n");
  }
  if (batcher != nullptr) {
    text += "# TYPE weir_serving_batches_total counter\n";
    text += StrCat("weir_serving_batches_total ", batcher->batches(), "\n");
  }
  if (request_log != nullptr) {
    text += "# TYPE weir_serving_request_log_rows_total counter\n";
    text += StrCat("weir_serving_request_log_rows_total{result=\"logged\"} ",
                   request_log->logged_rows(), "\n");
    text += StrCat("weir_serving_request_log_rows_total{result=\"dropped\"} ",
                   request_log->dropped_rows(), "\n");
  }
  text += "# TYPE weir_serving_loaded_versions gauge\n";
  for (const ModelMetrics& m : models) {
    text +=
        StrCat("weir_serving_loaded_versions{model=\"", m.model, "\"} ", m.loaded_versions, "\n");
  }
  return text;
}

}  // namespace weir::serving
