#include "weir/serving/model_server.h"

#include "weir/base/status.h"
#include "weir/serving/servable.h"

namespace weir::serving {

Servable::Servable(std::unique_ptr<model::ServingModel> loaded)
    : model(std::move(loaded)), reader(model->spec()) {
  const model::ModelSpec& spec = model->spec();
  if (spec.config().task() == model::MULTICLASS_CLASSIFICATION)
    classes.assign(spec.class_names().begin(), spec.class_names().end());
}

absl::StatusOr<std::shared_ptr<const Servable>> LoadServable(const std::filesystem::path& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<model::ServingModel> model, model::ServingModel::Load(dir));
  return std::make_shared<const Servable>(std::move(model));
}

absl::StatusOr<std::unique_ptr<ModelServer>> ModelServer::Start(const ModelServerOptions& options) {
  if (options.model_name.empty()) return absl::InvalidArgumentError("a model name is required");
  std::unique_ptr<ModelServer> server(new ModelServer());
  server->model_name_ = options.model_name;
  ASSIGN_OR_RETURN(server->versions_,
                   VersionManager::Start({.model_name = options.model_name,
                                          .base_path = options.model_base_path,
                                          .model_path = options.model_path,
                                          .pinned_versions = options.pinned_versions,
                                          .poll_seconds = options.poll_seconds},
                                         LoadServable));
  if (options.batching) server->batcher_ = std::make_unique<PredictBatcher>(options.batcher);
  server->handler_ = std::make_unique<RestApiHandler>(
      *server->versions_,
      RestApiOptions{.model_name = options.model_name, .max_body_bytes = options.max_body_bytes},
      server->batcher_.get(), server->metrics_);
  return server;
}

}  // namespace weir::serving
