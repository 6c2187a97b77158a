// weir serve's REST API (TensorFlow Serving's: status, metadata, predict, classify, regress, with
// versions and labels, and the Prometheus metrics) on the test models (served_models.h): the
// input's first line is "METHOD PATH", the rest the body.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "fuzz/targets/served_models.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  weir::serving::ModelServer& server = weir::fuzz::TestModelServer();
  const auto request = weir::fuzz::SplitRequest(weir::fuzz::AsText(data, size));
  if (request) server.Handle(request->method, request->target, request->body);
  return 0;
}
