// The e2e tests' gRPC client (gRPC C++'s stubs for weir's copies of TF Serving's protos): sends a
// JSON list of instances, their values typed as the model's signature says, to `weir serve`'s
// gRPC port the three ways TF Serving clients do, and prints each way's class-1 probabilities:
//   "examples": Predict with the instances as serialized tf.Examples (TFX's signature);
//   "classify": Classify with them as an example_list;
//   "tensors":  Predict with one named tensor per feature, for the features every instance has
//               ("tensor_features" lists them: a tensor has a value in every row);
//   "multi":    MultiInference with one classify task.
// Also "signature_inputs" (GetModelMetadata), "status" (GetModelStatus: each version's number
// and state) and "regress_error" (Regress, which a classification model refuses: the code and
// message).
//   weir_test_grpc_client PORT MODEL < instances.json
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "weir/proto/example.pb.h"
#include "weir/serving/apis/model_service.grpc.pb.h"
#include "weir/serving/apis/prediction_service.grpc.pb.h"
#include "weir/serving/testing/json_tensors.h"

namespace {

namespace tfs = ::tensorflow::serving;
using Json = nlohmann::json;

tensorflow::Example ExampleOf(const Json& instance) {
  tensorflow::Example example;
  auto& features = *example.mutable_features()->mutable_feature();
  for (const auto& [name, value] : instance.items()) {
    if (value.is_string()) {
      features[name].mutable_bytes_list()->add_value(value.get<std::string>());
    } else if (value.is_number_integer()) {
      features[name].mutable_int64_list()->add_value(value.get<int64_t>());
    } else {
      features[name].mutable_float_list()->add_value(value.get<float>());
    }
  }
  return example;
}

void Check(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return;
  std::cerr << what << ": " << status.error_code() << " " << status.error_message() << "\n";
  std::exit(1);
}

// Class 1's probabilities from a Predict response (one per row for a binary model).
Json Probabilities(const tfs::PredictResponse& response) {
  const auto found = response.outputs().find("probabilities");
  if (found == response.outputs().end()) {
    std::cerr << "the response has no 'probabilities' output\n";
    std::exit(1);
  }
  return Json(
      std::vector<float>(found->second.float_val().begin(), found->second.float_val().end()));
}

// Class "1"'s score per example.
Json ClassOne(const tfs::ClassificationResult& result) {
  Json scores = Json::array();
  for (const tfs::Classifications& row : result.classifications()) {
    for (const tfs::Class& c : row.classes()) {
      if (c.label() == "1") scores.push_back(c.score());
    }
  }
  return scores;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: weir_test_grpc_client PORT MODEL < instances.json\n";
    return 2;
  }
  const std::string model = argv[2];
  const Json instances = Json::parse(std::cin);
  auto channel =
      grpc::CreateChannel(std::string("127.0.0.1:") + argv[1], grpc::InsecureChannelCredentials());
  auto stub = tfs::PredictionService::NewStub(channel);
  auto context = [] {
    auto made = std::make_unique<grpc::ClientContext>();
    made->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return made;
  };
  Json out;

  tfs::GetModelMetadataRequest metadata_request;
  metadata_request.mutable_model_spec()->set_name(model);
  metadata_request.add_metadata_field("signature_def");
  tfs::GetModelMetadataResponse metadata;
  Check(stub->GetModelMetadata(context().get(), metadata_request, &metadata), "GetModelMetadata");
  tfs::SignatureDefMap signatures;
  metadata.metadata().at("signature_def").UnpackTo(&signatures);
  out["signature_inputs"] = Json::array();
  for (const auto& [name, info] : signatures.signature_def().at("serving_default").inputs())
    out["signature_inputs"].push_back(name);

  tfs::PredictRequest by_examples;
  by_examples.mutable_model_spec()->set_name(model);
  tensorflow::TensorProto& serialized = (*by_examples.mutable_inputs())["examples"];
  serialized.set_dtype(tensorflow::DT_STRING);
  serialized.mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(instances.size()));
  tfs::ClassificationRequest classify;
  classify.mutable_model_spec()->set_name(model);
  for (const Json& instance : instances) {
    const tensorflow::Example example = ExampleOf(instance);
    serialized.add_string_val(example.SerializeAsString());
    *classify.mutable_input()->mutable_example_list()->add_examples() = example;
  }
  tfs::PredictResponse predicted;
  Check(stub->Predict(context().get(), by_examples, &predicted), "Predict (examples)");
  out["examples"] = Probabilities(predicted);

  tfs::ClassificationResponse classified;
  Check(stub->Classify(context().get(), classify, &classified), "Classify");
  out["classify"] = ClassOne(classified.result());

  tfs::MultiInferenceRequest multi;
  *multi.mutable_input() = classify.input();
  tfs::InferenceTask* task = multi.add_tasks();
  task->mutable_model_spec()->set_name(model);
  task->set_method_name("tensorflow/serving/classify");
  tfs::MultiInferenceResponse inferred;
  Check(stub->MultiInference(context().get(), multi, &inferred), "MultiInference");
  out["multi"] = ClassOne(inferred.results(0).classification_result());

  tfs::RegressionRequest regress;
  regress.mutable_model_spec()->set_name(model);
  *regress.mutable_input() = classify.input();
  tfs::RegressionResponse regressed;
  const grpc::Status refused = stub->Regress(context().get(), regress, &regressed);
  out["regress_error"] = {static_cast<int>(refused.error_code()), refused.error_message()};

  auto models = tfs::ModelService::NewStub(channel);
  tfs::GetModelStatusRequest status_request;
  status_request.mutable_model_spec()->set_name(model);
  tfs::GetModelStatusResponse status;
  Check(models->GetModelStatus(context().get(), status_request, &status), "GetModelStatus");
  out["status"] = Json::array();
  for (const tfs::ModelVersionStatus& version : status.model_version_status()) {
    out["status"].push_back(
        {version.version(), tfs::ModelVersionStatus::State_Name(version.state())});
  }

  std::set<std::string> everywhere;
  for (const auto& [name, value] : instances.at(0).items()) everywhere.insert(name);
  for (const Json& instance : instances) {
    std::erase_if(everywhere, [&](const std::string& name) { return !instance.contains(name); });
  }
  tfs::PredictRequest by_tensors;
  by_tensors.mutable_model_spec()->set_name(model);
  weir::serving::testing::AddNamedTensors(instances, everywhere, by_tensors);
  Check(stub->Predict(context().get(), by_tensors, &predicted), "Predict (tensors)");
  out["tensors"] = Probabilities(predicted);
  out["tensor_features"] = everywhere;
  std::cout << out.dump() << "\n";
  return 0;
}
