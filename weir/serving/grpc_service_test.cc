#include "weir/serving/grpc_service.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "weir/base/test_dirs.h"
#include "weir/serving/apis/model_service.grpc.pb.h"
#include "weir/serving/apis/prediction_service.grpc.pb.h"
#include "weir/serving/testing/test_model.h"

namespace weir::serving {
namespace {
namespace fs = std::filesystem;
namespace tfs = ::tensorflow::serving;
using Json = nlohmann::json;
using ::testing::HasSubstr;

// A row of the test data with every feature present.
struct Row {
  float fare;
  std::string company;
  int64_t hour;
};

// The test model (serving/testing/test_model.h) served over REST (Handle) and gRPC, and a
// regression model beside it.
class GrpcServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(base::FreshTestDir("grpc_service_test"));
    ASSERT_TRUE(serving::testing::WriteTestModel(*root_ / "tips_big/1", 30).ok());
    ASSERT_TRUE(serving::testing::WriteTestModel(*root_ / "tips/1", 10, model::REGRESSION).ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }

  void SetUp() override {
    for (const char* name : {"tips_big", "tips"}) {
      servers_.push_back(Serve(name, *root_ / name));
      ASSERT_NE(servers_.back().prediction, nullptr);
    }
    const data::RecordBatch batch = serving::testing::TestRows(60, /*seed=*/2);
    const data::Column* fare = batch.FindColumn("fare");
    const data::Column* company = batch.FindColumn("company");
    const data::Column* hour = batch.FindColumn("trip_start_hour");
    for (size_t row = 0; row < batch.num_rows() && rows_.size() < 20; ++row) {
      if (fare->value_count(row) != 1 || company->value_count(row) != 1 ||
          hour->value_count(row) != 1)
        continue;
      rows_.push_back({fare->float_values()[fare->value_begin(row)],
                       std::string(company->bytes_value(company->value_begin(row))),
                       hour->int64_values()[hour->value_begin(row)]});
    }
  }

  static std::string StrCat(const std::string& a, int b) { return a + std::to_string(b); }

  // REST :predict's numbers for the rows, with every hour `hour` when given.
  std::vector<float> RestPredictions(size_t server, std::optional<int64_t> hour = {}) {
    Json instances = Json::array();
    for (const Row& row : rows_) {
      instances.push_back({{"fare", row.fare},
                           {"company", row.company},
                           {"trip_start_hour", hour.value_or(row.hour)}});
    }
    const std::string name = server == 0 ? "tips_big" : "tips";
    HttpResponse response = servers_[server].core->Handle("POST", "/v1/models/" + name + ":predict",
                                                          Json{{"instances", instances}}.dump());
    EXPECT_EQ(response.status, 200) << response.body;
    return Json::parse(response.body)["predictions"].get<std::vector<float>>();
  }

  tensorflow::Example ExampleOf(const Row& row, bool with_hour) {
    tensorflow::Example example;
    auto& features = *example.mutable_features()->mutable_feature();
    features["fare"].mutable_float_list()->add_value(row.fare);
    features["company"].mutable_bytes_list()->add_value(row.company);
    if (with_hour) features["trip_start_hour"].mutable_int64_list()->add_value(row.hour);
    return example;
  }

  tfs::PredictRequest NamedTensors(const std::string& model) {
    tfs::PredictRequest request;
    request.mutable_model_spec()->set_name(model);
    auto& inputs = *request.mutable_inputs();
    inputs["fare"].set_dtype(tensorflow::DT_FLOAT);
    inputs["company"].set_dtype(tensorflow::DT_STRING);
    inputs["trip_start_hour"].set_dtype(tensorflow::DT_INT64);
    for (auto* input : {&inputs["fare"], &inputs["company"], &inputs["trip_start_hour"]})
      input->mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(rows_.size()));
    for (const Row& row : rows_) {
      inputs["fare"].add_float_val(row.fare);
      inputs["company"].add_string_val(row.company);
      inputs["trip_start_hour"].add_int64_val(row.hour);
    }
    return request;
  }

