// TensorFlow Serving's gRPC API over a ModelServer's versions: PredictionService (Predict,
// Classify, Regress, MultiInference, GetModelMetadata) and ModelService (GetModelStatus,
// HandleReloadConfigRequest), wire-compatible with the tensorflow-serving-api stubs
// (weir/serving/apis/*.proto). The same versions, batcher and metrics as REST answer, and the
// same request reader checks the values: a transport, not a second server. gRPC's callback API
// runs each call in its handler.
#ifndef WEIR_SERVING_GRPC_SERVICE_H_
#define WEIR_SERVING_GRPC_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "weir/serving/model_server.h"

namespace grpc {
class Server;
}

namespace weir::serving {

struct GrpcServerOptions {
  std::string address = "127.0.0.1";
  int port = 8500;  // 0: any free port (see GrpcServer::port).
  size_t max_message_bytes = 16 << 20;
};

class GrpcServer {
 public:
  // Serves `core` (which must outlive the server) on address:port.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(ModelServer& core,
                                                           const GrpcServerOptions& options);
  ~GrpcServer();

  int port() const { return port_; }

 private:
  class Services;
  GrpcServer() = default;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_GRPC_SERVICE_H_
