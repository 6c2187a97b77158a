// Writes a gRPC request body (one length-prefixed message) for bench/serve.sh: a
// tensorflow.serving.PredictRequest for MODEL with the features of a JSON list of instances as
// named tensors (strings DT_STRING, integers DT_INT64, other numbers DT_FLOAT), to stdout.
//   weir_bench_grpc_body MODEL '[{"fare": 9.5, ...}, ...]' > body.bin
#include <arpa/inet.h>

#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>

#include "weir/serving/apis/predict.pb.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: weir_bench_grpc_body MODEL INSTANCES_JSON\n";
    return 2;
  }
  const nlohmann::json instances = nlohmann::json::parse(argv[2]);
  tensorflow::serving::PredictRequest request;
  request.mutable_model_spec()->set_name(argv[1]);
  auto& inputs = *request.mutable_inputs();
  for (const auto& instance : instances) {
    for (const auto& [name, value] : instance.items()) {
      tensorflow::TensorProto& tensor = inputs[name];
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
  for (auto& [name, tensor] : inputs)
    tensor.mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(instances.size()));
  // gRPC's framing: a compressed flag (0), the length (big-endian), the message.
  const std::string message = request.SerializeAsString();
  const uint32_t length = htonl(static_cast<uint32_t>(message.size()));
  std::cout.put(0);
  std::cout.write(reinterpret_cast<const char*>(&length), sizeof(length));
  std::cout << message;
  return 0;
}
