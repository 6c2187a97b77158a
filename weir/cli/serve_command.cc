// weir serve: the model server (TensorFlow Serving's REST API) over pushed or trained models.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include "weir/base/proto_files.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/serving/batcher.h"
#include "weir/serving/config/monitoring_config.pb.h"
#include "weir/serving/grpc_service.h"
#include "weir/serving/http_server.h"
#include "weir/serving/model_server.h"

namespace weir::cli {

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<serving::ModelServerOptions>();
  auto http = std::make_shared<serving::HttpServerOptions>();
  // Base, model, config, monitoring, batching, request log.
  auto paths = std::make_shared<std::array<std::string, 6>>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve a model over TensorFlow Serving's REST and gRPC APIs: raw features in, predictions "
      "out.");
  cmd->footer(
      "Serves the newest version folder under --model_base_path (where the Pusher writes), "
      "loading new versions as they appear (a version that fails to load is reported and the "
      "previous one keeps serving), or one model folder with --model_path. Requests may send "
      "every raw feature of the training schema but the label's (those the model does not read "
      "are checked and ignored), bytes as {\"b64\": \"...\"}, and serialized tf.Examples as "
      "{\"examples\": {\"b64\": \"...\"}} (docs/serving.md).\n\n"
      "Endpoints (V: /versions/N or /labels/L, optional):\n"
      "  GET  /v1/models/NAME[V]            version status\n"
      "  GET  /v1/models/NAME[V]/metadata   signature: raw inputs and their types\n"
      "  POST /v1/models/NAME[V]:predict    {\"instances\": [{...}]} or {\"inputs\": {...}}\n"
      "  POST /v1/models/NAME[V]:classify   {\"examples\": [{...}], \"context\": {...}}\n"
      "  POST /v1/models/NAME[V]:regress    the same, for a regression model\n"
      "  GET  /monitoring/prometheus/metrics\n"
      "gRPC (--port), TensorFlow Serving's services and messages:\n"
      "  tensorflow.serving.PredictionService  Predict, Classify, Regress, MultiInference, "
      "GetModelMetadata\n"
      "  tensorflow.serving.ModelService       GetModelStatus, HandleReloadConfigRequest\n\n"
      "Examples:\n"
      "  weir serve --model_name taxi --model_base_path ~/weir/serving_model/taxi\n"
      "  curl -d '{\"instances\": [{\"trip_miles\": 2.5, \"fare\": 9.5, \"company\": \"Flash "
      "Cab\"}]}' "
      "\\\n       localhost:8501/v1/models/taxi:predict");
  auto* name = cmd->add_option("--model_name", options->model_name, "The name clients use in URLs");
  auto* base = cmd->add_option("--model_base_path", (*paths)[0],
                               "Folder of version folders (<number>/), as the Pusher writes");
  auto* single = cmd->add_option("--model_path", (*paths)[1],
                                 "One model (a Trainer's Model artifact), served as version 1");
  base->excludes(single);
  auto* config = cmd->add_option(
      "--model_config_file", (*paths)[2],
      "Several models instead: TF Serving's ModelServerConfig in text format (each model's name, "
      "base_path, model_version_policy and version_labels; relative paths from the file's folder)");
  config->excludes(name)->excludes(base)->excludes(single);
  cmd->add_option("--monitoring_config_file", (*paths)[3],
                  "TF Serving's MonitoringConfig in text format: prometheus_config { enable: true "
                  "path: \"/metrics\" } (without it: metrics at /monitoring/prometheus/metrics)");
  auto grpc_port = std::make_shared<int>(8500);
  cmd->add_option("--port", *grpc_port,
                  "gRPC port (TensorFlow Serving's PredictionService and ModelService); 0: no gRPC")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--rest_api_port,--rest_port", http->port, "REST port")->capture_default_str();
  cmd->add_option("--address", http->address, "Address to listen on (REST and gRPC)")
      ->capture_default_str();
  cmd->add_option("--threads", http->threads, "Request threads (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--model_version", options->pinned_versions,
                  "Serve these versions (repeat the flag); default: the latest only");
  cmd->add_option("--poll_seconds", options->poll_seconds, "How often to look for new versions")
      ->capture_default_str();
  cmd->add_option("--max_body_bytes", options->max_body_bytes,
                  "Largest predict request body (larger: 413)")
      ->capture_default_str();
  cmd->add_flag("--enable_batching", options->batching,
                "Join predict requests that arrive together into one model call (as TensorFlow "
                "Serving's flag): worth it for models with a per-call cost, e.g. wide_deep");
  auto timeout_us = std::make_shared<int64_t>(options->batcher.timeout.count());
  cmd->add_option("--max_batch_size", options->batcher.max_batch_rows,
                  "With batching: rows per model call at most")
      ->capture_default_str();
  cmd->add_option("--batch_timeout_micros", *timeout_us,
                  "With batching: how long a request waits for others to join it")
      ->capture_default_str();
  cmd->add_option("--num_batch_threads", options->batcher.threads,
                  "With batching: model calls at once (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--batching_parameters_file", (*paths)[4],
                  "TF Serving's BatchingParameters in text format (max_batch_size { value: 64 } "
                  "batch_timeout_micros, num_batch_threads, max_enqueued_batches, ...): turns "
                  "batching on; what it sets wins over the flags above");
  cmd->add_option("--request_log", (*paths)[5],
                  "Log the requests answered to this folder: per model, TFRecord files of "
                  "tf.Examples (raw features, __prediction, __model_version, "
                  "__request_time_micros) that RequestLogExampleGen reads for skew "
                  "(docs/serving.md)");
  cmd->add_option("--request_log_sample", options->request_log.sample_rate,
                  "With --request_log: the share of requests logged, drawn at random")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  auto log_file_mb = std::make_shared<uint64_t>(options->request_log.max_file_bytes >> 20);
  cmd->add_option("--request_log_max_file_mb", *log_file_mb,
                  "With --request_log: start a new file after this many MiB")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto log_file_seconds = std::make_shared<int64_t>(options->request_log.max_file_age.count());
  cmd->add_option("--request_log_max_file_seconds", *log_file_seconds,
                  "With --request_log: start a new file after this many seconds (a file is "
                  "readable once it is closed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([options, http, paths, timeout_us, grpc_port, log_file_mb, log_file_seconds,
                 &exit_code]() {
    options->batcher.timeout = std::chrono::microseconds(*timeout_us);
    options->request_log.dir = (*paths)[5];
    options->request_log.max_file_bytes = *log_file_mb << 20;
    options->request_log.max_file_age = std::chrono::seconds(*log_file_seconds);
    if (!(*paths)[4].empty()) {
      auto batcher = serving::ReadBatchingParameters((*paths)[4], options->batcher);
      if (!batcher.ok()) {
        exit_code = ReportError("serve", batcher.status());
        return;
      }
      options->batcher = *batcher;
      options->batching = true;
    }
    // Requests wait in their HTTP thread for the batch: many threads let many of them wait.
    if (options->batching && http->threads == 0) http->threads = 64;
    options->model_base_path = (*paths)[0];
    options->model_path = (*paths)[1];
    if (!(*paths)[2].empty()) {
      absl::StatusOr<tensorflow::serving::ModelServerConfig> config =
          serving::ReadModelServerConfig((*paths)[2]);
      if (!config.ok()) {
        exit_code = ReportError("serve", config.status());
        return;
      }
      options->config = *std::move(config);
      options->config_dir = std::filesystem::path((*paths)[2]).parent_path();
    } else if (options->model_name.empty() ||
               options->model_base_path.empty() == options->model_path.empty()) {
      exit_code = ReportError(
          "serve", absl::InvalidArgumentError("give --model_name and one of --model_base_path and "
                                              "--model_path, or --model_config_file"));
      return;
    }
    if (!(*paths)[3].empty()) {
      tensorflow::serving::MonitoringConfig monitoring;
      if (absl::Status read = base::ReadTextProto((*paths)[3], &monitoring); !read.ok()) {
        exit_code = ReportError("serve", read);
        return;
      }
      const auto& prometheus = monitoring.prometheus_config();
      options->metrics_path = !prometheus.enable()        ? ""
                              : prometheus.path().empty() ? "/monitoring/prometheus/metrics"
                                                          : prometheus.path();
    }
    serving::BlockStopSignals();  // Before any thread starts, so that sigwait gets them.
    auto server = serving::ModelServer::Start(*options);
    if (!server.ok()) {
      exit_code = ReportError("serve", server.status());
      return;
    }
    // A body over the limit is refused from its Content-Length, before it is read.
    http->max_body_bytes = options->max_body_bytes;
    auto listening = serving::HttpServer::Start(
        *http, [model_server = server->get()](const serving::HttpRequest& request) {
          return model_server->Handle(request.method, request.path, request.body);
        });
    if (!listening.ok()) {
      exit_code = ReportError("serve", listening.status());
      return;
    }
    std::unique_ptr<serving::GrpcServer> grpc;
    if (*grpc_port != 0) {
      auto started =
          serving::GrpcServer::Start(**server, {.address = http->address,
                                                .port = static_cast<uint16_t>(*grpc_port),
                                                .threads = http->threads,
                                                .max_message_bytes = options->max_body_bytes});
      if (!started.ok()) {
        exit_code = ReportError("serve", started.status());
        return;
      }
      grpc = std::move(*started);
    }
    std::string names;
    for (const auto& model : (*server)->models().All()) {
      names += StrCat(names.empty() ? "" : ", ", model->name);
      if (model->versions->Statuses().empty()) {
        std::cout << "No version of " << model->name
                  << " yet: answering UNAVAILABLE (REST 503) until one appears" << std::endl;
      }
    }
    std::cout << "Serving " << names << " at http://" << http->address << ":"
              << (*listening)->port() << "/v1/models/";
    if (grpc != nullptr) std::cout << " and gRPC " << http->address << ":" << grpc->port();
    std::cout << " (Ctrl-C stops)" << std::endl;
    if (!options->request_log.dir.empty()) {
      std::cout << "Logging " << options->request_log.sample_rate * 100 << "% of requests to "
                << options->request_log.dir.string() << std::endl;
    }
    serving::WaitForStopSignal();
    grpc.reset();
    (*listening)->Stop();
  });
}

}  // namespace weir::cli
