#include "weir/serving/model_server.h"

#include <set>

#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/serving/servable.h"

namespace weir::serving {

Servable::Servable(std::unique_ptr<model::ServingModel> loaded, int64_t version_number)
    : model(std::move(loaded)), version(version_number), reader(model->spec()) {
  const model::ModelSpec& spec = model->spec();
  if (spec.config().task() == model::MULTICLASS_CLASSIFICATION)
    classes.assign(spec.class_names().begin(), spec.class_names().end());
}

absl::StatusOr<std::shared_ptr<const Servable>> LoadServable(const std::filesystem::path& dir,
                                                             int64_t version) {
  ASSIGN_OR_RETURN(std::unique_ptr<model::ServingModel> model, model::ServingModel::Load(dir));
  return std::make_shared<const Servable>(std::move(model), version);
}

namespace {

namespace tfs = ::tensorflow::serving;

// One model of a config, as the version manager takes it, with its labels.
struct ModelSource {
  VersionManagerOptions versions;
  std::map<std::string, int64_t> labels;
};

absl::StatusOr<std::vector<ModelSource>> SourcesOf(const tfs::ModelServerConfig& config,
                                                   const std::filesystem::path& config_dir,
                                                   double poll_seconds) {
  if (config.config_case() != tfs::ModelServerConfig::kModelConfigList)
    return absl::InvalidArgumentError("the config has no model_config_list");
  std::vector<ModelSource> sources;
  std::set<std::string> names;
  for (const tfs::ModelConfig& model : config.model_config_list().config()) {
    if (model.name().empty()) return absl::InvalidArgumentError("a model config has no name");
    if (!names.insert(model.name()).second)
      return absl::InvalidArgumentError(StrCat("model '", model.name(), "' is configured twice"));
    if (model.base_path().empty())
      return absl::InvalidArgumentError(StrCat("model '", model.name(), "' has no base_path"));
    if (!model.model_platform().empty() && model.model_platform() != "tensorflow" &&
        model.model_platform() != "weir") {
      return absl::InvalidArgumentError(StrCat("model '", model.name(), "': model_platform '",
                                               model.model_platform(), "' is not weir's"));
    }
    ModelSource source;
    source.versions.model_name = model.name();
    source.versions.base_path = config_dir / model.base_path();
    source.versions.poll_seconds = poll_seconds;
    const auto& policy = model.model_version_policy();
    switch (policy.policy_choice_case()) {
      case tfs::FileSystemStoragePathSourceConfig::ServableVersionPolicy::kAll:
        source.versions.policy.kind = VersionPolicy::Kind::kAll;
        break;
      case tfs::FileSystemStoragePathSourceConfig::ServableVersionPolicy::kSpecific:
        source.versions.policy.kind = VersionPolicy::Kind::kSpecific;
        source.versions.policy.versions.assign(policy.specific().versions().begin(),
                                               policy.specific().versions().end());
        if (source.versions.policy.versions.empty()) {
          return absl::InvalidArgumentError(
              StrCat("model '", model.name(), "': a specific version policy lists no versions"));
        }
        break;
      default:
        source.versions.policy.latest =
            std::max<int>(1, static_cast<int>(policy.latest().num_versions()));
        break;
    }
    source.labels.insert(model.version_labels().begin(), model.version_labels().end());
    sources.push_back(std::move(source));
  }
  if (sources.empty()) return absl::InvalidArgumentError("the config lists no models");
  return sources;
}

}  // namespace

absl::StatusOr<tfs::ModelServerConfig> ReadModelServerConfig(const std::filesystem::path& file) {
  tfs::ModelServerConfig config;
  RETURN_IF_ERROR(base::ReadTextProto(file, &config));
  return config;
}

absl::StatusOr<std::map<std::string, std::shared_ptr<ServedModel>>> ModelServer::Build(
    const tfs::ModelServerConfig& config) {
  ASSIGN_OR_RETURN(std::vector<ModelSource> sources, SourcesOf(config, config_dir_, poll_seconds_));
  std::map<std::string, std::shared_ptr<ServedModel>> built;
  for (ModelSource& source : sources) {
    const std::string name = source.versions.model_name;
    std::shared_ptr<ServedModel> model;
    absl::StatusOr<std::shared_ptr<ServedModel>> existing = models_.Find(name);
    if (existing.ok() && (*existing)->source.base_path == source.versions.base_path &&
        (*existing)->source.policy == source.versions.policy &&
        (*existing)->labels == source.labels) {
      model = *existing;  // Unchanged: its loaded versions and counters carry on.
    } else {
      model = std::make_shared<ServedModel>();
      model->name = name;
      model->source = source.versions;
      model->labels = std::move(source.labels);
      model->request_log = request_log_.get();
      ASSIGN_OR_RETURN(model->versions, VersionManager::Start(source.versions, LoadServable));
    }
    for (const auto& [label, version] : model->labels) {
      if (!model->versions->Pick(version).ok()) {
        return absl::FailedPreconditionError(StrCat("model '", name, "': label '", label,
                                                    "' names version ", version,
                                                    ", which is not available"));
      }
    }
    built[name] = std::move(model);
  }
  return built;
}

absl::StatusOr<std::unique_ptr<ModelServer>> ModelServer::Start(const ModelServerOptions& options) {
  std::unique_ptr<ModelServer> server(new ModelServer());
  server->config_dir_ = options.config_dir;
  server->poll_seconds_ = options.poll_seconds;
  if (!options.request_log.dir.empty()) {
    ASSIGN_OR_RETURN(server->request_log_, RequestLog::Open(options.request_log));
  }
  if (options.config.has_value()) {
    ASSIGN_OR_RETURN(auto models, server->Build(*options.config));
    server->models_.Replace(std::move(models));
  } else {
    if (options.model_name.empty()) return absl::InvalidArgumentError("a model name is required");
    auto model = std::make_shared<ServedModel>();
    model->name = options.model_name;
    model->request_log = server->request_log_.get();
    model->source = {.model_name = options.model_name,
                     .base_path = options.model_base_path,
                     .model_path = options.model_path,
                     .policy = options.pinned_versions.empty()
                                   ? VersionPolicy{}
                                   : VersionPolicy{.kind = VersionPolicy::Kind::kSpecific,
                                                   .versions = options.pinned_versions},
                     .poll_seconds = options.poll_seconds};
    ASSIGN_OR_RETURN(model->versions, VersionManager::Start(model->source, LoadServable));
    server->models_.Replace({{options.model_name, std::move(model)}});
  }
  if (options.batching) server->batcher_ = std::make_unique<PredictBatcher>(options.batcher);
  server->handler_ =
      std::make_unique<RestApiHandler>(server->models_,
                                       RestApiOptions{.metrics_path = options.metrics_path,
                                                      .max_body_bytes = options.max_body_bytes},
                                       server->batcher_.get(), server->request_log_.get());
  return server;
}

void ModelServer::Poll() {
  for (const std::shared_ptr<ServedModel>& model : models_.All()) model->versions->Poll();
}

absl::Status ModelServer::Reload(const tfs::ModelServerConfig& config) {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  ASSIGN_OR_RETURN(auto models, Build(config));
  models_.Replace(std::move(models));
  return absl::OkStatus();
}

}  // namespace weir::serving
