// A loaded model version with what answering its requests needs, shared: a request holds on to it
// through a swap.
#ifndef WEIR_SERVING_SERVABLE_H_
#define WEIR_SERVING_SERVABLE_H_

#include <memory>
#include <string>
#include <vector>

#include "weir/model/serving_model.h"
#include "weir/serving/predict_request.h"

namespace weir::serving {

struct Servable {
  Servable(std::unique_ptr<model::ServingModel> loaded, int64_t version_number);
  std::shared_ptr<const model::ServingModel> model;
  int64_t version;                   // The version number it answers as.
  PredictRequestReader reader;       // Reads predict bodies against the model's signature.
  std::vector<std::string> classes;  // A multiclass model's class names, for its responses.
};

// Loads the model folder at `dir` (ServingModel::Load) as a servable of that version.
absl::StatusOr<std::shared_ptr<const Servable>> LoadServable(const std::filesystem::path& dir,
                                                             int64_t version);

}  // namespace weir::serving

#endif  // WEIR_SERVING_SERVABLE_H_
