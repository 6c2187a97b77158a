#include "weir/serving/model_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "weir/base/files.h"
#include "weir/base/process_identity.h"
#include "weir/base/test_dirs.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/example/request_log_format.h"
#include "weir/io/tfrecord/tfrecord.h"
#include "weir/model/serving_model.h"
#include "weir/proto/example.pb.h"
#include "weir/serving/batcher.h"
#include "weir/serving/http_server.h"
#include "weir/serving/testing/loopback.h"
#include "weir/serving/testing/test_model.h"

namespace weir::serving {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// Two small models (gbdt, 30 and 5 rounds; serving/testing/test_model.h), the first pushed as
// version 1 of a base path.
class ModelServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(base::FreshTestDir("model_server_test"));
    for (int rounds : {30, 5}) {
      absl::Status written =
          serving::testing::WriteTestModel(*root_ / StrCat("model_", rounds), rounds);
      ASSERT_TRUE(written.ok()) << written;
    }
    fs::create_directories(*root_ / "base");
    fs::copy(*root_ / "model_30", *root_ / "base/1", fs::copy_options::recursive);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static std::string StrCat(const std::string& a, int b) { return a + std::to_string(b); }

  // Raw examples the models did not see, as a batch and as JSON instances.
  static data::RecordBatch EvalBatch() { return serving::testing::TestRows(300, /*seed=*/2); }
  // The features the model's signature takes (the raw features its transform reads).
  static Json Instances(const data::RecordBatch& batch, size_t rows) {
    auto model = model::ServingModel::Load(*root_ / "model_30");
    std::set<std::string> signature;
    for (const auto& input : (*model)->spec().signature_inputs()) signature.insert(input.name());
    Json instances = Json::array();
    for (size_t row = 0; row < rows; ++row) {
      Json instance = Json::object();
      for (const data::Column& column : batch.columns()) {
        if (!signature.contains(column.name())) continue;
        if (column.value_count(row) != 1) continue;  // Absent: missing.
        const uint32_t v = column.value_begin(row);
        if (column.type() == data::DataType::kInt64)
          instance[column.name()] = column.int64_values()[v];
        if (column.type() == data::DataType::kFloat)
          instance[column.name()] = column.float_values()[v];
        if (column.type() == data::DataType::kBytes)
          instance[column.name()] = std::string(column.bytes_value(v));
      }
      instances.push_back(instance);
    }
    return instances;
  }
  static fs::path* root_;
};
fs::path* ModelServerTest::root_ = nullptr;

TEST_F(ModelServerTest, PredictsRawJsonExactlyAsTheBatchPath) {
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = *root_ / "base"});
  ASSERT_TRUE(server.ok()) << server.status();
  const data::RecordBatch batch = EvalBatch();
  auto model = model::ServingModel::Load(*root_ / "base/1");
  ASSERT_TRUE(model.ok());
  auto expected = (*model)->Predict(batch);
  ASSERT_TRUE(expected.ok());

  // Every row alone through JSON equals the batch prediction (training/serving skew).
  const size_t rows = 300;
  const Json instances = Instances(batch, rows);
  for (size_t row = 0; row < rows; ++row) {
    HttpResponse response = (*server)->Handle("POST", "/v1/models/taxi:predict",
                                              Json{{"instances", {instances[row]}}}.dump());
    ASSERT_EQ(response.status, 200) << response.body;
    const float p = Json::parse(response.body)["predictions"][0].get<float>();
    ASSERT_EQ(p, (*expected)[row]) << "row " << row;
  }
  // The columnar form, and a pinned version path.
  Json columns = Json::object();
  for (const auto& [name, value] : instances[0].items()) columns[name] = {value, value};
  HttpResponse columnar = (*server)->Handle("POST", "/v1/models/taxi/versions/1:predict",
                                            Json{{"inputs", columns}}.dump());
  ASSERT_EQ(columnar.status, 200) << columnar.body;
  EXPECT_EQ(Json::parse(columnar.body)["outputs"].size(), 2u);
  EXPECT_EQ(Json::parse(columnar.body)["outputs"][1].get<float>(), (*expected)[0]);
  // An instance with no features at all: every value missing, fill_missing applies.
  HttpResponse empty =
      (*server)->Handle("POST", "/v1/models/taxi:predict", R"({"instances": [{}]})");
  EXPECT_EQ(empty.status, 200) << empty.body;
}

