// The gbdt model family (XGBoost). Registered by FindModelFamily; exposed for tests.
#ifndef WEIR_MODEL_GBDT_H_
#define WEIR_MODEL_GBDT_H_

#include <memory>

#include "weir/model/model.h"

namespace weir::model {

std::unique_ptr<ModelFamily> MakeGbdtFamily();

// XGBoost's own prediction for a gbdt model (Model::Predict walks the trees itself); for tests
// that check the two agree.
absl::StatusOr<std::vector<float>> PredictWithXgboost(const Model& model, const Batch& batch);

}  // namespace weir::model

#endif  // WEIR_MODEL_GBDT_H_
