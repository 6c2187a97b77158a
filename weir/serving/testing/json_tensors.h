// Named tensors from a JSON list of instances, as TF Serving's gRPC clients send a batch: for the
// test and benchmark clients of weir serve (header-only: the benchmarks build without the tests).
#ifndef WEIR_SERVING_TESTING_JSON_TENSORS_H_
#define WEIR_SERVING_TESTING_JSON_TENSORS_H_

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "weir/serving/apis/predict.pb.h"

namespace weir::serving::testing {

// One input per name in `names`, shape [N, 1], a value from every instance (each must have
// them): strings as DT_STRING, integers as DT_INT64, other numbers as DT_FLOAT.
inline void AddNamedTensors(const nlohmann::json& instances, const std::set<std::string>& names,
                            tensorflow::serving::PredictRequest& request) {
  for (const std::string& name : names) {
    tensorflow::TensorProto& tensor = (*request.mutable_inputs())[name];
    tensor.mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(instances.size()));
    tensor.mutable_tensor_shape()->add_dim()->set_size(1);
    for (const nlohmann::json& instance : instances) {
      const nlohmann::json& value = instance.at(name);
      if (value.is_string()) {
        tensor.set_dtype(tensorflow::DT_STRING);
        tensor.add_string_val(value.get<std::string>());
      } else if (value.is_number_integer()) {
        tensor.set_dtype(tensorflow::DT_INT64);
        tensor.add_int64_val(value.get<int64_t>());
      } else {
        tensor.set_dtype(tensorflow::DT_FLOAT);
        tensor.add_float_val(value.get<float>());
      }
    }
  }
}

}  // namespace weir::serving::testing

#endif  // WEIR_SERVING_TESTING_JSON_TENSORS_H_
