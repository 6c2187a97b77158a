#include "weir/serving/rest_api_handler.h"

#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>

#include "weir/base/json_parse.h"
#include "weir/base/json_text.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"
#include "weir/serving/servable.h"

namespace weir::serving {
using Json = nlohmann::json;

namespace {

// Messages may quote a client's bytes (a parse error shows where it stopped), which need not be
// UTF-8.
HttpResponse Error(int status, const std::string& message) {
  return {status, base::JsonText(Json{{"error", message}})};
}

// TF Serving's statuses for the version manager's errors.
HttpResponse ErrorOf(const absl::Status& status) {
  return Error(absl::IsUnavailable(status) ? 503 : 404, std::string(status.message()));
}

std::string DtypeName(transform::ValueType type) {
  switch (type) {
    case transform::INT:
      return "DT_INT64";
    case transform::FLOAT:
      return "DT_FLOAT";
    default:
      return "DT_STRING";
  }
}

}  // namespace

HttpResponse RestApiHandler::Status(const ServedModel& model,
                                    std::optional<int64_t> version) const {
  Json statuses = Json::array();
  for (const VersionStatus& v : model.versions->Statuses()) {
    if (version && v.number != *version) continue;
    statuses.push_back(
        {{"version", std::to_string(v.number)},
         {"state", v.state},
         {"status",
          {{"error_code", v.error.empty() ? "OK" : "UNKNOWN"}, {"error_message", v.error}}}});
  }
  if (statuses.empty()) {
    return Error(404, version ? StrCat("servable not found: ", model.name, " version ", *version)
                              : StrCat("no version of ", model.name, " is known"));
  }
  return {200, base::JsonText(Json{{"model_version_status", statuses}})};
}

HttpResponse RestApiHandler::Metadata(const ServedModel& model,
                                      std::optional<int64_t> version) const {
  absl::StatusOr<std::pair<int64_t, std::shared_ptr<const Servable>>> picked =
      model.versions->Pick(version);
  if (!picked.ok()) return ErrorOf(picked.status());
  const auto& [number, servable] = *picked;
  const model::ModelSpec& spec = servable->model->spec();
  // Shape [-1] for a value per example, [-1, width] for a list of them.
  auto tensor = [](const std::string& name, const std::string& dtype, int width) {
    Json dims = {{{"size", "-1"}, {"name", ""}}};
    if (width > 1) dims.push_back({{"size", std::to_string(width)}, {"name", ""}});
    return Json{{"dtype", dtype},
                {"tensor_shape", {{"dim", dims}, {"unknown_rank", false}}},
                {"name", name}};
  };
  Json inputs = Json::object();
  for (const auto& input : spec.signature_inputs())
    inputs[input.name()] = tensor(input.name(), DtypeName(input.type()), 1);
  for (const auto& input : spec.unread_inputs())
    inputs[input.name()] = tensor(input.name(), DtypeName(input.type()), 1);
  Json outputs = Json::object();
  const int width = model::OutputsPerRow(spec);
  for (const std::string& output : spec.outputs()) {
    outputs[output] =
        tensor(output, output == model::kClassesOutput ? "DT_STRING" : "DT_FLOAT", width);
  }
  Json signature = {
      {"inputs", inputs}, {"outputs", outputs}, {"method_name", "tensorflow/serving/predict"}};
  Json metadata = {{"signature_def", {{"signature_def", {{"serving_default", signature}}}}}};
  // Beyond TF Serving's fields: the inputs the model reads (the signature's others are accepted
  // and ignored), and a classifier's class names in the order of its probabilities.
  Json read = Json::array();
  for (const auto& input : spec.signature_inputs()) read.push_back(input.name());
  metadata["inputs_read"] = std::move(read);
  if (!spec.class_names().empty()) metadata["class_names"] = spec.class_names();
  return {200,
          base::JsonText(Json{
              {"model_spec",
               {{"name", model.name}, {"signature_name", ""}, {"version", std::to_string(number)}}},
              {"metadata", metadata}})};
}

HttpResponse RestApiHandler::Predict(ServedModel& model, std::optional<int64_t> version,
                                     std::string_view body) {
  absl::StatusOr<std::pair<int64_t, std::shared_ptr<const Servable>>> picked =
      model.versions->Pick(version);
  if (!picked.ok()) return ErrorOf(picked.status());
  const auto& [number, servable] = *picked;
  absl::StatusOr<PredictRequest> request = servable->reader.Read(body);
  if (!request.ok()) return Error(400, std::string(request.status().message()));
  const bool columnar = request->columnar;
  absl::StatusOr<std::vector<float>> predictions =
      PredictRows(model, *servable, *std::move(request), batcher_);
  if (!predictions.ok()) return Error(400, std::string(predictions.status().message()));
  return {200, WritePredictResponse(*predictions, model::OutputsPerRow(servable->model->spec()),
                                    columnar, servable->classes)};
}

HttpResponse RestApiHandler::ClassifyOrRegress(ServedModel& model, std::optional<int64_t> version,
                                               std::string_view body, bool classify) {
  absl::StatusOr<std::pair<int64_t, std::shared_ptr<const Servable>>> picked =
      model.versions->Pick(version);
  if (!picked.ok()) return ErrorOf(picked.status());
  const auto& [number, servable] = *picked;
  const model::ModelSpec& spec = servable->model->spec();
  const bool regression = spec.config().task() == model::REGRESSION;
  if (classify == regression) {
    return Error(400, classify ? "this is a regression model: use :regress or :predict"
                               : "this is a classification model: use :classify or :predict");
  }
  // {"signature_name", "context": {feature: value}, "examples": [{feature: value}, ...]}: each
  // example with the context's features it lacks is one predict instance.
  absl::StatusOr<Json> parsed = base::ParseJson<Json>(body, "the body");
  if (!parsed.ok()) return Error(400, std::string(parsed.status().message()));
  const Json& request = *parsed;
  if (!request.is_object()) {
    return Error(400, "the body must be a JSON object {\"examples\": [...], \"context\": {...}}");
  }
  auto examples = request.find("examples");
  if (examples == request.end() || !examples->is_array())
    return Error(400, "\"examples\" must be a list of objects of feature: value");
  auto context = request.find("context");
  if (context != request.end() && !context->is_object())
    return Error(400, "\"context\" must be an object of feature: value");
  Json instances = Json::array();
  for (size_t i = 0; i < examples->size(); ++i) {
    Json instance = (*examples)[i];
    if (!instance.is_object())
      return Error(400, StrCat("example ", i, ": must be an object of feature: value"));
    if (context != request.end()) {
      for (const auto& [feature, value] : context->items())
        if (!instance.contains(feature)) instance[feature] = value;
    }
    instances.push_back(std::move(instance));
  }
  absl::StatusOr<PredictRequest> predict =
      servable->reader.Read(Json{{"instances", std::move(instances)}}.dump());
  if (!predict.ok()) return Error(400, std::string(predict.status().message()));
  absl::StatusOr<std::vector<float>> predictions =
      PredictRows(model, *servable, *std::move(predict), batcher_);
  if (!predictions.ok()) return Error(400, std::string(predictions.status().message()));
  const int width = model::OutputsPerRow(spec);
  if (regression) return {200, WriteRegressResponse(*predictions)};
  return {200, WriteClassifyResponse(
                   *predictions, width,
                   std::vector<std::string>(spec.class_names().begin(), spec.class_names().end()))};
}

HttpResponse RestApiHandler::Metrics() const {
  const std::vector<std::shared_ptr<ServedModel>> models = models_.All();
  std::vector<ModelMetrics> metrics;
  for (const auto& model : models)
    metrics.push_back({model->name, &model->metrics, model->versions->AvailableVersions()});
  return {200, PrometheusText(metrics, batcher_, request_log_), "text/plain; version=0.0.4"};
}

HttpResponse RestApiHandler::Handle(std::string_view method, std::string_view path,
                                    std::string_view body) {
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<ServedModel> model;  // The model the path names, once found.
  HttpResponse response = [&]() -> HttpResponse {
    if (!options_.metrics_path.empty() && path == options_.metrics_path) {
      if (method != "GET") return Error(405, "use GET");
      return Metrics();
    }
    constexpr std::string_view kPrefix = "/v1/models/";
    if (path.substr(0, kPrefix.size()) != kPrefix) return Error(404, "not found");
    std::string_view rest = path.substr(kPrefix.size());
    // NAME[/versions/N]:VERB, the verb one of predict, classify, regress.
    std::string_view verb;
    if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
      verb = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
      if (verb != "predict" && verb != "classify" && verb != "regress")
        return Error(404, StrCat("no method ':", verb, "' (predict, classify, regress)"));
    }
    bool metadata = false;
    if (verb.empty() && rest.size() > 9 && rest.substr(rest.size() - 9) == "/metadata") {
      metadata = true;
      rest.remove_suffix(9);
    }
    std::string_view name = rest.substr(0, rest.find('/'));
    std::optional<int64_t> version;
    std::string_view label;
    if (name.size() < rest.size()) {
      std::string_view tail = rest.substr(name.size());
      constexpr std::string_view kVersions = "/versions/";
      constexpr std::string_view kLabels = "/labels/";
      if (tail.substr(0, kLabels.size()) == kLabels) {
        label = tail.substr(kLabels.size());
        if (label.empty() || label.find('/') != std::string_view::npos)
          return Error(404, "not found");
      } else if (tail.substr(0, kVersions.size()) == kVersions) {
        std::string_view digits = tail.substr(kVersions.size());
        int64_t number = 0;
        auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), number);
        if (digits.empty() || parsed.ec != std::errc() ||
            parsed.ptr != digits.data() + digits.size())
          return Error(404, StrCat("'", digits, "' is not a version number"));
        version = number;
      } else {
        return Error(404, "not found");
      }
    }
    absl::StatusOr<std::shared_ptr<ServedModel>> found = models_.Find(name);
    if (!found.ok()) return Error(404, std::string(found.status().message()));
    model = *std::move(found);
    if (!label.empty()) {
      auto it = model->labels.find(std::string(label));
      if (it == model->labels.end()) {
        return Error(404, StrCat("servable not found: ", model->name, " has no version labelled '",
                                 label, "'"));
      }
      version = it->second;
    }
    if (!verb.empty()) {
      if (method != "POST") return Error(405, StrCat(verb, " takes a POST"));
      if (body.size() > options_.max_body_bytes) {
        return Error(413, StrCat("the body has ", body.size(), " bytes; the limit is ",
                                 options_.max_body_bytes));
      }
      if (verb == "predict") return Predict(*model, version, body);
      return ClassifyOrRegress(*model, version, body, verb == "classify");
    }
    if (method != "GET") return Error(405, "use GET");
    return metadata ? Metadata(*model, version) : Status(*model, version);
  }();
  if (model != nullptr) {  // Requests for no model count nowhere.
    model->metrics.RecordRequest(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
        response.status < 400);
  }
  return response;
}

}  // namespace weir::serving
