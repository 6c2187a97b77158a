#include "weir/model/libxgboost.h"

#include "weir/base/plugin.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::model {
namespace {

constexpr char kLibXgboost[] = "libxgboost.so.0";

absl::Status Bind(auto& function, const char* name) {
  return base::BindLibraryFunction(kLibXgboost, name, function);
}

absl::StatusOr<LibXgboost> Load() {
  LibXgboost xgb;
  RETURN_IF_ERROR(Bind(xgb.XGBGetLastError, "XGBGetLastError"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterCreate, "XGBoosterCreate"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterFree, "XGBoosterFree"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterSetParam, "XGBoosterSetParam"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterUpdateOneIter, "XGBoosterUpdateOneIter"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterEvalOneIter, "XGBoosterEvalOneIter"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterSlice, "XGBoosterSlice"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterLoadModel, "XGBoosterLoadModel"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterSaveModel, "XGBoosterSaveModel"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterSaveModelToBuffer, "XGBoosterSaveModelToBuffer"));
  RETURN_IF_ERROR(Bind(xgb.XGBoosterPredictFromDense, "XGBoosterPredictFromDense"));
  RETURN_IF_ERROR(Bind(xgb.XGDMatrixFree, "XGDMatrixFree"));
  RETURN_IF_ERROR(Bind(xgb.XGDMatrixSetFloatInfo, "XGDMatrixSetFloatInfo"));
  RETURN_IF_ERROR(Bind(xgb.XGProxyDMatrixCreate, "XGProxyDMatrixCreate"));
  RETURN_IF_ERROR(Bind(xgb.XGProxyDMatrixSetDataDense, "XGProxyDMatrixSetDataDense"));
  RETURN_IF_ERROR(
      Bind(xgb.XGQuantileDMatrixCreateFromCallback, "XGQuantileDMatrixCreateFromCallback"));
  return xgb;
}

}  // namespace

absl::StatusOr<const LibXgboost*> LoadLibXgboost() {
  static const absl::StatusOr<LibXgboost>* const loaded = new absl::StatusOr<LibXgboost>(Load());
  if (!loaded->ok()) {
    return absl::FailedPreconditionError(StrCat(
        "gbdt models need XGBoost (Debian package libxgboost0): ", loaded->status().message()));
  }
  return &**loaded;
}

}  // namespace weir::model
