#include "weir/serving/serving_metrics.h"

#include "weir/base/strings.h"
#include "weir/serving/batcher.h"

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

std::string ServingMetrics::Prometheus(std::string_view model_name, const PredictBatcher* batcher,
                                       size_t loaded_versions) const {
  std::string text;
  text += "# TYPE weir_serving_requests_total counter\n";
  text += StrCat("weir_serving_requests_total{model=\"", model_name, "\",code=\"ok\"} ",
                 requests_ok_.load(), "\n");
  text += StrCat("weir_serving_requests_total{model=\"", model_name, "\",code=\"error\"} ",
                 requests_failed_.load(), "\n");
  text += "# TYPE weir_serving_predictions_total counter\n";
  text += StrCat("weir_serving_predictions_total{model=\"", model_name, "\"} ", predictions_.load(),
                 "\n");
  text += "# TYPE weir_serving_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t b = 0; b < latency_buckets_.size(); ++b) {
    cumulative += latency_buckets_[b].load();
    const std::string le =
        b < std::size(kLatencyBounds) ? StrCat(kLatencyBounds[b]) : std::string("+Inf");
    text += StrCat("weir_serving_request_duration_seconds_bucket{model=\"", model_name, "\",le=\"",
                   le, "\"} ", cumulative, "\n");
  }
  text += StrCat("weir_serving_request_duration_seconds_sum{model=\"", model_name, "\"} ",
                 latency_sum_us_.load() / 1e6, "\n");
  text += StrCat("weir_serving_request_duration_seconds_count{model=\"", model_name, "\"} ",
                 cumulative, "\n");
  if (batcher != nullptr) {
    text += "# TYPE weir_serving_batches_total counter\n";
    text +=
        StrCat("weir_serving_batches_total{model=\"", model_name, "\"} ", batcher->batches(), "\n");
  }
  text += "# TYPE weir_serving_loaded_versions gauge\n";
  text +=
      StrCat("weir_serving_loaded_versions{model=\"", model_name, "\"} ", loaded_versions, "\n");
  return text;
}

}  // namespace weir::serving
