#include "weir/serving/grpc_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <type_traits>

#include "absl/strings/escaping.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"
#include "weir/serving/apis/model_service.grpc.pb.h"
#include "weir/serving/apis/prediction_service.grpc.pb.h"
#include "weir/serving/servable.h"

namespace weir::serving {
namespace {

using Json = nlohmann::ordered_json;
namespace tfs = ::tensorflow::serving;

// The signature's name: TFX models have one.
constexpr char kSignatureName[] = "serving_default";
// TFX's serving signature takes serialized tf.Examples under this input name.
constexpr char kExamplesInput[] = "examples";

// absl's status codes are gRPC's, number for number.
grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

grpc::Status InvalidArgument(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

const char* DataTypeName(tensorflow::DataType type) {
  return tensorflow::DataType_IsValid(type) ? tensorflow::DataType_Name(type).c_str() : "?";
}

tensorflow::DataType DataTypeOf(transform::ValueType type) {
  switch (type) {
    case transform::INT:
      return tensorflow::DT_INT64;
    case transform::FLOAT:
      return tensorflow::DT_FLOAT;
    default:
      return tensorflow::DT_STRING;
  }
}

// `count` values of a numeric tensor, from its typed field or its tensor_content.
template <typename T, typename Field>
absl::StatusOr<std::vector<T>> NumbersOf(const tensorflow::TensorProto& tensor, const Field& field,
                                         size_t count, const std::string& name) {
  std::vector<T> values;
  if (!tensor.tensor_content().empty()) {
    if (tensor.tensor_content().size() != count * sizeof(T)) {
      return absl::InvalidArgumentError(StrCat(
          "input '", name, "': tensor_content has ", tensor.tensor_content().size(), " bytes; ",
          count, " values of ", DataTypeName(tensor.dtype()), " take ", count * sizeof(T)));
    }
    values.resize(count);
    std::memcpy(values.data(), tensor.tensor_content().data(), count * sizeof(T));
    return values;
  }
  if (field.size() == 1) return std::vector<T>(count, static_cast<T>(field[0]));  // Fills it.
  if (static_cast<size_t>(field.size()) != count) {
    return absl::InvalidArgumentError(
        StrCat("input '", name, "' has ", field.size(), " values for its shape's ", count));
  }
  values.assign(field.begin(), field.end());
  return values;
}

// One input tensor as a JSON list of one value per row (what PredictRequestReader reads).
// Shapes [N] and [N, 1]; without a shape, one value per row.
absl::StatusOr<Json> ColumnOf(const std::string& name, const tensorflow::TensorProto& tensor) {
  std::optional<size_t> rows;
  const auto& dims = tensor.tensor_shape().dim();
  if (dims.size() == 1 || (dims.size() == 2 && dims[1].size() == 1)) {
    if (dims[0].size() < 0)
      return absl::InvalidArgumentError(StrCat("input '", name, "' has an unknown row count"));
    rows = static_cast<size_t>(dims[0].size());
  } else if (!dims.empty()) {
    std::string shape;
    for (const auto& dim : dims) shape += StrCat(shape.empty() ? "" : ", ", dim.size());
    return absl::InvalidArgumentError(
        StrCat("input '", name, "' has shape [", shape, "]; inputs take [N] or [N, 1]"));
  }
  Json column = Json::array();
  switch (tensor.dtype()) {
    case tensorflow::DT_STRING: {
      const size_t count = rows.value_or(tensor.string_val_size());
      if (tensor.string_val_size() != 1 && static_cast<size_t>(tensor.string_val_size()) != count) {
        return absl::InvalidArgumentError(StrCat("input '", name, "' has ",
                                                 tensor.string_val_size(),
                                                 " values for its shape's ", count));
      }
      for (size_t row = 0; row < count; ++row) {
        const std::string& value = tensor.string_val(tensor.string_val_size() == 1 ? 0 : row);
        column.push_back({{"b64", absl::Base64Escape(value)}});
      }
      return column;
    }
    case tensorflow::DT_INT64: {
      ASSIGN_OR_RETURN(auto values,
                       NumbersOf<int64_t>(tensor, tensor.int64_val(),
                                          rows.value_or(tensor.int64_val_size()), name));
      for (int64_t value : values) column.push_back(value);
      return column;
    }
    case tensorflow::DT_INT32: {
      ASSIGN_OR_RETURN(auto values, NumbersOf<int32_t>(tensor, tensor.int_val(),
                                                       rows.value_or(tensor.int_val_size()), name));
      for (int32_t value : values) column.push_back(value);
      return column;
    }
    case tensorflow::DT_FLOAT: {
      ASSIGN_OR_RETURN(auto values, NumbersOf<float>(tensor, tensor.float_val(),
                                                     rows.value_or(tensor.float_val_size()), name));
      // As the double the float is (JSON keeps 17 digits), so the reader gets it back exactly.
      for (float value : values) {
        if (!std::isfinite(value))
          return absl::InvalidArgumentError(StrCat("input '", name, "' holds ", value));
        column.push_back(static_cast<double>(value));
      }
      return column;
    }
    case tensorflow::DT_DOUBLE: {
      ASSIGN_OR_RETURN(auto values,
                       NumbersOf<double>(tensor, tensor.double_val(),
                                         rows.value_or(tensor.double_val_size()), name));
      for (double value : values) {
        if (!std::isfinite(value))
          return absl::InvalidArgumentError(StrCat("input '", name, "' holds ", value));
        column.push_back(value);
      }
      return column;
    }
    default:
      return absl::InvalidArgumentError(
          StrCat("input '", name, "' is ", DataTypeName(tensor.dtype()),
                 "; inputs are DT_STRING, DT_INT64, DT_INT32, DT_FLOAT or DT_DOUBLE"));
  }
}

// Serialized tf.Examples as PredictRequestReader's columnar body.
std::string ExamplesBody(const std::vector<std::string>& serialized) {
  Json examples = Json::array();
  for (const std::string& example : serialized)
    examples.push_back({{"b64", absl::Base64Escape(example)}});
  return Json{{"inputs", {{kExamplesInput, std::move(examples)}}}}.dump();
}

// The examples of a Classify/Regress/MultiInference input, each with the context's features it
// lacks, serialized.
absl::StatusOr<std::vector<std::string>> ExamplesOf(const tfs::Input& input) {
  std::vector<std::string> serialized;
  switch (input.kind_case()) {
    case tfs::Input::kExampleList:
      for (const tensorflow::Example& example : input.example_list().examples())
        serialized.push_back(example.SerializeAsString());
      break;
    case tfs::Input::kExampleListWithContext: {
      const auto& list = input.example_list_with_context();
      for (tensorflow::Example example : list.examples()) {
        auto& features = *example.mutable_features()->mutable_feature();
        for (const auto& [name, feature] : list.context().features().feature())
          features.insert({name, feature});  // The example's own value wins.
        serialized.push_back(example.SerializeAsString());
      }
      break;
    }
    default:
      return absl::InvalidArgumentError("the input has no examples");
  }
  if (serialized.empty()) return absl::InvalidArgumentError("the input has no examples");
  return serialized;
}

// Finishes a callback-API call with `status` at once: the work ran in the handler (a prediction
// takes microseconds; waiting for a batch blocks the handler's thread, as in REST).
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

void SetTensorShape(tensorflow::TensorProto& tensor, size_t rows, int width) {
  tensor.mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(rows));
  if (width > 1) tensor.mutable_tensor_shape()->add_dim()->set_size(width);
}

}  // namespace

class GrpcServer::Services {
 public:
  explicit Services(ModelServer& core) : core_(core), prediction_(*this), model_(*this) {}

