#include "weir/serving/served_models.h"

#include "weir/base/strings.h"

namespace weir::serving {

absl::StatusOr<std::pair<int64_t, std::shared_ptr<const Servable>>> ServedModel::Pick(
    std::optional<int64_t> version, std::string_view label) const {
  if (!label.empty()) {
    auto it = labels.find(std::string(label));
    if (it == labels.end()) {
      return absl::NotFoundError(
          StrCat("servable not found: ", name, " has no version labelled '", label, "'"));
    }
    version = it->second;
  }
  return versions->Pick(version);
}

absl::StatusOr<std::vector<float>> PredictRows(ServedModel& model, const Servable& servable,
                                               PredictRequest request, PredictBatcher* batcher) {
  const size_t rows = request.raw.num_rows();
  // The rows are copied for the log before the model takes them, only for a sampled request.
  std::optional<data::RecordBatch> logged;
  if (model.request_log != nullptr && model.request_log->Sample()) {
    std::vector<data::Column> columns = request.raw.columns();
    for (const data::Column& column : request.unread.columns()) columns.push_back(column);
    logged.emplace(std::move(columns));
  }
  absl::StatusOr<std::vector<float>> predictions =
      batcher != nullptr ? batcher->Predict(servable.model, std::move(request.raw))
                         : servable.model->Predict(request.raw);
  if (!predictions.ok()) return predictions;
  model.metrics.AddPredictions(rows);
  if (logged) {
    model.request_log->Log(model.name, servable.version, *std::move(logged), *predictions,
                           model::OutputsPerRow(servable.model->spec()));
  }
  return predictions;
}

absl::StatusOr<std::shared_ptr<ServedModel>> ServedModels::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = models_.find(name);
  if (it != models_.end()) return it->second;
  std::string known;
  for (const auto& [served, model] : models_)
    known += StrCat(known.empty() ? "'" : ", '", served, "'");
  return absl::NotFoundError(
      StrCat("servable not found: no model named '", name, "' (serving ", known, ")"));
}

std::vector<std::shared_ptr<ServedModel>> ServedModels::All() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<ServedModel>> out;
  for (const auto& [name, model] : models_) out.push_back(model);
  return out;
}

void ServedModels::Replace(std::map<std::string, std::shared_ptr<ServedModel>> models) {
  std::map<std::string, std::shared_ptr<ServedModel>, std::less<>> replacement(models.begin(),
                                                                               models.end());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    models_.swap(replacement);
  }
  // `replacement`, now the old set, goes here, outside the lock: a removed model's watcher may
  // take a moment to stop.
}

}  // namespace weir::serving
