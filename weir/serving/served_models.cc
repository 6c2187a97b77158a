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
