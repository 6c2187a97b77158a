// XGBoost's C API, from the library loaded the first time a gbdt model is trained or loaded
// rather than linked: with OpenMP and dmlc it cost every weir command ~3 ms of start-up, and
// only gbdt models need it.
#ifndef WEIR_MODEL_LIBXGBOOST_H_
#define WEIR_MODEL_LIBXGBOOST_H_

#include <xgboost/c_api.h>

#include "absl/status/statusor.h"

namespace weir::model {

// The XGBoost functions weir calls, by their own names.
struct LibXgboost {
  decltype(&::XGBGetLastError) XGBGetLastError;
  decltype(&::XGBoosterCreate) XGBoosterCreate;
  decltype(&::XGBoosterFree) XGBoosterFree;
  decltype(&::XGBoosterSetParam) XGBoosterSetParam;
  decltype(&::XGBoosterUpdateOneIter) XGBoosterUpdateOneIter;
  decltype(&::XGBoosterEvalOneIter) XGBoosterEvalOneIter;
  decltype(&::XGBoosterSlice) XGBoosterSlice;
  decltype(&::XGBoosterLoadModel) XGBoosterLoadModel;
  decltype(&::XGBoosterLoadModelFromBuffer) XGBoosterLoadModelFromBuffer;
  decltype(&::XGBoosterBoostedRounds) XGBoosterBoostedRounds;
  decltype(&::XGBoosterSaveModel) XGBoosterSaveModel;
  decltype(&::XGBoosterSaveModelToBuffer) XGBoosterSaveModelToBuffer;
  decltype(&::XGBoosterPredictFromDense) XGBoosterPredictFromDense;
  decltype(&::XGDMatrixFree) XGDMatrixFree;
  decltype(&::XGDMatrixSetFloatInfo) XGDMatrixSetFloatInfo;
  decltype(&::XGProxyDMatrixCreate) XGProxyDMatrixCreate;
  decltype(&::XGProxyDMatrixSetDataDense) XGProxyDMatrixSetDataDense;
  decltype(&::XGQuantileDMatrixCreateFromCallback) XGQuantileDMatrixCreateFromCallback;
};

// XGBoost's functions, loaded once; FailedPrecondition saying what is missing (the libxgboost0
// package).
absl::StatusOr<const LibXgboost*> LoadLibXgboost();

}  // namespace weir::model

#endif  // WEIR_MODEL_LIBXGBOOST_H_
