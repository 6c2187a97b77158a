// The gbdt model family (XGBoost). Registered by FindModelFamily; exposed for tests.
#ifndef WEIR_MODEL_GBDT_H_
#define WEIR_MODEL_GBDT_H_

#include <memory>

#include "weir/model/model.h"

namespace weir::model {

std::unique_ptr<ModelFamily> MakeGbdtFamily();

}  // namespace weir::model

#endif  // WEIR_MODEL_GBDT_H_