TEST_F(ModelServerTest, StatusMetadataAndErrors) {
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = *root_ / "base"});
  ASSERT_TRUE(server.ok()) << server.status();
  ModelServer& s = **server;
  Json status = Json::parse(s.Handle("GET", "/v1/models/taxi", "").body);
  EXPECT_EQ(status["model_version_status"][0]["version"], "1");
  EXPECT_EQ(status["model_version_status"][0]["state"], "AVAILABLE");
  Json metadata = Json::parse(s.Handle("GET", "/v1/models/taxi/metadata", "").body);
  const Json& inputs =
      metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"];
  EXPECT_EQ(inputs["fare"]["dtype"], "DT_FLOAT");
  EXPECT_EQ(inputs["company"]["dtype"], "DT_STRING");
  EXPECT_EQ(inputs["trip_start_hour"]["dtype"], "DT_INT64");

  auto error = [&](std::string_view method, std::string_view path, std::string_view body) {
    HttpResponse response = s.Handle(method, path, body);
    return std::make_pair(response.status, Json::parse(response.body)["error"].get<std::string>());
  };
  EXPECT_EQ(error("POST", "/v1/models/taxi:predict", "{not json").first, 400);
  auto unknown = error("POST", "/v1/models/taxi:predict", R"({"instances": [{"farez": 1}]})");
  EXPECT_EQ(unknown.first, 400);
  EXPECT_NE(unknown.second.find("unknown feature 'farez'"), std::string::npos) << unknown.second;
  auto wrong =
      error("POST", "/v1/models/taxi:predict", R"({"instances": [{"trip_start_hour": 1.5}]})");
  EXPECT_EQ(wrong.first, 400);
  EXPECT_NE(wrong.second.find("'trip_start_hour' is an integer; got 1.5"), std::string::npos);
  EXPECT_EQ(error("POST", "/v1/models/taxi:predict", R"({"instances": [{"company": 3}]})").first,
            400);
  EXPECT_EQ(error("POST", "/v1/models/nope:predict", R"({"instances": []})").first, 404);
  EXPECT_EQ(error("POST", "/v1/models/taxi/versions/9:predict", R"({"instances": []})").first, 404);
  EXPECT_EQ(error("GET", "/v1/models/taxi:predict", "").first, 405);
  // An integer given as 3.0 converts: it is exact.
  EXPECT_EQ(
      s.Handle("POST", "/v1/models/taxi:predict", R"({"instances": [{"trip_start_hour": 3.0}]})")
          .status,
      200);

  auto small = ModelServer::Start(
      {.model_name = "taxi", .model_base_path = *root_ / "base", .max_body_bytes = 10});
  ASSERT_TRUE(small.ok());
  EXPECT_EQ((*small)->Handle("POST", "/v1/models/taxi:predict", R"({"instances": []})").status,
            413);

  // TF Serving's --monitoring_config_file moves the metrics, or turns them off.
  auto moved = ModelServer::Start(
      {.model_name = "taxi", .model_base_path = *root_ / "base", .metrics_path = "/metrics"});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ((*moved)->Handle("GET", "/metrics", "").status, 200);
  EXPECT_EQ((*moved)->Handle("GET", "/monitoring/prometheus/metrics", "").status, 404);
  auto off = ModelServer::Start(
      {.model_name = "taxi", .model_base_path = *root_ / "base", .metrics_path = ""});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ((*off)->Handle("GET", "/monitoring/prometheus/metrics", "").status, 404);

  const std::string metrics = s.Handle("GET", "/monitoring/prometheus/metrics", "").body;
  EXPECT_NE(metrics.find("weir_serving_requests_total{model=\"taxi\",code=\"error\"} "),
            std::string::npos);
  EXPECT_NE(metrics.find("weir_serving_loaded_versions{model=\"taxi\"} 1"), std::string::npos);
}