  // A call: checks the model spec, picks the version, runs `work` on it and fills the response's
  // model spec; counted in the metrics.
  template <typename Response, typename Work>
  grpc::Status Serve(const tfs::ModelSpec& spec, Response& response, Work&& work) {
    const auto start = std::chrono::steady_clock::now();
    std::shared_ptr<ServedModel> model;  // Once found.
    grpc::Status status = [&]() -> grpc::Status {
      absl::StatusOr<std::shared_ptr<ServedModel>> found = core_.models().Find(spec.name());
      if (!found.ok()) return ToGrpc(found.status());
      model = *std::move(found);
      if (!spec.signature_name().empty() && spec.signature_name() != kSignatureName) {
        return InvalidArgument(StrCat("no signature '", spec.signature_name(), "' (the model has '",
                                      kSignatureName, "')"));
      }
      std::optional<int64_t> version;
      if (spec.version_choice_case() == tfs::ModelSpec::kVersion) version = spec.version().value();
      auto picked = model->Pick(version, spec.version_choice_case() == tfs::ModelSpec::kVersionLabel
                                             ? spec.version_label()
                                             : std::string());
      if (!picked.ok()) return ToGrpc(picked.status());
      const auto& [number, servable] = *picked;
      if (grpc::Status done = work(*model, *servable); !done.ok()) return done;
      tfs::ModelSpec* answered = response.mutable_model_spec();
      answered->set_name(model->name);
      answered->mutable_version()->set_value(number);
      answered->set_signature_name(kSignatureName);
      return grpc::Status::OK;
    }();
    if (model != nullptr) {
      model->metrics.RecordRequest(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          status.ok());
    }
    return status;
  }

