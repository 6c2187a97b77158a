// The web server's router and JSON bodies, with the CSRF token a page would send: the input's
// first line is "METHOD TARGET", the rest the body. Its WEIR_HOME is a scratch folder with one
// pipeline file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "fuzz/targets/scratch.h"
#include "nlohmann/json.hpp"
#include "weir/pipeline/component_registry.h"
#include "weir/web/api.h"
#include "weir/web/testing/api_call.h"

namespace {

struct Server {
  std::unique_ptr<weir::web::WebApi> api;
  std::string csrf;
};

Server& TheServer() {
  static Server* const server = [] {
    const auto home = weir::fuzz::ScratchDir() / "home";
    std::filesystem::create_directories(home / "pipelines");
    std::ofstream(home / "pipelines" / "p.yaml")
        << "pipeline: p\nnodes:\n  Gen:\n    component: CsvExampleGen\n    params: {input_base: "
           "data}\n";
    ::setenv("WEIR_HOME", home.c_str(), 1);
    auto* made = new Server{std::make_unique<weir::web::WebApi>(weir::pipeline::BuiltinRegistry(),
                                                                weir::web::WebApiOptions{}),
                            ""};
    const auto session = weir::web::CallApi(*made->api, "GET", "/api/session");
    made->csrf = nlohmann::json::parse(session.body)["csrf_token"];
    return made;
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Server& server = TheServer();
  const auto request = weir::fuzz::SplitRequest(weir::fuzz::AsText(data, size));
  if (!request) return 0;
  weir::web::CallApi(*server.api, request->method, request->target, request->body,
                     {{"X-Weir-CSRF", server.csrf}});
  return 0;
}