// The signature is the training schema's raw features less the label's own, as TFX's: a client
// may send a whole row; what the model does not read is checked and ignored.
TEST_F(ModelServerTest, TheSignatureIsTheSchemaLessTheLabel) {
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = *root_ / "base"});
  ASSERT_TRUE(server.ok()) << server.status();
  ModelServer& s = **server;
  const Json metadata = Json::parse(s.Handle("GET", "/v1/models/taxi/metadata", "").body);
  std::set<std::string> inputs;
  for (const auto& [name, tensor] :
       metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"].items())
    inputs.insert(name);
  EXPECT_EQ(inputs, (std::set<std::string>{"company", "fare", "payment_type", "trip_start_hour"}));
  EXPECT_EQ(metadata["metadata"]["inputs_read"].get<std::set<std::string>>(),
            (std::set<std::string>{"company", "fare", "trip_start_hour"}));

  Json instances = Instances(EvalBatch(), 20);
  const std::string plain =
      s.Handle("POST", "/v1/models/taxi:predict", Json{{"instances", instances}}.dump()).body;
  for (Json& instance : instances) instance["payment_type"] = "Cash";
  EXPECT_EQ(s.Handle("POST", "/v1/models/taxi:predict", Json{{"instances", instances}}.dump()).body,
            plain);
  auto error = [&](const std::string& body) {
    HttpResponse response = s.Handle("POST", "/v1/models/taxi:predict", body);
    EXPECT_EQ(response.status, 400) << body;
    return Json::parse(response.body)["error"].get<std::string>();
  };
  EXPECT_THAT(error(R"({"instances": [{"payment_type": 3}]})"),
              ::testing::HasSubstr("'payment_type' is a string"));
  EXPECT_THAT(error(R"({"instances": [{"tips": 1.5}]})"),
              ::testing::HasSubstr("unknown feature 'tips'"));
  EXPECT_THAT(error(R"({"inputs": {"fare": [1, 2], "payment_type": ["Cash"]}})"),
              ::testing::HasSubstr("'payment_type' has 1 values"));
}

// The same rows as JSON features, {"b64"} bytes, serialized tf.Examples (rows and columns), and
// through :classify and :regress give the same numbers as :predict.
TEST_F(ModelServerTest, EveryRequestFormGivesThePredictionsOfPredict) {
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = *root_ / "base"});
  ASSERT_TRUE(server.ok()) << server.status();
  ModelServer& s = **server;
  auto post = [&](const std::string& verb, const Json& body) {
    HttpResponse response = s.Handle("POST", "/v1/models/taxi:" + verb, body.dump());
    EXPECT_EQ(response.status, 200) << verb << " " << body.dump() << "\n" << response.body;
    return Json::parse(response.body);
  };
  const Json instances = Instances(EvalBatch(), 20);
  const std::vector<float> expected = post("predict", {{"instances", instances}})["predictions"];

  // {"b64": ...} for a string feature.
  Json b64 = instances;
  for (Json& instance : b64) {
    if (instance.contains("company"))
      instance["company"] = {{"b64", absl::Base64Escape(instance["company"].get<std::string>())}};
  }
  EXPECT_EQ(post("predict", {{"instances", b64}})["predictions"].get<std::vector<float>>(),
            expected);

  // TFX's form: each instance a serialized tf.Example, in rows and in columns.
  Json example_rows = Json::array(), example_column = Json::array();
  for (const Json& instance : instances) {
    tensorflow::Example example;
    auto& features = *example.mutable_features()->mutable_feature();
    for (const auto& [name, value] : instance.items()) {
      if (value.is_string()) {
        features[name].mutable_bytes_list()->add_value(value.get<std::string>());
      } else if (name == "trip_start_hour") {
        features[name].mutable_int64_list()->add_value(value.get<int64_t>());
      } else {
        features[name].mutable_float_list()->add_value(value.get<float>());
      }
    }
    const Json serialized = {{"b64", absl::Base64Escape(example.SerializeAsString())}};
    example_rows.push_back({{"examples", serialized}});
    example_column.push_back(serialized);
  }
  EXPECT_EQ(post("predict", {{"instances", example_rows}})["predictions"].get<std::vector<float>>(),
            expected);
  EXPECT_EQ(post("predict", {{"inputs", {{"examples", example_column}}}})["outputs"]
                .get<std::vector<float>>(),
            expected);

  // :classify: each example's classes with their probabilities; "context" fills what an example
  // lacks.
  Json without_hour = instances;
  for (Json& instance : without_hour) instance.erase("trip_start_hour");
  Json with_hour = instances;
  for (Json& instance : with_hour) instance["trip_start_hour"] = 22;
  const std::vector<float> at_22 = post("predict", {{"instances", with_hour}})["predictions"];
  const Json classified = post(
      "classify", {{"examples", without_hour}, {"context", {{"trip_start_hour", 22}}}})["result"];
  ASSERT_EQ(classified.size(), instances.size());
  for (size_t i = 0; i < instances.size(); ++i) {
    EXPECT_EQ(classified[i][0][0], "0");
    EXPECT_EQ(classified[i][1][0], "1");
    EXPECT_EQ(classified[i][1][1].get<float>(), at_22[i]) << i;
    EXPECT_EQ(classified[i][0][1].get<float>(), 1.0f - at_22[i]) << i;
  }
  HttpResponse regress =
      s.Handle("POST", "/v1/models/taxi:regress", Json{{"examples", instances}}.dump());
  EXPECT_EQ(regress.status, 400);
  EXPECT_THAT(regress.body, ::testing::HasSubstr("classification model"));

  // A regression model answers :regress with the numbers :predict gives.
  const fs::path regression = *root_ / "regression";
  ASSERT_TRUE(serving::testing::WriteTestModel(regression / "1", 10, model::REGRESSION).ok());
  auto tips = ModelServer::Start({.model_name = "tips", .model_base_path = regression});
  ASSERT_TRUE(tips.ok()) << tips.status();
  const std::string body = Json{{"instances", instances}}.dump();
  const Json predicted = Json::parse((*tips)->Handle("POST", "/v1/models/tips:predict", body).body);
  const Json regressed = Json::parse(
      (*tips)
          ->Handle("POST", "/v1/models/tips:regress", Json{{"examples", instances}}.dump())
          .body);
  EXPECT_EQ(regressed["result"].get<std::vector<float>>(),
            predicted["predictions"].get<std::vector<float>>());
  EXPECT_EQ((*tips)
                ->Handle("POST", "/v1/models/tips:classify", Json{{"examples", instances}}.dump())
                .status,
            400);
  EXPECT_EQ(s.Handle("POST", "/v1/models/taxi:explain", "{}").status, 404);
}