  struct Served {
    std::unique_ptr<ModelServer> core;
    std::unique_ptr<GrpcServer> grpc;
    std::unique_ptr<tfs::PredictionService::Stub> prediction;
    std::unique_ptr<tfs::ModelService::Stub> model;
  };

  // Model `name` from `base` (polled only when a test calls Poll) over gRPC, with a client; the
  // stubs are null when it did not start.
  static Served Serve(const std::string& name, const fs::path& base) {
    auto core =
        ModelServer::Start({.model_name = name, .model_base_path = base, .poll_seconds = 3600});
    EXPECT_TRUE(core.ok()) << core.status();
    if (!core.ok()) return {};
    auto grpc = GrpcServer::Start(**core, {.port = 0});
    EXPECT_TRUE(grpc.ok()) << grpc.status();
    if (!grpc.ok()) return {};
    auto channel = grpc::CreateChannel(StrCat("127.0.0.1:", (*grpc)->port()),
                                       grpc::InsecureChannelCredentials());
    return {std::move(*core), std::move(*grpc), tfs::PredictionService::NewStub(channel),
            tfs::ModelService::NewStub(channel)};
  }
  std::vector<Served> servers_;
  std::vector<Row> rows_;
  static fs::path* root_;
};
fs::path* GrpcServiceTest::root_ = nullptr;

TEST_F(GrpcServiceTest, PredictTakesTensorsInEveryFormAndGivesRestsNumbers) {
  const std::vector<float> expected = RestPredictions(0);
  ASSERT_EQ(expected.size(), 20u);
  auto predict = [&](const tfs::PredictRequest& request) {
    grpc::ClientContext context;
    tfs::PredictResponse response;
    grpc::Status status = servers_[0].prediction->Predict(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.model_spec().version().value(), 1);
    const tensorflow::TensorProto& out = response.outputs().at("probabilities");
    EXPECT_EQ(out.dtype(), tensorflow::DT_FLOAT);
    return std::vector<float>(out.float_val().begin(), out.float_val().end());
  };
  tfs::PredictRequest request = NamedTensors("tips_big");
  EXPECT_EQ(predict(request), expected);

  // Shape [N, 1], tensor_content, and the other numeric dtypes.
  auto& inputs = *request.mutable_inputs();
  tensorflow::TensorProto& fare = inputs["fare"];
  std::string content(reinterpret_cast<const char*>(fare.float_val().data()),
                      fare.float_val_size() * sizeof(float));
  fare.clear_float_val();
  fare.set_tensor_content(content);
  fare.mutable_tensor_shape()->add_dim()->set_size(1);
  tensorflow::TensorProto& hour = inputs["trip_start_hour"];
  hour.set_dtype(tensorflow::DT_INT32);
  for (int64_t value : hour.int64_val()) hour.add_int_val(static_cast<int32_t>(value));
  hour.clear_int64_val();
  EXPECT_EQ(predict(request), expected);
  fare.clear_tensor_content();
  fare.set_dtype(tensorflow::DT_DOUBLE);
  for (const Row& row : rows_) fare.add_double_val(row.fare);
  EXPECT_EQ(predict(request), expected);

  // TFX's signature: serialized tf.Examples under "examples".
  tfs::PredictRequest examples;
  examples.mutable_model_spec()->set_name("tips_big");
  tensorflow::TensorProto& serialized = (*examples.mutable_inputs())["examples"];
  serialized.set_dtype(tensorflow::DT_STRING);
  for (const Row& row : rows_) serialized.add_string_val(ExampleOf(row, true).SerializeAsString());
  EXPECT_EQ(predict(examples), expected);
}