  // Predictions for a PredictRequestReader body.
  absl::StatusOr<std::vector<float>> Predict(ServedModel& model, const Servable& servable,
                                             const std::string& body) {
    ASSIGN_OR_RETURN(PredictRequest request, servable.reader.Read(body));
    return PredictRows(servable.model, std::move(request.raw), core_.batcher(), model.metrics);
  }

  // Classifications (all classes with their probabilities) or regressions of `examples`.
  absl::Status Infer(ServedModel& model, const Servable& servable,
                     const std::vector<std::string>& examples, bool classify,
                     tfs::ClassificationResult* classified, tfs::RegressionResult* regressed) {
    const model::ModelSpec& spec = servable.model->spec();
    const bool regression = spec.config().task() == model::REGRESSION;
    if (classify == regression) {
      return absl::InvalidArgumentError(
          classify ? "this is a regression model: use Regress or Predict"
                   : "this is a classification model: use Classify or Predict");
    }
    ASSIGN_OR_RETURN(std::vector<float> predictions,
                     Predict(model, servable, ExamplesBody(examples)));
    const size_t width = static_cast<size_t>(model::OutputsPerRow(spec));
    for (size_t row = 0; row < examples.size(); ++row) {
      if (regressed != nullptr) {
        regressed->add_regressions()->set_value(predictions[row]);
        continue;
      }
      tfs::Classifications* classes = classified->add_classifications();
      const size_t count = width == 1 ? 2 : width;
      for (size_t k = 0; k < count; ++k) {
        tfs::Class* c = classes->add_classes();
        c->set_label(k < static_cast<size_t>(spec.class_names_size())
                         ? spec.class_names(static_cast<int>(k))
                         : std::to_string(k));
        c->set_score(width > 1 ? predictions[row * width + k]
                     : k == 0  ? 1.0f - predictions[row]
                               : predictions[row]);
      }
    }
    return absl::OkStatus();
  }

  // Classify or Regress (by the response's type): the input's examples through Infer.
  template <typename Response>
  grpc::Status InferCall(const tfs::ModelSpec& spec, const tfs::Input& input, Response& response) {
    absl::StatusOr<std::vector<std::string>> examples = ExamplesOf(input);
    if (!examples.ok()) return ToGrpc(examples.status());
    return Serve(spec, response, [&](ServedModel& model, const Servable& servable) {
      if constexpr (std::is_same_v<Response, tfs::ClassificationResponse>) {
        return ToGrpc(Infer(model, servable, *examples, true, response.mutable_result(), nullptr));
      } else {
        return ToGrpc(Infer(model, servable, *examples, false, nullptr, response.mutable_result()));
      }
    });
  }

  class Prediction final : public tfs::PredictionService::CallbackService {
   public:
    explicit Prediction(Services& s) : s_(s) {}

    grpc::ServerUnaryReactor* Predict(grpc::CallbackServerContext* context,
                                      const tfs::PredictRequest* request,
                                      tfs::PredictResponse* response) override {
      return Answer(context, s_.Serve(request->model_spec(), *response,
                                      [&](ServedModel& model, const Servable& servable) {
                                        return ToGrpc(s_.PredictTensors(model, servable, *request,
                                                                        *response));
                                      }));
    }

    grpc::ServerUnaryReactor* Classify(grpc::CallbackServerContext* context,
                                       const tfs::ClassificationRequest* request,
                                       tfs::ClassificationResponse* response) override {
      return Answer(context, s_.InferCall(request->model_spec(), request->input(), *response));
    }

