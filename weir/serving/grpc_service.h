// TensorFlow Serving's gRPC API over a ModelServer's versions: PredictionService (Predict,
// Classify, Regress, MultiInference, GetModelMetadata) and ModelService (GetModelStatus,
// HandleReloadConfigRequest), wire-compatible with the tensorflow-serving-api stubs
// (weir/serving/apis/*.proto). The same versions, batcher and metrics as REST answer, and the
// same request reader checks the values: a transport, not a second server. The calls travel over
// weir's own gRPC transport (grpc_transport.h).
#ifndef WEIR_SERVING_GRPC_SERVICE_H_
#define WEIR_SERVING_GRPC_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "weir/serving/grpc_transport.h"
#include "weir/serving/model_server.h"

namespace weir::serving {

struct GrpcServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8500;  // 0: any free port (see GrpcServer::port).
  int threads = 0;       // 0: all cores. Calls waiting for a batch wait in these.
  size_t max_message_bytes = 16 << 20;
};

// The methods GrpcServer serves, by their paths (as
// "/tensorflow.serving.PredictionService/Predict"), over `core`, which must outlive them: a
// message's bytes in, the response's bytes out.
absl::flat_hash_map<std::string, GrpcMethod> TensorFlowServingMethods(ModelServer& core);

class GrpcServer {
 public:
  // Serves `core` (which must outlive the server) on address:port.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(ModelServer& core,
                                                           const GrpcServerOptions& options);
  ~GrpcServer();  // Stops.

  uint16_t port() const;

 private:
  GrpcServer() = default;
  std::unique_ptr<GrpcTransport> transport_;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_GRPC_SERVICE_H_