TEST_F(GrpcServiceTest, ClassifyRegressAndMultiInferenceOverExamples) {
  // The hour comes from the context: the same numbers as REST with that hour.
  const std::vector<float> at_22 = RestPredictions(0, 22);
  tfs::ClassificationRequest classify;
  classify.mutable_model_spec()->set_name("tips_big");
  auto* list = classify.mutable_input()->mutable_example_list_with_context();
  (*list->mutable_context()->mutable_features()->mutable_feature())["trip_start_hour"]
      .mutable_int64_list()
      ->add_value(22);
  for (const Row& row : rows_) *list->add_examples() = ExampleOf(row, false);
  {
    grpc::ClientContext context;
    tfs::ClassificationResponse response;
    grpc::Status status = servers_[0].prediction->Classify(&context, classify, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.result().classifications_size(), 20);
    for (int i = 0; i < 20; ++i) {
      const tfs::Classifications& classes = response.result().classifications(i);
      ASSERT_EQ(classes.classes_size(), 2);
      EXPECT_EQ(classes.classes(1).label(), "1");
      EXPECT_EQ(classes.classes(1).score(), at_22[i]);
      EXPECT_EQ(classes.classes(0).score(), 1.0f - at_22[i]);
    }
  }
  {
    tfs::MultiInferenceRequest multi;
    *multi.mutable_input() = classify.input();
    tfs::InferenceTask* task = multi.add_tasks();
    task->mutable_model_spec()->set_name("tips_big");
    task->set_method_name("tensorflow/serving/classify");
    grpc::ClientContext context;
    tfs::MultiInferenceResponse response;
    grpc::Status status = servers_[0].prediction->MultiInference(&context, multi, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).classification_result().classifications(3).classes(1).score(),
              at_22[3]);
  }
  // Regress: a classifier refuses; the regression model gives REST's numbers.
  tfs::RegressionRequest regress;
  regress.mutable_model_spec()->set_name("tips_big");
  for (const Row& row : rows_)
    *regress.mutable_input()->mutable_example_list()->add_examples() = ExampleOf(row, true);
  {
    grpc::ClientContext context;
    tfs::RegressionResponse response;
    grpc::Status status = servers_[0].prediction->Regress(&context, regress, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("classification model"));
  }
  regress.mutable_model_spec()->set_name("tips");
  grpc::ClientContext context;
  tfs::RegressionResponse response;
  grpc::Status status = servers_[1].prediction->Regress(&context, regress, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<float> expected = RestPredictions(1);
  ASSERT_EQ(response.result().regressions_size(), 20);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(response.result().regressions(i).value(), expected[i]);
}

