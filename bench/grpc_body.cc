// Writes a gRPC request body (one length-prefixed message) for bench/serve.sh: a
// tensorflow.serving.PredictRequest for MODEL with the features of a JSON list of instances as
// named tensors (strings DT_STRING, integers DT_INT64, other numbers DT_FLOAT; the features of
// the first instance, which every instance must have), to stdout.
//   weir_bench_grpc_body MODEL '[{"fare": 9.5, ...}, ...]' > body.bin
#include <arpa/inet.h>

#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "weir/serving/apis/predict.pb.h"
#include "weir/serving/testing/json_tensors.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: weir_bench_grpc_body MODEL INSTANCES_JSON\n";
    return 2;
  }
  const nlohmann::json instances = nlohmann::json::parse(argv[2]);
  tensorflow::serving::PredictRequest request;
  request.mutable_model_spec()->set_name(argv[1]);
  std::set<std::string> names;
  for (const auto& [name, value] : instances.at(0).items()) names.insert(name);
  weir::serving::testing::AddNamedTensors(instances, names, request);
  // gRPC's framing: a compressed flag (0), the length (big-endian), the message.
  const std::string message = request.SerializeAsString();
  const uint32_t length = htonl(static_cast<uint32_t>(message.size()));
  std::cout.put(0);
  std::cout.write(reinterpret_cast<const char*>(&length), sizeof(length));
  std::cout << message;
  return 0;
}