TEST_F(ModelServerTest, NewVersionsSwapInAndBrokenOnesAreReported) {
  fs::path base = *root_ / "swap";
  fs::create_directories(base);
  fs::copy(*root_ / "model_30", base / "1", fs::copy_options::recursive);
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = base});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string request = Json{{"instances", Instances(EvalBatch(), 1)}}.dump();
  const float v1 = Json::parse(
      (*server)->Handle("POST", "/v1/models/taxi:predict", request).body)["predictions"][0];

  fs::copy(*root_ / "model_5", base / "2", fs::copy_options::recursive);
  (*server)->Poll();
  Json status = Json::parse((*server)->Handle("GET", "/v1/models/taxi", "").body);
  EXPECT_EQ(status["model_version_status"][0]["version"], "2");
  EXPECT_EQ(status["model_version_status"][0]["state"], "AVAILABLE");
  EXPECT_EQ(status["model_version_status"][1]["state"], "END");
  const float v2 = Json::parse(
      (*server)->Handle("POST", "/v1/models/taxi:predict", request).body)["predictions"][0];
  EXPECT_NE(v1, v2);

  // A broken version 3: reported, and version 2 keeps serving.
  fs::create_directories(base / "3");
  ASSERT_TRUE(base::WriteFileAtomically(base / "3/model_spec.pbtxt", "not a spec").ok());
  (*server)->Poll();
  status = Json::parse((*server)->Handle("GET", "/v1/models/taxi/versions/3", "").body);
  EXPECT_EQ(status["model_version_status"][0]["state"], "END");
  EXPECT_FALSE(
      status["model_version_status"][0]["status"]["error_message"].get<std::string>().empty());
  HttpResponse still = (*server)->Handle("POST", "/v1/models/taxi:predict", request);
  ASSERT_EQ(still.status, 200);
  EXPECT_EQ(Json::parse(still.body)["predictions"][0].get<float>(), v2);
  (*server)->Poll();  // Nothing changed: still broken, version 2 still serving.
  status = Json::parse((*server)->Handle("GET", "/v1/models/taxi/versions/3", "").body);
  EXPECT_EQ(status["model_version_status"][0]["state"], "END");

  // The rest of version 3 arrives (it was polled mid-copy): it is tried again and swaps in.
  fs::copy(*root_ / "model_30", base / "3",
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  (*server)->Poll();
  status = Json::parse((*server)->Handle("GET", "/v1/models/taxi", "").body);
  EXPECT_EQ(status["model_version_status"][0]["version"], "3");
  EXPECT_EQ(status["model_version_status"][0]["state"], "AVAILABLE");
  HttpResponse fixed = (*server)->Handle("POST", "/v1/models/taxi:predict", request);
  ASSERT_EQ(fixed.status, 200);
  EXPECT_EQ(Json::parse(fixed.body)["predictions"][0].get<float>(), v1);
}