TEST_F(GrpcServiceTest, MetadataAndStatus) {
  tfs::GetModelMetadataRequest request;
  request.mutable_model_spec()->set_name("tips_big");
  request.add_metadata_field("signature_def");
  grpc::ClientContext context;
  tfs::GetModelMetadataResponse response;
  grpc::Status status = servers_[0].prediction->GetModelMetadata(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  tfs::SignatureDefMap signatures;
  ASSERT_TRUE(response.metadata().at("signature_def").UnpackTo(&signatures));
  const tensorflow::SignatureDef& signature = signatures.signature_def().at("serving_default");
  EXPECT_EQ(signature.inputs().at("fare").dtype(), tensorflow::DT_FLOAT);
  EXPECT_EQ(signature.inputs().at("company").dtype(), tensorflow::DT_STRING);
  EXPECT_EQ(signature.inputs().at("trip_start_hour").dtype(), tensorflow::DT_INT64);
  EXPECT_TRUE(signature.inputs().contains("payment_type"));  // Accepted, not read.
  EXPECT_FALSE(signature.inputs().contains("tips"));         // The label's column: never.
  EXPECT_EQ(signature.outputs().at("probabilities").dtype(), tensorflow::DT_FLOAT);

  tfs::GetModelStatusRequest status_request;
  status_request.mutable_model_spec()->set_name("tips_big");
  grpc::ClientContext status_context;
  tfs::GetModelStatusResponse versions;
  status = servers_[0].model->GetModelStatus(&status_context, status_request, &versions);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(versions.model_version_status_size(), 1);
  EXPECT_EQ(versions.model_version_status(0).version(), 1);
  EXPECT_EQ(versions.model_version_status(0).state(), tfs::ModelVersionStatus::AVAILABLE);
  EXPECT_EQ(versions.model_version_status(0).status().error_code(), tensorflow::error::OK);
}

// New versions swap in while gRPC clients keep calling: no call fails, and calls move to the new
// version.
TEST_F(GrpcServiceTest, NewVersionsSwapInUnderLoadWithoutAFailedCall) {
  const fs::path base = *root_ / "swap";
  fs::create_directories(base);
  fs::copy(*root_ / "tips_big/1", base / "1", fs::copy_options::recursive);
  Served served = Serve("tips_big", base);
  ASSERT_NE(served.prediction, nullptr);
  auto& core = served.core;
  auto& stub = served.prediction;
  const tfs::PredictRequest request = NamedTensors("tips_big");
  std::atomic<int> failed = 0, calls = 0;
  std::atomic<int64_t> last_version = 0;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 150; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        tfs::PredictResponse response;
        if (!stub->Predict(&context, request, &response).ok()) ++failed;
        last_version = response.model_spec().version().value();
        ++calls;
      }
    });
  }
  for (int version : {2, 3}) {
    while (calls < 100 * (version - 1)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    fs::copy(*root_ / "tips_big/1", base / std::to_string(version), fs::copy_options::recursive);
    core->Poll();
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(calls, 600);
  EXPECT_EQ(last_version, 3);
}

// As TF Serving: a server started before the model's first version answers UNAVAILABLE until a
// version loads.
TEST_F(GrpcServiceTest, UnavailableUntilAVersionLoads) {
  const fs::path base = *root_ / "later";
  fs::create_directories(base);
  Served served = Serve("tips_big", base);
  ASSERT_NE(served.prediction, nullptr);
  auto& core = served.core;
  auto& stub = served.prediction;
  auto call = [&] {
    grpc::ClientContext context;
    tfs::PredictResponse response;
    return stub->Predict(&context, NamedTensors("tips_big"), &response);
  };
  grpc::Status before = call();
  EXPECT_EQ(before.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(before.error_message(), HasSubstr("no version of tips_big is available"));
  EXPECT_EQ(core->Handle("POST", "/v1/models/tips_big:predict", "{\"instances\": []}").status, 503);
  fs::copy(*root_ / "tips_big/1", base / "1", fs::copy_options::recursive);
  core->Poll();
  grpc::Status after = call();
  EXPECT_TRUE(after.ok()) << after.error_message();

  // Versions that are there and all fail to load stop the start, naming them.
  const fs::path broken = *root_ / "broken";
  fs::create_directories(broken / "4");
  auto refused = ModelServer::Start({.model_name = "tips_big", .model_base_path = broken});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("version 4: "));
}

// TF Serving's --model_config_file: several models, version policies, labels in REST paths and
// gRPC model specs, and a reload through ModelService that keeps what it cannot apply.
TEST_F(GrpcServiceTest, AConfigServesSeveralModelsWithPoliciesLabelsAndReloads) {
  const fs::path dir = *root_ / "config";
  fs::create_directories(dir / "big");
  fs::create_directories(dir / "tips");
  for (int version : {1, 2, 3}) {
    fs::copy(*root_ / "tips_big/1", dir / "big" / std::to_string(version),
             fs::copy_options::recursive);
  }
  fs::copy(*root_ / "tips/1", dir / "tips/1", fs::copy_options::recursive);
  std::ofstream(dir / "models.config") << R"(
    model_config_list {
      config {
        name: 'tips_big' base_path: 'big' model_platform: 'tensorflow'
        model_version_policy { specific { versions: 1 versions: 2 } }
        version_labels { key: 'stable' value: 1 }
        version_labels { key: 'canary' value: 2 }
      }
      config { name: 'tips' base_path: 'tips' }
    })";
  auto config = ReadModelServerConfig(dir / "models.config");
  ASSERT_TRUE(config.ok()) << config.status();
  auto core = ModelServer::Start({.config = *config, .config_dir = dir, .poll_seconds = 3600});
  ASSERT_TRUE(core.ok()) << core.status();
  ModelServer& server = **core;
  auto rest = [&](std::string_view method, const std::string& path, const std::string& body = "") {
    return server.Handle(method, path, body);
  };
  const std::string body = Json{{"instances", {{{"fare", 12.5}, {"company", "Flash Cab"}}}}}.dump();
  const Json status = Json::parse(rest("GET", "/v1/models/tips_big").body);
  ASSERT_EQ(status["model_version_status"].size(), 2u);  // 3 is not in the policy.
  EXPECT_EQ(status["model_version_status"][0]["version"], "2");
  EXPECT_EQ(rest("POST", "/v1/models/tips_big/labels/canary:predict", body).status, 200);
  EXPECT_EQ(rest("POST", "/v1/models/tips_big/versions/3:predict", body).status, 404);
  EXPECT_EQ(rest("POST", "/v1/models/tips_big/labels/nope:predict", body).status, 404);
  EXPECT_EQ(
      Json::parse(
          rest("GET", "/v1/models/tips_big/labels/stable/metadata").body)["model_spec"]["version"],
      "1");
  EXPECT_EQ(
      rest("POST", "/v1/models/tips:regress", Json{{"examples", {{{"fare", 12.5}}}}}.dump()).status,
      200);

  auto grpc = GrpcServer::Start(server, {.port = 0});
  ASSERT_TRUE(grpc.ok()) << grpc.status();
  auto channel = grpc::CreateChannel(StrCat("127.0.0.1:", (*grpc)->port()),
                                     grpc::InsecureChannelCredentials());
  auto prediction = tfs::PredictionService::NewStub(channel);
  auto models = tfs::ModelService::NewStub(channel);
  tfs::PredictRequest request = NamedTensors("tips_big");
  request.mutable_model_spec()->set_version_label("stable");
  {
    grpc::ClientContext context;
    tfs::PredictResponse response;
    ASSERT_TRUE(prediction->Predict(&context, request, &response).ok());
    EXPECT_EQ(response.model_spec().version().value(), 1);
  }
  auto reload = [&](const std::string& text) {
    tfs::ReloadConfigRequest reload_request;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
        std::string("model_config_list { config { name: 'tips_big' base_path: '") +
            (dir / "big").string() + text,
        reload_request.mutable_config()));
    grpc::ClientContext context;
    tfs::ReloadConfigResponse response;
    EXPECT_TRUE(models->HandleReloadConfigRequest(&context, reload_request, &response).ok());
    return response.status();
  };
  // The newest two, "stable" now 3; tips is no longer served.
  tfs::StatusProto reloaded = reload(
      "' model_version_policy { latest { num_versions: 2 } } "
      "version_labels { key: 'stable' value: 3 } } }");
  EXPECT_EQ(reloaded.error_code(), tensorflow::error::OK) << reloaded.error_message();
  EXPECT_EQ(rest("POST", "/v1/models/tips:regress", "{}").status, 404);
  EXPECT_EQ(Json::parse(rest("GET", "/v1/models/tips_big").body)["model_version_status"].size(),
            2u);
  {
    grpc::ClientContext context;
    tfs::PredictResponse response;
    ASSERT_TRUE(prediction->Predict(&context, request, &response).ok());
    EXPECT_EQ(response.model_spec().version().value(), 3);
  }
  // A label on a version that is not served: refused, and nothing changes.
  tfs::StatusProto refused = reload("' version_labels { key: 'stable' value: 9 } } }");
  EXPECT_EQ(refused.error_code(), tensorflow::error::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("label 'stable' names version 9"));
  EXPECT_EQ(
      Json::parse(
          rest("GET", "/v1/models/tips_big/labels/stable/metadata").body)["model_spec"]["version"],
      "3");

  // A broken config file is named with its line.
  std::ofstream(dir / "broken.config") << "model_config_list {\n  config { name: 3 }\n";
  auto broken = ReadModelServerConfig(dir / "broken.config");
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("broken.config"));
}