    grpc::ServerUnaryReactor* Regress(grpc::CallbackServerContext* context,
                                      const tfs::RegressionRequest* request,
                                      tfs::RegressionResponse* response) override {
      return Answer(context, s_.InferCall(request->model_spec(), request->input(), *response));
    }

    grpc::ServerUnaryReactor* MultiInference(grpc::CallbackServerContext* context,
                                             const tfs::MultiInferenceRequest* request,
                                             tfs::MultiInferenceResponse* response) override {
      return Answer(context, [&]() -> grpc::Status {
        absl::StatusOr<std::vector<std::string>> examples = ExamplesOf(request->input());
        if (!examples.ok()) return ToGrpc(examples.status());
        if (request->tasks().empty()) return InvalidArgument("no tasks");
        for (const tfs::InferenceTask& task : request->tasks()) {
          tfs::InferenceResult* result = response->add_results();
          const bool classify = task.method_name() == "tensorflow/serving/classify";
          if (!classify && task.method_name() != "tensorflow/serving/regress") {
            return InvalidArgument(StrCat("method_name '", task.method_name(),
                                          "': tensorflow/serving/classify or "
                                          "tensorflow/serving/regress"));
          }
          grpc::Status status = s_.Serve(
              task.model_spec(), *result, [&](ServedModel& model, const Servable& servable) {
                return ToGrpc(s_.Infer(model, servable, *examples, classify,
                                       classify ? result->mutable_classification_result() : nullptr,
                                       classify ? nullptr : result->mutable_regression_result()));
              });
          if (!status.ok()) return status;
        }
        return grpc::Status::OK;
      }());
    }

    grpc::ServerUnaryReactor* GetModelMetadata(grpc::CallbackServerContext* context,
                                               const tfs::GetModelMetadataRequest* request,
                                               tfs::GetModelMetadataResponse* response) override {
      return Answer(context, [&]() -> grpc::Status {
        for (const std::string& field : request->metadata_field()) {
          if (field != "signature_def")
            return InvalidArgument(StrCat("metadata field '", field, "': only signature_def"));
        }
        if (request->metadata_field().empty())
          return InvalidArgument("name a metadata_field (signature_def)");
        return s_.Serve(
            request->model_spec(), *response, [&](ServedModel&, const Servable& servable) {
              tfs::SignatureDefMap signatures;
              (*signatures.mutable_signature_def())[kSignatureName] = SignatureOf(servable);
              (*response->mutable_metadata())["signature_def"].PackFrom(signatures);
              return grpc::Status::OK;
            });
      }());
    }

   private:
    static tensorflow::SignatureDef SignatureOf(const Servable& servable) {
      const model::ModelSpec& spec = servable.model->spec();
      tensorflow::SignatureDef signature;
      auto add = [](auto& tensors, const std::string& name, tensorflow::DataType type, int width) {
        tensorflow::TensorInfo& info = tensors[name];
        info.set_name(name);
        info.set_dtype(type);
        info.mutable_tensor_shape()->add_dim()->set_size(-1);
        if (width > 1) info.mutable_tensor_shape()->add_dim()->set_size(width);
      };
      for (const auto& input : spec.signature_inputs())
        add(*signature.mutable_inputs(), input.name(), DataTypeOf(input.type()), 1);
      for (const auto& input : spec.unread_inputs())
        add(*signature.mutable_inputs(), input.name(), DataTypeOf(input.type()), 1);
      const int width = model::OutputsPerRow(spec);
      for (const std::string& output : spec.outputs()) {
        add(*signature.mutable_outputs(), output,
            output == model::kClassesOutput ? tensorflow::DT_STRING : tensorflow::DT_FLOAT, width);
      }
      signature.set_method_name("tensorflow/serving/predict");
      return signature;
    }

    Services& s_;
  };

  class Model final : public tfs::ModelService::CallbackService {
   public:
    explicit Model(Services& s) : s_(s) {}

