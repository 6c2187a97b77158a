#include "weir/model/libxgboost.h"

#include "weir/base/plugin.h"

namespace weir::model {
namespace {

constexpr char kLibXgboost[] = "libxgboost.so.0";

void BindAll(base::LibraryBinder& bind, LibXgboost& xgb) {
  bind("XGBGetLastError", xgb.XGBGetLastError);
  bind("XGBoosterCreate", xgb.XGBoosterCreate);
  bind("XGBoosterFree", xgb.XGBoosterFree);
  bind("XGBoosterSetParam", xgb.XGBoosterSetParam);
  bind("XGBoosterUpdateOneIter", xgb.XGBoosterUpdateOneIter);
  bind("XGBoosterEvalOneIter", xgb.XGBoosterEvalOneIter);
  bind("XGBoosterSlice", xgb.XGBoosterSlice);
  bind("XGBoosterLoadModel", xgb.XGBoosterLoadModel);
  bind("XGBoosterSaveModel", xgb.XGBoosterSaveModel);
  bind("XGBoosterSaveModelToBuffer", xgb.XGBoosterSaveModelToBuffer);
  bind("XGBoosterLoadModelFromBuffer", xgb.XGBoosterLoadModelFromBuffer);
  bind("XGBoosterBoostedRounds", xgb.XGBoosterBoostedRounds);
  bind("XGBoosterPredictFromDense", xgb.XGBoosterPredictFromDense);
  bind("XGDMatrixFree", xgb.XGDMatrixFree);
  bind("XGDMatrixSetFloatInfo", xgb.XGDMatrixSetFloatInfo);
  bind("XGProxyDMatrixCreate", xgb.XGProxyDMatrixCreate);
  bind("XGProxyDMatrixSetDataDense", xgb.XGProxyDMatrixSetDataDense);
  bind("XGQuantileDMatrixCreateFromCallback", xgb.XGQuantileDMatrixCreateFromCallback);
}

}  // namespace

absl::StatusOr<const LibXgboost*> LoadLibXgboost() {
  return base::LoadLibraryOnce<LibXgboost>(
      kLibXgboost, "gbdt models need XGBoost (Debian package libxgboost0)", &BindAll);
}

}  // namespace weir::model