TEST_F(GrpcServiceTest, ErrorsCarryTfServingsCodesAndNameTheField) {
  auto call = [&](const tfs::PredictRequest& request) {
    grpc::ClientContext context;
    tfs::PredictResponse response;
    return servers_[0].prediction->Predict(&context, request, &response);
  };
  tfs::PredictRequest request = NamedTensors("nope");
  EXPECT_EQ(call(request).error_code(), grpc::StatusCode::NOT_FOUND);
  request.mutable_model_spec()->set_name("tips_big");
  request.mutable_model_spec()->mutable_version()->set_value(9);
  EXPECT_EQ(call(request).error_code(), grpc::StatusCode::NOT_FOUND);
  request.mutable_model_spec()->clear_version();
  ASSERT_TRUE(call(request).ok());

  auto invalid = [&](const tfs::PredictRequest& bad) {
    grpc::Status status = call(bad);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    return status.error_message();
  };
  tfs::PredictRequest unknown = request;
  (*unknown.mutable_inputs())["farez"] = request.inputs().at("fare");
  EXPECT_THAT(invalid(unknown), HasSubstr("unknown feature 'farez'"));
  tfs::PredictRequest wrong_type = request;
  (*wrong_type.mutable_inputs())["trip_start_hour"] = request.inputs().at("company");
  EXPECT_THAT(invalid(wrong_type), HasSubstr("'trip_start_hour' is an integer"));
  tfs::PredictRequest wrong_shape = request;
  (*wrong_shape.mutable_inputs())["fare"].mutable_tensor_shape()->add_dim()->set_size(3);
  EXPECT_THAT(invalid(wrong_shape), HasSubstr("inputs take [N] or [N, 1]"));
  tfs::PredictRequest short_column = request;
  (*short_column.mutable_inputs())["fare"].mutable_float_val()->RemoveLast();
  EXPECT_THAT(invalid(short_column), HasSubstr("input 'fare' has 19 values"));
  // A row count from the client is not trusted with memory: one value cannot fill a trillion
  // rows, and tensor_content's size is checked without overflowing.
  tfs::PredictRequest huge_fill = request;
  tensorflow::TensorProto& filled = (*huge_fill.mutable_inputs())["fare"];
  filled.mutable_float_val()->Truncate(1);
  filled.mutable_tensor_shape()->mutable_dim(0)->set_size(int64_t{1} << 40);
  EXPECT_THAT(invalid(huge_fill), HasSubstr("gives one value for 1099511627776 rows"));
  tfs::PredictRequest overflow = request;
  tensorflow::TensorProto& content = (*overflow.mutable_inputs())["fare"];
  content.clear_float_val();
  content.set_tensor_content(std::string(4, '\0'));
  content.mutable_tensor_shape()->mutable_dim(0)->set_size((int64_t{1} << 62) + 1);
  EXPECT_THAT(invalid(overflow), HasSubstr("tensor_content has 4 bytes"));
  tfs::PredictRequest bad_dtype = request;
  (*bad_dtype.mutable_inputs())["fare"].set_dtype(tensorflow::DT_BOOL);
  EXPECT_THAT(invalid(bad_dtype), HasSubstr("input 'fare' is DT_BOOL"));

  // Counted with REST's requests (the call for an unknown model counts for no model).
  const std::string metrics =
      servers_[0].core->Handle("GET", "/monitoring/prometheus/metrics", "").body;
  EXPECT_THAT(metrics,
              HasSubstr("weir_serving_requests_total{model=\"tips_big\",code=\"error\"} 8"));
  EXPECT_THAT(metrics, HasSubstr("weir_serving_predictions_total{model=\"tips_big\"} 20"));
}

}  // namespace
}  // namespace weir::serving