// Concurrent requests joined into one model call each get their own predictions, exactly those
// of the unbatched path; a bad request among them fails alone.
TEST_F(ModelServerTest, BatchedRequestsGetTheirOwnPredictions) {
  auto loaded = model::ServingModel::Load(*root_ / "model_30");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::shared_ptr<const model::ServingModel> model = *std::move(loaded);
  const data::RecordBatch eval = EvalBatch();
  constexpr size_t kRequests = 40;
  auto expected = model->Predict(eval.Slice(0, kRequests));
  ASSERT_TRUE(expected.ok());

  PredictBatcher batcher(
      {.max_batch_rows = 64, .timeout = std::chrono::milliseconds(50), .threads = 1});
  std::vector<absl::StatusOr<std::vector<float>>> results(kRequests + 1,
                                                          absl::UnknownError("not run"));
  std::vector<std::thread> clients;
  for (size_t i = 0; i < kRequests; ++i) {
    clients.emplace_back([&, i] { results[i] = batcher.Predict(model, eval.Slice(i, i + 1)); });
  }
  // A request the model path rejects: two values where it reads one.
  clients.emplace_back([&] {
    data::RecordBatch bad;
    data::Column& hour = bad.AddColumn("trip_start_hour", data::DataType::kInt64);
    hour.AddInt64(1);
    hour.AddInt64(2);
    hour.FinishRow(data::Presence::kPresent);
    results[kRequests] = batcher.Predict(model, std::move(bad));
  });
  for (std::thread& client : clients) client.join();
  for (size_t i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    ASSERT_EQ(results[i]->size(), 1u);
    EXPECT_EQ((*results[i])[0], (*expected)[i]) << "request " << i;
  }
  EXPECT_FALSE(results[kRequests].ok()) << "the bad request was answered";
  EXPECT_EQ(batcher.requests(), kRequests + 1);
  // Requests that arrived together shared model calls.
  EXPECT_LT(batcher.batches(), kRequests / 2) << batcher.batches() << " model calls";
}

// max_enqueued_batches bounds the rows waiting for a model call: past it a request is refused at
// once (UNAVAILABLE, REST's 503) instead of waiting without bound; an empty queue takes anything.
TEST_F(ModelServerTest, AFullBatchQueueRefusesRequests) {
  auto loaded = model::ServingModel::Load(*root_ / "model_30");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::shared_ptr<const model::ServingModel> model = *std::move(loaded);
  const data::RecordBatch eval = EvalBatch();
  PredictBatcher batcher({.max_batch_rows = 2,
                          .timeout = std::chrono::seconds(20),
                          .threads = 1,
                          .max_enqueued_batches = 1});
  absl::StatusOr<std::vector<float>> first = absl::UnknownError("not run");
  std::thread waiting([&] { first = batcher.Predict(model, eval.Slice(0, 1)); });
  // The first row waits for a second to fill its batch of two.
  for (int i = 0; i < 2000 && batcher.queued_rows() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(batcher.queued_rows(), 1u);
  absl::StatusOr<std::vector<float>> refused = batcher.Predict(model, eval.Slice(1, 3));
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("the batch queue is full"));
  // One more row fits, fills the batch, and both are answered.
  absl::StatusOr<std::vector<float>> second = batcher.Predict(model, eval.Slice(1, 2));
  waiting.join();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(batcher.batches(), 1u);
  // Nothing waits, so a request of any size is taken.
  EXPECT_TRUE(batcher.Predict(model, eval.Slice(0, 5)).ok());
}

// TF Serving's --batching_parameters_file: what it sets replaces the defaults, checked with the
// file and field named.
TEST_F(ModelServerTest, ReadsTfServingsBatchingParameters) {
  const fs::path file = *root_ / "batching.config";
  std::ofstream(file) << "max_batch_size { value: 128 }\n"
                         "batch_timeout_micros { value: 2000 }\n"
                         "max_enqueued_batches { value: 8 }\n"
                         "num_batch_threads { value: 3 }\n"
                         "thread_pool_name { value: 'batch_threads' }\n"
                         "allowed_batch_sizes: [32, 64, 128]\n"
                         "pad_variable_length_inputs: true\n";
  auto options = ReadBatchingParameters(file, {});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->max_batch_rows, 128u);
  EXPECT_EQ(options->timeout, std::chrono::microseconds(2000));
  EXPECT_EQ(options->max_enqueued_batches, 8u);
  EXPECT_EQ(options->threads, 3);

  std::ofstream(file) << "batch_timeout_micros { value: 10 }\n";  // The rest: the defaults.
  options = ReadBatchingParameters(file, {.max_batch_rows = 7});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->max_batch_rows, 7u);
  EXPECT_EQ(options->timeout, std::chrono::microseconds(10));

  auto refused = [&](const std::string& text) {
    std::ofstream(file) << text;
    auto read = ReadBatchingParameters(file, {});
    EXPECT_FALSE(read.ok()) << text;
    return std::string(read.status().message());
  };
  EXPECT_THAT(refused("max_batch_size { value: 0 }"), HasSubstr("max_batch_size must be >= 1"));
  EXPECT_THAT(refused("max_batch_size { value: 64 } allowed_batch_sizes: [8, 32]"),
              HasSubstr("allowed_batch_sizes must end with max_batch_size (64)"));
  EXPECT_THAT(refused("max_batch_size { value: 64 } allowed_batch_sizes: [32, 8, 64]"),
              HasSubstr("increasing"));
  EXPECT_THAT(refused("num_batch_threads { value: 0 }"), HasSubstr("num_batch_threads"));
  EXPECT_THAT(refused("max_batch_size: 64"), HasSubstr("batching.config"));  // Not a wrapper.
}

