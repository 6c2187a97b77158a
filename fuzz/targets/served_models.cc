#include "fuzz/targets/served_models.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "fuzz/targets/scratch.h"
#include "weir/serving/testing/test_model.h"

namespace weir::fuzz {

serving::ModelServer& TestModelServer() {
  static serving::ModelServer* const server = [] {
    tensorflow::serving::ModelServerConfig config;
    for (const auto& [name, task] :
         {std::pair{"taxi", model::BINARY_CLASSIFICATION}, std::pair{"tips", model::REGRESSION}}) {
      const auto base = ScratchDir() / "models" / name;
      if (absl::Status written = serving::testing::WriteTestModel(base / "1", 3, task);
          !written.ok()) {
        std::fprintf(stderr, "cannot write a test model: %s\n", written.ToString().c_str());
        std::abort();
      }
      tensorflow::serving::ModelConfig* model = config.mutable_model_config_list()->add_config();
      model->set_name(name);
      model->set_base_path(base.string());
      (*model->mutable_version_labels())["stable"] = 1;
    }
    auto started = serving::ModelServer::Start({.config = config, .poll_seconds = 3600});
    if (!started.ok()) {
      std::fprintf(stderr, "cannot serve the test models: %s\n",
                   started.status().ToString().c_str());
      std::abort();
    }
    return started->release();
  }();
  return *server;
}

}  // namespace weir::fuzz
