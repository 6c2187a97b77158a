#include "weir/serving/grpc_service.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>
#include <type_traits>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"
#include "weir/serving/apis/classification.pb.h"
#include "weir/serving/apis/get_model_metadata.pb.h"
#include "weir/serving/apis/get_model_status.pb.h"
#include "weir/serving/apis/inference.pb.h"
#include "weir/serving/apis/model_management.pb.h"
#include "weir/serving/apis/predict.pb.h"
#include "weir/serving/apis/regression.pb.h"
#include "weir/serving/servable.h"

namespace weir::serving {
namespace {

namespace tfs = ::tensorflow::serving;

// The signature's name: TFX models have one.
constexpr char kSignatureName[] = "serving_default";
// TFX's serving signature takes serialized tf.Examples under this input name.
constexpr char kExamplesInput[] = "examples";

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

// One value given for a shape of N rows fills all N; N is the client's word, so it is bounded
// (the values themselves are bounded by the message size).
constexpr size_t kMaxFilledRows = size_t{1} << 20;

absl::Status CheckFill(const std::string& name, size_t rows) {
  if (rows <= kMaxFilledRows) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat("input '", name, "' gives one value for ", rows,
                                           " rows; one value fills at most ", kMaxFilledRows,
                                           " rows (send a value per row)"));
}

// `count` values of a numeric tensor, from its typed field or its tensor_content (native byte
// order, as TensorFlow writes it), as the type TypedColumn holds them.
template <typename Wire, typename Out, typename Field>
absl::StatusOr<std::vector<Out>> NumbersOf(const tensorflow::TensorProto& tensor,
                                           const Field& field, size_t count,
                                           const std::string& name) {
  std::vector<Out> values;
  if (!tensor.tensor_content().empty()) {
    const std::string& content = tensor.tensor_content();
    // Compared by division: count comes from the client and count * size could overflow.
    if (content.size() % sizeof(Wire) != 0 || content.size() / sizeof(Wire) != count) {
      return absl::InvalidArgumentError(
          StrCat("input '", name, "': tensor_content has ", content.size(), " bytes; ", count,
                 " values of ", DataTypeName(tensor.dtype()), " take ", count * sizeof(Wire)));
    }
    values.resize(count);
    for (size_t i = 0; i < count; ++i) {
      Wire value;
      std::memcpy(&value, content.data() + i * sizeof(Wire), sizeof(Wire));
      values[i] = static_cast<Out>(value);
    }
    return values;
  }
  if (field.size() == 1) {
    RETURN_IF_ERROR(CheckFill(name, count));
    return std::vector<Out>(count, static_cast<Out>(field[0]));
  }
  if (static_cast<size_t>(field.size()) != count) {
    return absl::InvalidArgumentError(
        StrCat("input '", name, "' has ", field.size(), " values for its shape's ", count));
  }
  values.assign(field.begin(), field.end());
  return values;
}

// One input tensor as a column of one value per row. Shapes [N] and [N, 1]; without a shape, one
// value per row. Its strings are viewed in `tensor`.
absl::StatusOr<TypedColumn> ColumnOf(const std::string& name,
                                     const tensorflow::TensorProto& tensor) {
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
  TypedColumn column{.name = name};
  switch (tensor.dtype()) {
    case tensorflow::DT_STRING: {
      const size_t count = rows.value_or(tensor.string_val_size());
      if (tensor.string_val_size() != 1 && static_cast<size_t>(tensor.string_val_size()) != count) {
        return absl::InvalidArgumentError(StrCat("input '", name, "' has ",
                                                 tensor.string_val_size(),
                                                 " values for its shape's ", count));
      }
      if (tensor.string_val_size() == 1) RETURN_IF_ERROR(CheckFill(name, count));
      std::vector<std::string_view> values(count);
      for (size_t row = 0; row < count; ++row)
        values[row] = tensor.string_val(tensor.string_val_size() == 1 ? 0 : static_cast<int>(row));
      column.values = std::move(values);
      return column;
    }
    case tensorflow::DT_INT64: {
      ASSIGN_OR_RETURN(column.values,
                       (NumbersOf<int64_t, int64_t>(tensor, tensor.int64_val(),
                                                    rows.value_or(tensor.int64_val_size()), name)));
      return column;
    }
    case tensorflow::DT_INT32: {
      ASSIGN_OR_RETURN(column.values,
                       (NumbersOf<int32_t, int64_t>(tensor, tensor.int_val(),
                                                    rows.value_or(tensor.int_val_size()), name)));
      return column;
    }
    case tensorflow::DT_FLOAT: {
      ASSIGN_OR_RETURN(column.values,
                       (NumbersOf<float, double>(tensor, tensor.float_val(),
                                                 rows.value_or(tensor.float_val_size()), name)));
      return column;
    }
    case tensorflow::DT_DOUBLE: {
      ASSIGN_OR_RETURN(column.values,
                       (NumbersOf<double, double>(tensor, tensor.double_val(),
                                                  rows.value_or(tensor.double_val_size()), name)));
      return column;
    }
    default:
      return absl::InvalidArgumentError(
          StrCat("input '", name, "' is ", DataTypeName(tensor.dtype()),
                 "; inputs are DT_STRING, DT_INT64, DT_INT32, DT_FLOAT or DT_DOUBLE"));
  }
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

void SetTensorShape(tensorflow::TensorProto& tensor, size_t rows, int width) {
  tensor.mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(rows));
  if (width > 1) tensor.mutable_tensor_shape()->add_dim()->set_size(width);
}

// A unary method over `call(request, response)`: the messages' bytes in and out. The messages
// live in an arena that starts on the stack: a request's dozen tensors cost no malloc each.
template <typename Request, typename Response, typename Call>
GrpcMethod Unary(Call call) {
  return [call = std::move(call)](std::string_view bytes) -> absl::StatusOr<std::string> {
    alignas(std::max_align_t) char first_block[16 << 10];
    google::protobuf::ArenaOptions options;
    options.initial_block = first_block;
    options.initial_block_size = sizeof(first_block);
    google::protobuf::Arena arena(options);
    auto* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
    if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::InvalidArgumentError(
          StrCat("the request is not a ", Request::descriptor()->full_name()));
    }
    auto* response = google::protobuf::Arena::CreateMessage<Response>(&arena);
    RETURN_IF_ERROR(call(*request, *response));
    return response->SerializeAsString();
  };
}