TEST(ConcatenateRowsTest, ColumnsMissingFromAPartAreMissingInItsRows) {
  data::RecordBatch a;
  data::Column& x = a.AddColumn("x", data::DataType::kInt64);
  x.AddInt64(1);
  x.FinishRow(data::Presence::kPresent);
  data::RecordBatch b;
  data::Column& y = b.AddColumn("y", data::DataType::kBytes);
  y.AddBytes("p");
  y.AddBytes("q");
  y.FinishRow(data::Presence::kPresent);
  y.AppendMissing(data::Presence::kNoKind);
  b.AddColumn("x", data::DataType::kInt64);
  b.mutable_column(1).AddInt64(2);
  b.mutable_column(1).FinishRow(data::Presence::kPresent);
  b.mutable_column(1).AddInt64(3);
  b.mutable_column(1).FinishRow(data::Presence::kPresent);
  const data::RecordBatch joined = ConcatenateRows({&a, &b});
  ASSERT_EQ(joined.num_rows(), 3u);
  const data::Column* jx = joined.FindColumn("x");
  const data::Column* jy = joined.FindColumn("y");
  ASSERT_TRUE(jx && jy);
  EXPECT_EQ(std::vector<int64_t>(jx->int64_values().begin(), jx->int64_values().end()),
            (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(jy->presence(0), data::Presence::kAbsent);
  EXPECT_EQ(jy->value_count(1), 2u);
  EXPECT_EQ(jy->bytes_value(jy->value_begin(1) + 1), "q");
  EXPECT_EQ(jy->presence(2), data::Presence::kNoKind);
}

// A parse error quotes where the body stopped making sense, bytes that need not be UTF-8: the
// answer is still a JSON 400 (it threw, found by fuzz_rest_request).
TEST_F(ModelServerTest, AnErrorQuotingAClientsBytesIsStillJson) {
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = *root_ / "base"});
  ASSERT_TRUE(server.ok()) << server.status();
  for (const char* verb : {"classify", "predict"}) {
    const HttpResponse response = (*server)->Handle("POST", std::string("/v1/models/taxi:") + verb,
                                                    "{\"examples\": [{\"fare\": 1, \"\x80\x80trip");
    EXPECT_EQ(response.status, 400) << verb;
    EXPECT_THAT(Json::parse(response.body)["error"].get<std::string>(), HasSubstr("JSON")) << verb;
  }
}

// One HTTP round trip on 127.0.0.1, to check the wiring.
// The files of a request log folder: published logs, and anything else (in progress) apart.
struct LogFiles {
  std::vector<fs::path> published;
  std::vector<fs::path> other;
};
LogFiles ListLogFiles(const fs::path& dir) {
  LogFiles files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (io::IsRequestLogFile(entry.path().filename().string()) ? files.published : files.other)
        .push_back(entry.path());
  }
  std::sort(files.published.begin(), files.published.end());
  return files;
}

int64_t Int(const data::RecordBatch& row, const char* name) {
  const data::Column* column = row.FindColumn(name);
  return column == nullptr || column->num_values() != 1 ? -1 : column->int64_values()[0];
}