    grpc::ServerUnaryReactor* GetModelStatus(grpc::CallbackServerContext* context,
                                             const tfs::GetModelStatusRequest* request,
                                             tfs::GetModelStatusResponse* response) override {
      return Answer(context, [&]() -> grpc::Status {
        const tfs::ModelSpec& spec = request->model_spec();
        absl::StatusOr<std::shared_ptr<ServedModel>> model = s_.core_.models().Find(spec.name());
        if (!model.ok()) return ToGrpc(model.status());
        for (const VersionStatus& v : (*model)->versions->Statuses()) {
          if (spec.has_version() && v.number != spec.version().value()) continue;
          tfs::ModelVersionStatus* status = response->add_model_version_status();
          status->set_version(v.number);
          status->set_state(v.state == "AVAILABLE" ? tfs::ModelVersionStatus::AVAILABLE
                            : v.state == "LOADING" ? tfs::ModelVersionStatus::LOADING
                                                   : tfs::ModelVersionStatus::END);
          status->mutable_status()->set_error_code(v.error.empty() ? tensorflow::error::OK
                                                                   : tensorflow::error::UNKNOWN);
          status->mutable_status()->set_error_message(v.error);
        }
        if (response->model_version_status().empty()) {
          return grpc::Status(grpc::StatusCode::NOT_FOUND,
                              StrCat("no version ", spec.version().value(), " of ", spec.name()));
        }
        return grpc::Status::OK;
      }());
    }

    // As TF Serving: the call succeeds, and the response's status says whether the config took.
    grpc::ServerUnaryReactor* HandleReloadConfigRequest(
        grpc::CallbackServerContext* context, const tfs::ReloadConfigRequest* request,
        tfs::ReloadConfigResponse* response) override {
      return Answer(context, [&]() -> grpc::Status {
        const absl::Status reloaded = s_.core_.Reload(request->config());
        response->mutable_status()->set_error_code(
            static_cast<tensorflow::error::Code>(reloaded.code()));
        response->mutable_status()->set_error_message(std::string(reloaded.message()));
        return grpc::Status::OK;
      }());
    }

   private:
    Services& s_;
  };

  // Predict's inputs (named tensors, or serialized tf.Examples as "examples") to outputs.
  absl::Status PredictTensors(ServedModel& model, const Servable& servable,
                              const tfs::PredictRequest& request, tfs::PredictResponse& response) {
    const model::ModelSpec& spec = servable.model->spec();
    Json inputs = Json::object();
    for (const auto& [name, tensor] : request.inputs()) {
      ASSIGN_OR_RETURN(inputs[name], ColumnOf(name, tensor));
    }
    ASSIGN_OR_RETURN(std::vector<float> predictions,
                     Predict(model, servable, Json{{"inputs", std::move(inputs)}}.dump()));
    const int width = model::OutputsPerRow(spec);
    const size_t rows = predictions.size() / static_cast<size_t>(std::max(width, 1));
    std::set<std::string> wanted(request.output_filter().begin(), request.output_filter().end());
    for (const std::string& name : wanted) {
      if (std::find(spec.outputs().begin(), spec.outputs().end(), name) == spec.outputs().end())
        return absl::InvalidArgumentError(StrCat("output_filter names no output '", name, "'"));
    }
    for (const std::string& output : spec.outputs()) {
      if (!wanted.empty() && !wanted.contains(output)) continue;
      tensorflow::TensorProto& tensor = (*response.mutable_outputs())[output];
      SetTensorShape(tensor, rows, width);
      if (output == model::kClassesOutput) {
        tensor.set_dtype(tensorflow::DT_STRING);
        for (size_t row = 0; row < rows; ++row)
          for (const std::string& name : servable.classes) tensor.add_string_val(name);
      } else {
        tensor.set_dtype(tensorflow::DT_FLOAT);
        tensor.mutable_float_val()->Add(predictions.begin(), predictions.end());
      }
    }
    return absl::OkStatus();
  }

  ModelServer& core_;
  Prediction prediction_;
  Model model_;
};

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(ModelServer& core,
                                                              const GrpcServerOptions& options) {
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->services_ = std::make_unique<Services>(core);
  grpc::ServerBuilder builder;
  const std::string address =
      StrCat(options.address.find(':') != std::string::npos ? StrCat("[", options.address, "]")
                                                            : options.address,
             ":", options.port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &server->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  builder.RegisterService(&server->services_->prediction_);
  builder.RegisterService(&server->services_->model_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0)
    return absl::UnavailableError(StrCat("cannot listen for gRPC on ", address));
  return server;
}

GrpcServer::~GrpcServer() {
  if (server_ != nullptr)
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace weir::serving
