// weir serve's predict request reader (TensorFlow Serving's JSON rows and columns forms), on a
// signature with an integer, a float and a string feature, as the REST handler reads bodies.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/serving/predict_request.h"

namespace {

const weir::serving::PredictRequestReader& Reader() {
  static const weir::serving::PredictRequestReader* const reader = [] {
    weir::model::ModelSpec spec;
    for (const auto& [name, type] :
         {std::pair{"hour", weir::transform::INT}, std::pair{"fare", weir::transform::FLOAT},
          std::pair{"company", weir::transform::STRING}}) {
      weir::transform::RawFeature* input = spec.add_signature_inputs();
      input->set_name(name);
      input->set_type(type);
    }
    return new weir::serving::PredictRequestReader(spec);
  }();
  return *reader;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<weir::serving::PredictRequest> request =
      Reader().Read(weir::fuzz::AsText(data, size));
  if (request.ok()) {
    // An answer as long as the request, as the handler writes it.
    std::vector<float> predictions(request->raw.num_rows(), 0.5f);
    weir::serving::WritePredictResponse(predictions, 1, request->columnar);
  }
  return 0;
}