TEST_F(ModelServerTest, LogsTheRequestsItAnswersAsExamples) {
  const fs::path logs = base::FreshDirForThisTest("request_log");
  auto server = ModelServer::Start(
      {.model_name = "taxi", .model_base_path = *root_ / "base", .request_log = {.dir = logs}});
  ASSERT_TRUE(server.ok()) << server.status();
  // payment_type is in the signature, though the model does not read it: it is logged as sent.
  Json instances = Instances(EvalBatch(), 20);
  for (Json& instance : instances) instance["payment_type"] = "Cash";
  const auto before = std::chrono::system_clock::now();
  HttpResponse predicted =
      (*server)->Handle("POST", "/v1/models/taxi:predict", Json{{"instances", instances}}.dump());
  ASSERT_EQ(predicted.status, 200) << predicted.body;
  HttpResponse classified =
      (*server)->Handle("POST", "/v1/models/taxi:classify",
                        Json{{"examples", Json::array({instances[0], instances[1]})}}.dump());
  ASSERT_EQ(classified.status, 200) << classified.body;
  // A refused request is not logged.
  ASSERT_EQ((*server)
                ->Handle("POST", "/v1/models/taxi:predict", R"({"instances": [{"fare": "x"}]})")
                .status,
            400);
  (*server)->request_log()->Flush();
  const auto after = std::chrono::system_clock::now();

  const LogFiles files = ListLogFiles(logs / "taxi");
  ASSERT_EQ(files.published.size(), 1u);
  EXPECT_TRUE(files.other.empty()) << files.other.front();
  absl::StatusOr<std::vector<std::string>> records = io::ReadAllRecords(files.published[0]);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 22u);
  const std::vector<float> predictions = Json::parse(predicted.body)["predictions"];
  auto micros = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  };
  for (size_t i = 0; i < records->size(); ++i) {
    absl::StatusOr<data::RecordBatch> row = io::DecodeExample((*records)[i]);
    ASSERT_TRUE(row.ok()) << row.status();
    const Json& sent = instances[i < 20 ? i : i - 20];
    // Every feature sent is there with its value, and nothing the request did not send.
    for (const data::Column& column : row->columns()) {
      if (io::IsLogField(column.name())) continue;
      if (!sent.contains(column.name())) {
        EXPECT_FALSE(column.is_present(0)) << column.name();
        continue;
      }
      ASSERT_EQ(column.num_values(), 1u) << column.name();
      if (column.type() == data::DataType::kBytes)
        EXPECT_EQ(column.bytes_value(0), sent[column.name()].get<std::string>());
      if (column.type() == data::DataType::kFloat)
        EXPECT_EQ(column.float_values()[0], sent[column.name()].get<float>());
      if (column.type() == data::DataType::kInt64)
        EXPECT_EQ(column.int64_values()[0], sent[column.name()].get<int64_t>());
    }
    for (const auto& [feature, value] : sent.items())
      EXPECT_NE(row->FindColumn(feature), nullptr) << feature;
    EXPECT_EQ(row->FindColumn("payment_type")->bytes_value(0), "Cash");
    const data::Column* prediction = row->FindColumn(io::kLoggedPrediction);
    ASSERT_NE(prediction, nullptr);
    ASSERT_EQ(prediction->num_values(), 1u);
    if (i < 20) EXPECT_EQ(prediction->float_values()[0], predictions[i]);
    EXPECT_EQ(Int(*row, io::kLoggedModelVersion), 1);
    EXPECT_GE(Int(*row, io::kLoggedRequestTime), micros(before));
    EXPECT_LE(Int(*row, io::kLoggedRequestTime), micros(after));
  }
  // The classify rows predicted what predict did for the same instances.
  absl::StatusOr<data::RecordBatch> first = io::DecodeExample((*records)[20]);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->FindColumn(io::kLoggedPrediction)->float_values()[0], predictions[0]);
  EXPECT_THAT((*server)->Handle("GET", "/monitoring/prometheus/metrics", "").body,
              HasSubstr("weir_serving_request_log_rows_total{result=\"logged\"} 22\n"));
}

TEST_F(ModelServerTest, LogsASampleOfRequests) {
  const fs::path logs = base::FreshDirForThisTest("request_log");
  for (double rate : {0.0, 0.5}) {
    auto server = ModelServer::Start(
        {.model_name = "taxi",
         .model_base_path = *root_ / "base",
         .request_log = {.dir = logs / std::to_string(rate), .sample_rate = rate}});
    ASSERT_TRUE(server.ok()) << server.status();
    const std::string body = Json{{"instances", Instances(EvalBatch(), 1)}}.dump();
    for (int i = 0; i < 400; ++i)
      ASSERT_EQ((*server)->Handle("POST", "/v1/models/taxi:predict", body).status, 200);
    (*server)->request_log()->Flush();
    const uint64_t logged = (*server)->request_log()->logged_rows();
    if (rate == 0) {
      EXPECT_EQ(logged, 0u);
      EXPECT_FALSE(fs::exists(logs / std::to_string(rate) / "taxi"));
    } else {
      // Binomial(400, 0.5): outside [140, 260] about once in 10^9 runs.
      EXPECT_GT(logged, 140u);
      EXPECT_LT(logged, 260u);
      absl::StatusOr<std::vector<std::string>> records =
          io::ReadAllRecords(ListLogFiles(logs / std::to_string(rate) / "taxi").published.at(0));
      ASSERT_TRUE(records.ok());
      EXPECT_EQ(records->size(), logged);
    }
  }
  EXPECT_FALSE(RequestLog::Open({.dir = logs, .sample_rate = 1.5}).ok());
}

