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
#include "weir/serving/request_log.h"
#include "weir/serving/servable.h"
#include "weir/serving/served_models.h"
#include "weir/serving/serving_metrics.h"

namespace weir::serving {

struct RestApiOptions {
  // Where Prometheus metrics are answered; empty: nowhere.
  std::string metrics_path = "/monitoring/prometheus/metrics";
  size_t max_body_bytes = 16 << 20;  // A larger predict body is answered 413.
};

class RestApiHandler {
 public:
  // `batcher` (may be null) joins concurrent predict requests into one model call;
  // `request_log` (may be null) is only counted in the metrics.
  RestApiHandler(const ServedModels& models, RestApiOptions options, PredictBatcher* batcher,
                 const RequestLog* request_log = nullptr)
      : models_(models),
        options_(std::move(options)),
        batcher_(batcher),
        request_log_(request_log) {}

  // Answers GET /v1/models/NAME[/versions/N|/labels/L][/metadata], POST ...:predict, :classify and
  // :regress, and GET /monitoring/prometheus/metrics; errors are {"error": "..."} with TF
  // Serving's statuses.
  HttpResponse Handle(std::string_view method, std::string_view path, std::string_view body);

 private:
  HttpResponse Status(const ServedModel& model, std::optional<int64_t> version) const;
  HttpResponse Metadata(const ServedModel& model, std::optional<int64_t> version) const;
  HttpResponse Predict(ServedModel& model, std::optional<int64_t> version, std::string_view body);
  // :classify and :regress, TF Serving's Example-based forms.
  HttpResponse ClassifyOrRegress(ServedModel& model, std::optional<int64_t> version,
                                 std::string_view body, bool classify);
  HttpResponse Metrics() const;

  const ServedModels& models_;
  const RestApiOptions options_;
  PredictBatcher* const batcher_;
  const RequestLog* const request_log_;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_REST_API_HANDLER_H_