tensorflow::SignatureDef SignatureOf(const Servable& servable) {
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

class Services {
 public:
  explicit Services(ModelServer& core) : core_(core) {}

  // The methods, by their paths; each holds `services`.
  static absl::flat_hash_map<std::string, GrpcMethod> Methods(
      const std::shared_ptr<Services>& services) {
    constexpr std::string_view kPrediction = "/tensorflow.serving.PredictionService/";
    constexpr std::string_view kModel = "/tensorflow.serving.ModelService/";
    absl::flat_hash_map<std::string, GrpcMethod> methods;
    methods[StrCat(kPrediction, "Predict")] = Unary<tfs::PredictRequest, tfs::PredictResponse>(
        [services](const auto& request, auto& response) {
          return services->Predict(request, response);
        });
    methods[StrCat(kPrediction, "Classify")] =
        Unary<tfs::ClassificationRequest, tfs::ClassificationResponse>(
            [services](const auto& request, auto& response) {
              return services->InferCall(request.model_spec(), request.input(), response);
            });
    methods[StrCat(kPrediction, "Regress")] =
        Unary<tfs::RegressionRequest, tfs::RegressionResponse>(
            [services](const auto& request, auto& response) {
              return services->InferCall(request.model_spec(), request.input(), response);
            });
    methods[StrCat(kPrediction, "MultiInference")] =
        Unary<tfs::MultiInferenceRequest, tfs::MultiInferenceResponse>(
            [services](const auto& request, auto& response) {
              return services->MultiInference(request, response);
            });
    methods[StrCat(kPrediction, "GetModelMetadata")] =
        Unary<tfs::GetModelMetadataRequest, tfs::GetModelMetadataResponse>(
            [services](const auto& request, auto& response) {
              return services->GetModelMetadata(request, response);
            });
    methods[StrCat(kModel, "GetModelStatus")] =
        Unary<tfs::GetModelStatusRequest, tfs::GetModelStatusResponse>(
            [services](const auto& request, auto& response) {
              return services->GetModelStatus(request, response);
            });
    methods[StrCat(kModel, "HandleReloadConfigRequest")] =
        Unary<tfs::ReloadConfigRequest, tfs::ReloadConfigResponse>(
            [services](const auto& request, auto& response) {
              return services->HandleReloadConfigRequest(request, response);
            });
    return methods;
  }

 private:
  // A call: checks the model spec, picks the version, runs `work` on it and fills the response's
  // model spec; counted in the metrics.
  template <typename Response, typename Work>
  absl::Status Serve(const tfs::ModelSpec& spec, Response& response, Work&& work) {
    const auto start = std::chrono::steady_clock::now();
    std::shared_ptr<ServedModel> model;  // Once found.
    absl::Status status = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(model, core_.models().Find(spec.name()));
      if (!spec.signature_name().empty() && spec.signature_name() != kSignatureName) {
        return absl::InvalidArgumentError(StrCat("no signature '", spec.signature_name(),
                                                 "' (the model has '", kSignatureName, "')"));
      }
      std::optional<int64_t> version;
      if (spec.version_choice_case() == tfs::ModelSpec::kVersion) version = spec.version().value();
      ASSIGN_OR_RETURN(auto picked, model->Pick(version, spec.version_choice_case() ==
                                                                 tfs::ModelSpec::kVersionLabel
                                                             ? spec.version_label()
                                                             : std::string()));
      const auto& [number, servable] = picked;
      RETURN_IF_ERROR(work(*model, *servable));
      tfs::ModelSpec* answered = response.mutable_model_spec();
      answered->set_name(model->name);
      answered->mutable_version()->set_value(number);
      answered->set_signature_name(kSignatureName);
      return absl::OkStatus();
    }();
    if (model != nullptr) {
      model->metrics.RecordRequest(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          status.ok());
    }
    return status;
  }

  // Predictions for the rows of `columns`.
  absl::StatusOr<std::vector<float>> Predict(ServedModel& model, const Servable& servable,
                                             std::span<const TypedColumn> columns) {
    ASSIGN_OR_RETURN(PredictRequest request, servable.reader.Read(columns));
    return PredictRows(model, servable, std::move(request), core_.batcher());
  }

  absl::Status Predict(const tfs::PredictRequest& request, tfs::PredictResponse& response) {
    return Serve(request.model_spec(), response, [&](ServedModel& model, const Servable& servable) {
      return PredictTensors(model, servable, request, response);
    });
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
    std::vector<std::string_view> serialized(examples.begin(), examples.end());
    const TypedColumn column{.name = kExamplesInput, .values = std::move(serialized)};
    ASSIGN_OR_RETURN(std::vector<float> predictions,
                     Predict(model, servable, std::span<const TypedColumn>(&column, 1)));
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
  absl::Status InferCall(const tfs::ModelSpec& spec, const tfs::Input& input, Response& response) {
    ASSIGN_OR_RETURN(std::vector<std::string> examples, ExamplesOf(input));
    return Serve(spec, response, [&](ServedModel& model, const Servable& servable) {
      if constexpr (std::is_same_v<Response, tfs::ClassificationResponse>) {
        return Infer(model, servable, examples, true, response.mutable_result(), nullptr);
      } else {
        return Infer(model, servable, examples, false, nullptr, response.mutable_result());
      }
    });
  }

  absl::Status MultiInference(const tfs::MultiInferenceRequest& request,
                              tfs::MultiInferenceResponse& response) {
    ASSIGN_OR_RETURN(std::vector<std::string> examples, ExamplesOf(request.input()));
    if (request.tasks().empty()) return absl::InvalidArgumentError("no tasks");
    for (const tfs::InferenceTask& task : request.tasks()) {
      tfs::InferenceResult* result = response.add_results();
      const bool classify = task.method_name() == "tensorflow/serving/classify";
      if (!classify && task.method_name() != "tensorflow/serving/regress") {
        return absl::InvalidArgumentError(StrCat("method_name '", task.method_name(),
                                                 "': tensorflow/serving/classify or "
                                                 "tensorflow/serving/regress"));
      }
      RETURN_IF_ERROR(
          Serve(task.model_spec(), *result, [&](ServedModel& model, const Servable& servable) {
            return Infer(model, servable, examples, classify,
                         classify ? result->mutable_classification_result() : nullptr,
                         classify ? nullptr : result->mutable_regression_result());
          }));
    }
    return absl::OkStatus();
  }

  absl::Status GetModelMetadata(const tfs::GetModelMetadataRequest& request,
                                tfs::GetModelMetadataResponse& response) {
    for (const std::string& field : request.metadata_field()) {
      if (field != "signature_def") {
        return absl::InvalidArgumentError(
            StrCat("metadata field '", field, "': only signature_def"));
      }
    }
    if (request.metadata_field().empty())
      return absl::InvalidArgumentError("name a metadata_field (signature_def)");
    return Serve(request.model_spec(), response, [&](ServedModel&, const Servable& servable) {
      tfs::SignatureDefMap signatures;
      (*signatures.mutable_signature_def())[kSignatureName] = SignatureOf(servable);
      (*response.mutable_metadata())["signature_def"].PackFrom(signatures);
      return absl::OkStatus();
    });
  }

  absl::Status GetModelStatus(const tfs::GetModelStatusRequest& request,
                              tfs::GetModelStatusResponse& response) {
    const tfs::ModelSpec& spec = request.model_spec();
    ASSIGN_OR_RETURN(std::shared_ptr<ServedModel> model, core_.models().Find(spec.name()));
    for (const VersionStatus& v : model->versions->Statuses()) {
      if (spec.has_version() && v.number != spec.version().value()) continue;
      tfs::ModelVersionStatus* status = response.add_model_version_status();
      status->set_version(v.number);
      status->set_state(v.state == "AVAILABLE" ? tfs::ModelVersionStatus::AVAILABLE
                        : v.state == "LOADING" ? tfs::ModelVersionStatus::LOADING
                                               : tfs::ModelVersionStatus::END);
      status->mutable_status()->set_error_code(v.error.empty() ? tensorflow::error::OK
                                                               : tensorflow::error::UNKNOWN);
      status->mutable_status()->set_error_message(v.error);
    }
    if (response.model_version_status().empty())
      return absl::NotFoundError(
          StrCat("no version ", spec.version().value(), " of ", spec.name()));
    return absl::OkStatus();
  }

  // As TF Serving: the call succeeds, and the response's status says whether the config took.
  absl::Status HandleReloadConfigRequest(const tfs::ReloadConfigRequest& request,
                                         tfs::ReloadConfigResponse& response) {
    const absl::Status reloaded = core_.Reload(request.config());
    response.mutable_status()->set_error_code(
        static_cast<tensorflow::error::Code>(reloaded.code()));
    response.mutable_status()->set_error_message(std::string(reloaded.message()));
    return absl::OkStatus();
  }

  // Predict's inputs (named tensors, or serialized tf.Examples as "examples") to outputs.
  absl::Status PredictTensors(ServedModel& model, const Servable& servable,
                              const tfs::PredictRequest& request, tfs::PredictResponse& response) {
    const model::ModelSpec& spec = servable.model->spec();
    std::vector<TypedColumn> columns;
    columns.reserve(request.inputs().size());
    for (const auto& [name, tensor] : request.inputs()) {
      ASSIGN_OR_RETURN(columns.emplace_back(), ColumnOf(name, tensor));
    }
    ASSIGN_OR_RETURN(std::vector<float> predictions, Predict(model, servable, columns));
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
};

}  // namespace

absl::flat_hash_map<std::string, GrpcMethod> TensorFlowServingMethods(ModelServer& core) {
  return Services::Methods(std::make_shared<Services>(core));
}

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(ModelServer& core,
                                                              const GrpcServerOptions& options) {
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  ASSIGN_OR_RETURN(server->transport_,
                   GrpcTransport::Start({.address = options.address,
                                         .port = options.port,
                                         .threads = options.threads,
                                         .calls_wait = core.batcher() != nullptr,
                                         .max_message_bytes = options.max_message_bytes},
                                        TensorFlowServingMethods(core)));
  return server;
}

GrpcServer::~GrpcServer() = default;

uint16_t GrpcServer::port() const { return transport_->port(); }

}  // namespace weir::serving