TEST(RequestLogTest, RotatesBySizeAndPublishesOnlyWholeFiles) {
  const fs::path logs = base::FreshDirForThisTest("request_log");
  data::RecordBatch rows = serving::testing::TestRows(3, /*seed=*/1);
  const std::vector<float> predictions = {0.25f, 0.5f, 0.75f};
  {
    auto log = RequestLog::Open({.dir = logs, .max_file_bytes = 1});
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 4; ++i) (*log)->Log("a/../b", 7, rows, predictions, 1);
    (*log)->Log("a/../b", 7, rows, predictions, 1);
    // Closed by the destructor: nothing stays in progress.
  }
  // A model name cannot reach outside the folder.
  const LogFiles files = ListLogFiles(logs / "a_.._b");
  EXPECT_EQ(files.published.size(), 5u);  // One file per request: each is over 1 byte.
  EXPECT_TRUE(files.other.empty());
  for (const fs::path& file : files.published) {
    absl::StatusOr<std::vector<std::string>> records = io::ReadAllRecords(file);
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_EQ(records->size(), 3u);
    absl::StatusOr<data::RecordBatch> row = io::DecodeExample((*records)[2]);
    ASSERT_TRUE(row.ok());
    EXPECT_EQ(row->FindColumn(io::kLoggedPrediction)->float_values()[0], 0.75f);
    EXPECT_EQ(Int(*row, io::kLoggedModelVersion), 7);
  }
}

TEST(RequestLogTest, RecoversWhatAKilledServerLeftInProgress) {
  const fs::path logs = base::FreshDirForThisTest("request_log");
  fs::create_directories(logs / "taxi");
  // A pid that is gone: a child that has exited and been reaped.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);
  const std::string name = "requests-20261207T000000.000000Z-" + base::HostTag() + "-" +
                           std::to_string(child) + "-0.tfrecord";
  std::string framed;
  for (const char* record : {"one", "two", "three"}) io::AppendFramedRecord(record, &framed);
  const size_t whole = framed.size();
  io::AppendFramedRecord("torn", &framed);
  framed.resize(framed.size() - 3);  // The last record cut short by the kill.
  ASSERT_TRUE(base::WriteFileAtomically(logs / "taxi" / ("." + name + ".inprogress"), framed).ok());
  // Another live process's file (this one's) is left alone.
  const std::string live = "requests-20261207T000000.000000Z-" + base::HostTag() + "-" +
                           std::to_string(getpid()) + "-9.tfrecord";
  ASSERT_TRUE(base::WriteFileAtomically(logs / "taxi" / ("." + live + ".inprogress"), "x").ok());

  auto log = RequestLog::Open({.dir = logs});
  ASSERT_TRUE(log.ok()) << log.status();
  const LogFiles files = ListLogFiles(logs / "taxi");
  ASSERT_EQ(files.published.size(), 1u);
  EXPECT_EQ(files.published[0].filename(), name);
  EXPECT_EQ(fs::file_size(files.published[0]), whole);
  EXPECT_EQ(io::ReadAllRecords(files.published[0])->size(), 3u);
  ASSERT_EQ(files.other.size(), 1u);
  EXPECT_EQ(files.other[0].filename(), "." + live + ".inprogress");
}

TEST_F(ModelServerTest, ServesOverHttp) {
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = *root_ / "base"});
  ASSERT_TRUE(server.ok());
  auto http = HttpServer::Start({.port = 0, .threads = 1}, [&](const HttpRequest& request) {
    return (*server)->Handle(request.method, request.path, request.body);
  });
  ASSERT_TRUE(http.ok()) << http.status();
  const std::string body = R"({"instances": [{"company": "Flash Cab", "fare": 9.5}]})";
  const std::string response = testing::RoundTrip(
      (*http)->port(), "POST /v1/models/taxi:predict HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK", 0), 0u) << response;
  EXPECT_NE(response.find("{\"predictions\":["), std::string::npos) << response;
  (*http)->Stop();
}

}  // namespace
}  // namespace weir::serving
