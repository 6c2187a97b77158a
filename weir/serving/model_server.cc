#include "weir/serving/model_server.h"

#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"

namespace weir::serving {
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr double kLatencyBounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                     0.05,   0.1,   0.2,   0.5,   1.0};

HttpResponse Error(int status, const std::string& message) {
  return {status, Json{{"error", message}}.dump()};
}

// Version folders under `base`: names that are numbers.
std::vector<int64_t> VersionsIn(const fs::path& base) {
  std::vector<int64_t> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.size() > 18 ||
        name.find_first_not_of("0123456789") != std::string::npos || !entry.is_directory(ec)) {
      continue;
    }
    versions.push_back(std::stoll(name));
  }
  std::sort(versions.begin(), versions.end());
  return versions;
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

absl::StatusOr<std::unique_ptr<ModelServer>> ModelServer::Start(const ModelServerOptions& options) {
  if (options.model_name.empty()) return absl::InvalidArgumentError("--model_name is required");
  if (options.model_base_path.empty() == options.model_path.empty())
    return absl::InvalidArgumentError("give one of --model_base_path and --model_path");
  std::unique_ptr<ModelServer> server(new ModelServer(options));
  if (options.batching) server->batcher_ = std::make_unique<PredictBatcher>(options.batcher);
  if (!options.model_path.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<model::ServingModel> model,
                     model::ServingModel::Load(options.model_path));
    server->versions_[1] = {.number = 1,
                            .state = "AVAILABLE",
                            .servable = std::make_shared<const Servable>(std::move(model))};
    return server;
  }
  std::error_code ec;
  if (!fs::is_directory(options.model_base_path, ec))
    return absl::NotFoundError(StrCat(options.model_base_path.string(), " is not a folder"));
  server->Poll();
  {
    std::lock_guard<std::mutex> lock(server->mutex_);
    bool available = false;
    std::string errors;
    for (const auto& [number, version] : server->versions_) {
      available = available || version.state == "AVAILABLE";
      if (!version.error.empty()) errors += StrCat("; version ", number, ": ", version.error);
    }
    if (!available) {
      return absl::FailedPreconditionError(
          StrCat("no version of ", options.model_name, " could be loaded from ",
                 options.model_base_path.string(),
                 errors.empty() ? " (no <number>/ folders there yet)" : errors));
    }
  }
  server->watcher_ = std::thread([raw = server.get()] {
    std::unique_lock<std::mutex> lock(raw->stop_mutex_);
    while (!raw->stop_.wait_for(lock, std::chrono::duration<double>(raw->options_.poll_seconds),
                                [raw] { return raw->stopping_; })) {
      lock.unlock();
      raw->Poll();
      lock.lock();
    }
  });
  return server;
}

ModelServer::~ModelServer() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void ModelServer::Poll() {
  const std::vector<int64_t> on_disk = VersionsIn(options_.model_base_path);
  std::vector<int64_t> wanted;
  if (options_.pinned_versions.empty()) {
    if (!on_disk.empty()) wanted.push_back(on_disk.back());
  } else {
    for (int64_t pinned : options_.pinned_versions) {
      if (std::find(on_disk.begin(), on_disk.end(), pinned) != on_disk.end())
        wanted.push_back(pinned);
    }
  }
  for (int64_t number : wanted) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (versions_.contains(number)) continue;  // Loaded, or failed: not retried.
      versions_[number] = {.number = number, .state = "LOADING"};
    }
    // Loaded outside the lock: requests keep being served by the current version meanwhile.
    absl::StatusOr<std::unique_ptr<model::ServingModel>> loaded =
        model::ServingModel::Load(options_.model_base_path / std::to_string(number));
    std::lock_guard<std::mutex> lock(mutex_);
    Version& version = versions_[number];
    if (loaded.ok()) {
      version.state = "AVAILABLE";
      version.servable = std::make_shared<const Servable>(*std::move(loaded));
    } else {
      version.state = "END";
      version.error = std::string(loaded.status().message());
    }
  }
  // With the latest-version policy, an older version retires once a newer one is available.
  if (options_.pinned_versions.empty()) {
    std::lock_guard<std::mutex> lock(mutex_);
    int64_t newest_available = -1;
    for (const auto& [number, version] : versions_)
      if (version.state == "AVAILABLE") newest_available = number;
    for (auto& [number, version] : versions_) {
      if (version.state == "AVAILABLE" && number != newest_available) {
        version.state = "END";
        version.servable.reset();  // In-flight requests hold their own reference.
      }
    }
  }
}

