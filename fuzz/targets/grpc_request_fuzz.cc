// weir serve's gRPC methods (TensorFlow Serving's PredictionService and GetModelStatus) on the
// test models (served_models.h), from the request message's bytes as the transport hands them
// over. The input's first byte picks the method (kMethods[byte % 6]), the rest is the message.
// HandleReloadConfigRequest is left out: it changes what is served, so inputs would no longer be
// independent.
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "fuzz/targets/scratch.h"
#include "fuzz/targets/served_models.h"
#include "weir/serving/grpc_service.h"

namespace {

constexpr const char* kMethods[] = {
    "/tensorflow.serving.PredictionService/Predict",
    "/tensorflow.serving.PredictionService/Classify",
    "/tensorflow.serving.PredictionService/Regress",
    "/tensorflow.serving.PredictionService/MultiInference",
    "/tensorflow.serving.PredictionService/GetModelMetadata",
    "/tensorflow.serving.ModelService/GetModelStatus",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const methods =
      new absl::flat_hash_map<std::string, weir::serving::GrpcMethod>(
          weir::serving::TensorFlowServingMethods(weir::fuzz::TestModelServer()));
  if (size == 0) return 0;
  const char* method = kMethods[data[0] % std::size(kMethods)];
  methods->at(method)(weir::fuzz::AsText(data + 1, size - 1)).IgnoreError();
  return 0;
}
