// weir serve's gRPC methods (TensorFlow Serving's PredictionService and GetModelStatus) on two
// small gbdt models, "taxi" (binary classification; version 1 labelled "stable") and "tips"
// (regression), from the request message's bytes as the transport hands them over. The
// input's first byte picks the method (kMethods[byte % 6]), the rest is the message.
// HandleReloadConfigRequest is left out: it changes what is served, so inputs would no longer be
// independent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "fuzz/targets/scratch.h"
#include "weir/serving/grpc_service.h"
#include "weir/serving/model_server.h"
#include "weir/serving/testing/test_model.h"

namespace {

constexpr const char* kMethods[] = {
    "/tensorflow.serving.PredictionService/Predict",
    "/tensorflow.serving.PredictionService/Classify",
    "/tensorflow.serving.PredictionService/Regress",
    "/tensorflow.serving.PredictionService/MultiInference",
    "/tensorflow.serving.PredictionService/GetModelMetadata",
    "/tensorflow.serving.ModelService/GetModelStatus",
};

struct Server {
  std::unique_ptr<weir::serving::ModelServer> core;
  absl::flat_hash_map<std::string, weir::serving::GrpcMethod> methods;
};

const Server& TheServer() {
  static const Server* const server = [] {
    tensorflow::serving::ModelServerConfig config;
    for (const auto& [name, task] : {std::pair{"taxi", weir::model::BINARY_CLASSIFICATION},
                                     std::pair{"tips", weir::model::REGRESSION}}) {
      const auto base = weir::fuzz::ScratchDir() / "models" / name;
      if (absl::Status written = weir::serving::testing::WriteTestModel(base / "1", 3, task);
          !written.ok()) {
        std::fprintf(stderr, "cannot write a test model: %s\n", written.ToString().c_str());
        std::abort();
      }
      tensorflow::serving::ModelConfig* model = config.mutable_model_config_list()->add_config();
      model->set_name(name);
      model->set_base_path(base.string());
      (*model->mutable_version_labels())["stable"] = 1;
    }
    auto core = weir::serving::ModelServer::Start({.config = config, .poll_seconds = 3600});
    if (!core.ok()) {
      std::fprintf(stderr, "cannot serve the test model: %s\n", core.status().ToString().c_str());
      std::abort();
    }
    auto* made = new Server{std::move(*core), {}};
    made->methods = weir::serving::TensorFlowServingMethods(*made->core);
    return made;
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Server& server = TheServer();
  const char* method = kMethods[data[0] % std::size(kMethods)];
  server.methods.at(method)(weir::fuzz::AsText(data + 1, size - 1)).IgnoreError();
  return 0;
}
