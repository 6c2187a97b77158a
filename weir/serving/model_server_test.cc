#include "weir/serving/model_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "weir/base/files.h"
#include "weir/base/test_dirs.h"
#include "weir/model/serving_model.h"
#include "weir/serving/batcher.h"
#include "weir/serving/http_server.h"
#include "weir/serving/testing/test_model.h"

namespace weir::serving {
namespace {
namespace fs = std::filesystem;
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

  const std::string metrics = s.Handle("GET", "/monitoring/prometheus/metrics", "").body;
  EXPECT_NE(metrics.find("weir_serving_requests_total{model=\"taxi\",code=\"error\"} "),
            std::string::npos);
  EXPECT_NE(metrics.find("weir_serving_loaded_versions{model=\"taxi\"} 1"), std::string::npos);
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

// One HTTP round trip on 127.0.0.1, to check the wiring.
TEST_F(ModelServerTest, ServesOverHttp) {
  auto server = ModelServer::Start({.model_name = "taxi", .model_base_path = *root_ / "base"});
  ASSERT_TRUE(server.ok());
  auto http = HttpServer::Start({.port = 0, .threads = 1}, [&](const HttpRequest& request) {
    return (*server)->Handle(request.method, request.path, request.body);
  });
  ASSERT_TRUE(http.ok()) << http.status();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons((*http)->port());
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string body = R"({"instances": [{"company": "Flash Cab", "fare": 9.5}]})";
  const std::string request =
      "POST /v1/models/taxi:predict HTTP/1.1\r\nHost: x\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
  close(fd);
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK", 0), 0u) << response;
  EXPECT_NE(response.find("{\"predictions\":["), std::string::npos) << response;
  (*http)->Stop();
}

}  // namespace
}  // namespace weir::serving