std::shared_ptr<const ModelServer::Servable> ModelServer::Pick(std::optional<int64_t> version,
                                                               int64_t* number,
                                                               HttpResponse* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (version) {
    auto it = versions_.find(*version);
    if (it == versions_.end() || it->second.state != "AVAILABLE") {
      *error = Error(404, StrCat("servable not found: ", options_.model_name, " version ", *version,
                                 " is not available"));
      return nullptr;
    }
    *number = *version;
    return it->second.servable;
  }
  for (auto it = versions_.rbegin(); it != versions_.rend(); ++it) {
    if (it->second.state == "AVAILABLE") {
      *number = it->first;
      return it->second.servable;
    }
  }
  *error = Error(503, StrCat("no version of ", options_.model_name, " is available"));
  return nullptr;
}

HttpResponse ModelServer::Status(std::optional<int64_t> version) {
  std::lock_guard<std::mutex> lock(mutex_);
  Json statuses = Json::array();
  for (auto it = versions_.rbegin(); it != versions_.rend(); ++it) {
    if (version && it->first != *version) continue;
    const Version& v = it->second;
    statuses.push_back(
        {{"version", std::to_string(v.number)},
         {"state", v.state},
         {"status",
          {{"error_code", v.error.empty() ? "OK" : "UNKNOWN"}, {"error_message", v.error}}}});
  }
  if (statuses.empty()) {
    return Error(
        404, version ? StrCat("servable not found: ", options_.model_name, " version ", *version)
                     : StrCat("no version of ", options_.model_name, " is known"));
  }
  return {200, Json{{"model_version_status", statuses}}.dump()};
}

ModelServer::Servable::Servable(std::unique_ptr<model::ServingModel> loaded)
    : model(std::move(loaded)), reader(model->spec()) {
  const model::ModelSpec& spec = model->spec();
  if (spec.config().task() == model::MULTICLASS_CLASSIFICATION)
    classes.assign(spec.class_names().begin(), spec.class_names().end());
}

HttpResponse ModelServer::Metadata(std::optional<int64_t> version) {
  HttpResponse error;
  int64_t number = 0;
  std::shared_ptr<const Servable> servable = Pick(version, &number, &error);
  if (!servable) return error;
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
  Json outputs = Json::object();
  const int width = model::OutputsPerRow(spec);
  for (const std::string& output : spec.outputs()) {
    outputs[output] =
        tensor(output, output == model::kClassesOutput ? "DT_STRING" : "DT_FLOAT", width);
  }
  Json signature = {
      {"inputs", inputs}, {"outputs", outputs}, {"method_name", "tensorflow/serving/predict"}};
  Json metadata = {{"signature_def", {{"signature_def", {{"serving_default", signature}}}}}};
  // A classifier's class names, in the order of its probabilities (beyond TF Serving's fields).
  if (!spec.class_names().empty()) metadata["class_names"] = spec.class_names();
  return {200, Json{{"model_spec",
                     {{"name", options_.model_name},
                      {"signature_name", ""},
                      {"version", std::to_string(number)}}},
                    {"metadata", metadata}}
                   .dump()};
}

HttpResponse ModelServer::Predict(std::optional<int64_t> version, std::string_view body) {
  HttpResponse error;
  int64_t number = 0;
  std::shared_ptr<const Servable> servable = Pick(version, &number, &error);
  if (!servable) return error;
  absl::StatusOr<PredictRequest> request = servable->reader.Read(body);
  if (!request.ok()) return Error(400, std::string(request.status().message()));
  const size_t rows = request->raw.num_rows();
  absl::StatusOr<std::vector<float>> predictions =
      batcher_ ? batcher_->Predict(servable->model, std::move(request->raw))
               : servable->model->Predict(request->raw);
  if (!predictions.ok()) return Error(400, std::string(predictions.status().message()));
  predictions_ += rows;
  return {200, WritePredictResponse(*predictions, model::OutputsPerRow(servable->model->spec()),
                                    request->columnar, servable->classes)};
}

