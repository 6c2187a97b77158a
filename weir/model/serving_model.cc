#include "weir/model/serving_model.h"

#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"

namespace weir::model {
namespace fs = std::filesystem;

absl::StatusOr<std::unique_ptr<ServingModel>> ServingModel::Load(const fs::path& dir) {
  const fs::path serving = fs::exists(dir / kServingDir) ? dir / kServingDir : dir;
  ModelSpec spec;
  RETURN_IF_ERROR(base::ReadTextProto(serving / kModelSpecFileName, &spec));
  if (spec.format_version() > kModelSpecFormatVersion) {
    return absl::FailedPreconditionError(StrCat(serving.string(), ": the model has format version ",
                                                spec.format_version(), "; this weir reads up to ",
                                                kModelSpecFormatVersion, ": upgrade weir"));
  }
  ASSIGN_OR_RETURN(transform::Transform transform,
                   transform::Transform::Load(serving / kServingTransformDir));
  ASSIGN_OR_RETURN(const ModelFamily* family, FindModelFamily(spec.config().family()));
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model, family->Load(spec, serving));
  return std::unique_ptr<ServingModel>(
      new ServingModel(std::move(spec), std::move(transform), std::move(model)));
}

ServingModel::ServingModel(ModelSpec spec, transform::Transform transform,
                           std::unique_ptr<Model> model)
    : spec_(std::move(spec)), transform_(std::move(transform)), model_(std::move(model)) {
  for (const ModelInput& input : spec_.inputs()) inputs_.insert(input.name());
}

absl::StatusOr<std::vector<float>> ServingModel::Predict(const data::RecordBatch& raw) const {
  ASSIGN_OR_RETURN(data::RecordBatch transformed, transform_.Apply(raw, &inputs_));
  ASSIGN_OR_RETURN(Batch batch, ToBatch(spec_, transformed, /*with_labels=*/false));
  return model_->Predict(batch);
}

absl::StatusOr<ServingModel::Scored> ServingModel::Score(const data::RecordBatch& raw,
                                                         const std::string& label_key) const {
  ASSIGN_OR_RETURN(data::RecordBatch transformed, transform_.Apply(raw));
  ModelSpec labelled = spec_;
  if (!label_key.empty()) labelled.mutable_config()->set_label(label_key);
  ASSIGN_OR_RETURN(Batch batch, ToBatch(labelled, transformed, /*with_labels=*/true));
  Scored scored;
  ASSIGN_OR_RETURN(scored.predictions, model_->Predict(batch));
  scored.labels = std::move(batch.labels);
  return scored;
}

}  // namespace weir::model