HttpResponse ModelServer::Metrics() {
  std::string text;
  text += "# TYPE weir_serving_requests_total counter\n";
  text += StrCat("weir_serving_requests_total{model=\"", options_.model_name, "\",code=\"ok\"} ",
                 requests_ok_.load(), "\n");
  text += StrCat("weir_serving_requests_total{model=\"", options_.model_name, "\",code=\"error\"} ",
                 requests_failed_.load(), "\n");
  text += "# TYPE weir_serving_predictions_total counter\n";
  text += StrCat("weir_serving_predictions_total{model=\"", options_.model_name, "\"} ",
                 predictions_.load(), "\n");
  text += "# TYPE weir_serving_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t b = 0; b < latency_buckets_.size(); ++b) {
    cumulative += latency_buckets_[b].load();
    const std::string le =
        b < std::size(kLatencyBounds) ? StrCat(kLatencyBounds[b]) : std::string("+Inf");
    text += StrCat("weir_serving_request_duration_seconds_bucket{model=\"", options_.model_name,
                   "\",le=\"", le, "\"} ", cumulative, "\n");
  }
  text += StrCat("weir_serving_request_duration_seconds_sum{model=\"", options_.model_name, "\"} ",
                 latency_sum_us_.load() / 1e6, "\n");
  text += StrCat("weir_serving_request_duration_seconds_count{model=\"", options_.model_name,
                 "\"} ", cumulative, "\n");
  if (batcher_) {
    text += "# TYPE weir_serving_batches_total counter\n";
    text += StrCat("weir_serving_batches_total{model=\"", options_.model_name, "\"} ",
                   batcher_->batches(), "\n");
  }
  text += "# TYPE weir_serving_loaded_versions gauge\n";
  size_t loaded = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [number, version] : versions_) loaded += version.state == "AVAILABLE";
  }
  text +=
      StrCat("weir_serving_loaded_versions{model=\"", options_.model_name, "\"} ", loaded, "\n");
  return {200, text, "text/plain; version=0.0.4"};
}

HttpResponse ModelServer::Handle(std::string_view method, std::string_view path,
                                 std::string_view body) {
  const auto start = std::chrono::steady_clock::now();
  HttpResponse response = [&]() -> HttpResponse {
    if (path == "/monitoring/prometheus/metrics") {
      if (method != "GET") return Error(405, "use GET");
      return Metrics();
    }
    constexpr std::string_view kPrefix = "/v1/models/";
    if (path.substr(0, kPrefix.size()) != kPrefix) return Error(404, "not found");
    std::string_view rest = path.substr(kPrefix.size());
    bool predict = false;
    if (rest.size() > 8 && rest.substr(rest.size() - 8) == ":predict") {
      predict = true;
      rest.remove_suffix(8);
    }
    bool metadata = false;
    if (!predict && rest.size() > 9 && rest.substr(rest.size() - 9) == "/metadata") {
      metadata = true;
      rest.remove_suffix(9);
    }
    std::string_view name = rest.substr(0, rest.find('/'));
    std::optional<int64_t> version;
    if (name.size() < rest.size()) {
      std::string_view tail = rest.substr(name.size());
      constexpr std::string_view kVersions = "/versions/";
      if (tail.substr(0, kVersions.size()) != kVersions) return Error(404, "not found");
      std::string_view digits = tail.substr(kVersions.size());
      int64_t number = 0;
      auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), number);
      if (digits.empty() || parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size())
        return Error(404, StrCat("'", digits, "' is not a version number"));
      version = number;
    }
    if (name != options_.model_name) {
      return Error(404, StrCat("servable not found: no model named '", name, "' (serving '",
                               options_.model_name, "')"));
    }
    if (predict) {
      if (method != "POST") return Error(405, "predict takes a POST");
      if (body.size() > options_.max_body_bytes) {
        return Error(413, StrCat("the body has ", body.size(), " bytes; the limit is ",
                                 options_.max_body_bytes));
      }
      return Predict(version, body);
    }
    if (method != "GET") return Error(405, "use GET");
    return metadata ? Metadata(version) : Status(version);
  }();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t bucket = 0;
  while (bucket < std::size(kLatencyBounds) && seconds > kLatencyBounds[bucket]) ++bucket;
  ++latency_buckets_[bucket];
  latency_sum_us_ += static_cast<uint64_t>(seconds * 1e6);
  (response.status < 400 ? requests_ok_ : requests_failed_)++;
  return response;
}

}  // namespace weir::serving
