// The API's guards and errors, called as the HTTP server calls it. What the pages show is tested
// end to end in a browser (tests/browser).
#include "weir/web/api.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/strings.h"
#include "weir/base/test_dirs.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/web/testing/api_call.h"

namespace weir::web {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class WebApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = base::FreshDirForThisTest("weir_web_api");
    fs::create_directories(home_ / "pipelines");
    setenv("WEIR_HOME", home_.c_str(), 1);
    pipeline::RegisterBuiltins(registry_);
    std::ofstream(home_ / "pipelines" / "data.yaml")
        << "pipeline: data\nnodes:\n  CsvExampleGen:\n    component: CsvExampleGen\n"
           "    params: {input_base: "
        << (fs::path(WEIR_SOURCE_DIR) / "examples/taxi/data").string() << "}\n";
    std::ofstream(home_ / "pipelines" / "broken.yaml") << "pipeline: broken\nnodes: [\n";
  }
  void TearDown() override { fs::remove_all(home_); }

  serving::HttpResponse Call(WebApi& api, std::string_view method, std::string_view target,
                             std::string_view body = "",
                             std::map<std::string, std::string> headers = {}) {
    return CallApi(api, method, target, body, headers);
  }

  // Runs the data pipeline once, as run "r1".
  void RunDataPipeline() {
    auto spec = pipeline::LoadPipelineFile(home_ / "pipelines" / "data.yaml", registry_);
    ASSERT_TRUE(spec.ok()) << spec.status();
    auto store = orchestrator::OpenPipelineStore(*spec);
    ASSERT_TRUE(store.ok());
    auto result = orchestrator::RunPipeline(*spec, registry_, **store, "r1", nullptr);
    ASSERT_TRUE(result.ok() && result->ok());
  }

  std::string Csrf(WebApi& api, std::map<std::string, std::string> headers = {}) {
    return Json::parse(Call(api, "GET", "/api/session", "", headers).body)["csrf_token"];
  }

  fs::path home_;
  pipeline::ComponentRegistry registry_;
};

TEST_F(WebApiTest, ListsPipelinesAndBrokenFilesAndServesTheUi) {
  WebApi api(registry_, {});
  const serving::HttpResponse list = Call(api, "GET", "/api/pipelines");
  ASSERT_EQ(list.status, 200) << list.body;
  const Json body = Json::parse(list.body);
  ASSERT_EQ(body["pipelines"].size(), 1u);
  EXPECT_EQ(body["pipelines"][0]["name"], "data");
  EXPECT_TRUE(body["pipelines"][0]["paused"].get<bool>());
  ASSERT_EQ(body["broken"].size(), 1u);
  EXPECT_THAT(body["broken"][0]["file"].get<std::string>(), HasSubstr("broken.yaml"));

  const serving::HttpResponse page = Call(api, "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.content_type, HasSubstr("text/html"));
  EXPECT_THAT(Call(api, "GET", "/static/chart.min.js").content_type, HasSubstr("javascript"));
  EXPECT_EQ(Call(api, "GET", "/static/nothing.js").status, 404);
  const serving::HttpResponse svg = Call(api, "GET", "/api/pipelines/data/graph.svg");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_THAT(svg.body, HasSubstr("node-CsvExampleGen"));

  const serving::HttpResponse unknown = Call(api, "GET", "/api/pipelines/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(Json::parse(unknown.body)["error"].get<std::string>(), HasSubstr("nope"));
}

TEST_F(WebApiTest, StateChangesNeedTheCsrfToken) {
  WebApi api(registry_, {});
  EXPECT_EQ(Call(api, "POST", "/api/pipelines/data/unpause", "{}").status, 403);
  EXPECT_EQ(
      Call(api, "POST", "/api/pipelines/data/unpause", "{}", {{"X-Weir-CSRF", "guess"}}).status,
      403);
  const std::string token = Csrf(api);
  const serving::HttpResponse unpaused =
      Call(api, "POST", "/api/pipelines/data/unpause", "{}", {{"X-Weir-CSRF", token}});
  ASSERT_EQ(unpaused.status, 200) << unpaused.body;
  EXPECT_FALSE(Json::parse(unpaused.body)["paused"].get<bool>());

  const serving::HttpResponse bad_conf = Call(api, "POST", "/api/pipelines/data/trigger",
                                              R"({"conf": [1]})", {{"X-Weir-CSRF", token}});
  EXPECT_EQ(bad_conf.status, 400);
  const serving::HttpResponse triggered = Call(api, "POST", "/api/pipelines/data/trigger",
                                               R"({"conf": {"a": 1}})", {{"X-Weir-CSRF", token}});
  ASSERT_EQ(triggered.status, 200) << triggered.body;
  const std::string run_id = Json::parse(triggered.body)["run_id"];
  const serving::HttpResponse run = Call(api, "GET", StrCat("/api/runs/data/", run_id));
  ASSERT_EQ(run.status, 200) << run.body;
  const Json described = Json::parse(run.body);
  EXPECT_EQ(described["state"], "queued");
  EXPECT_EQ(described["conf"]["a"], 1);
  EXPECT_EQ(described["nodes"][0]["state"], "none");
  // Run ids arrive URL-encoded from the browser.
  std::string encoded = run_id;
  for (size_t at; (at = encoded.find(':')) != std::string::npos;) encoded.replace(at, 1, "%3A");
  EXPECT_EQ(Call(api, "GET", StrCat("/api/runs/data/", encoded)).status, 200);
}

TEST_F(WebApiTest, AnAuthTokenGuardsEveryRequest) {
  WebApi api(registry_, {.auth_token = "s3cret"});
  EXPECT_EQ(Call(api, "GET", "/api/pipelines").status, 401);
  EXPECT_EQ(Call(api, "GET", "/").status, 401);
  EXPECT_EQ(Call(api, "GET", "/api/pipelines", "", {{"Authorization", "Bearer wrong"}}).status,
            401);
  EXPECT_EQ(Call(api, "GET", "/api/pipelines", "", {{"Authorization", "Bearer s3cret"}}).status,
            200);
  EXPECT_EQ(Call(api, "GET", "/login?token=wrong").status, 401);
  const serving::HttpResponse login = Call(api, "GET", "/login?token=s3cret");
  EXPECT_EQ(login.status, 303);
  std::string cookie;
  for (const auto& [name, value] : login.headers) {
    if (name == "Set-Cookie") cookie = value;
  }
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  const std::string pair = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(Call(api, "GET", "/api/pipelines", "", {{"Cookie", pair}}).status, 200);
}

// The token cookie is read as a cookie, not found as a substring of the header.
TEST_F(WebApiTest, TheTokenCookieIsParsed) {
  WebApi api(registry_, {.auth_token = "s3cret"});
  for (const char* cookie :
       {"weir_token=s3cret", "a=1; weir_token=s3cret", "weir_token=s3cret; b=2"})
    EXPECT_EQ(Call(api, "GET", "/api/pipelines", "", {{"Cookie", cookie}}).status, 200) << cookie;
  for (const char* cookie : {"xyzweir_token=s3cret", "weir_token=s3cretextra", "weir_token=s3cre",
                             "a=weir_token=s3cret", "weir_token="})
    EXPECT_EQ(Call(api, "GET", "/api/pipelines", "", {{"Cookie", cookie}}).status, 401) << cookie;
}

// DNS rebinding, framing, type sniffing and cross-site requests are refused.
TEST_F(WebApiTest, RefusesOtherHostsOriginsAndFraming) {
  WebApi api(registry_, {.allowed_hosts = {"localhost", "127.0.0.1", "[::1]"}});
  for (const char* host : {"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080"})
    EXPECT_EQ(Call(api, "GET", "/api/pipelines", "", {{"Host", host}}).status, 200) << host;
  const serving::HttpResponse rebound =
      Call(api, "GET", "/api/session", "", {{"Host", "attacker.example:8080"}});
  EXPECT_EQ(rebound.status, 403);
  EXPECT_THAT(rebound.body, HasSubstr("attacker.example"));
  EXPECT_THAT(rebound.body, Not(HasSubstr("csrf_token")));

  const std::string token = Csrf(api);
  const std::map<std::string, std::string> same_site = {
      {"Host", "127.0.0.1:8080"}, {"Origin", "http://127.0.0.1:8080"}, {"X-Weir-CSRF", token}};
  EXPECT_EQ(Call(api, "POST", "/api/pipelines/data/pause", "{}", same_site).status, 200);
  std::map<std::string, std::string> cross_site = same_site;
  cross_site["Origin"] = "http://attacker.example";
  EXPECT_EQ(Call(api, "POST", "/api/pipelines/data/pause", "{}", cross_site).status, 403);

  const serving::HttpResponse page = Call(api, "GET", "/");
  std::map<std::string, std::string> headers(page.headers.begin(), page.headers.end());
  EXPECT_EQ(headers["X-Frame-Options"], "DENY");
  EXPECT_EQ(headers["X-Content-Type-Options"], "nosniff");
  EXPECT_THAT(headers["Content-Security-Policy"], HasSubstr("frame-ancestors 'none'"));
  // Errors carry them too.
  std::map<std::string, std::string> error_headers(rebound.headers.begin(), rebound.headers.end());
  EXPECT_EQ(error_headers["X-Frame-Options"], "DENY");
}

TEST_F(WebApiTest, ExamplesViewShowsSplitsAndSampleRows) {
  ASSERT_NO_FATAL_FAILURE(RunDataPipeline());
  WebApi api(registry_, {});
  const serving::HttpResponse view = Call(api, "GET", "/api/artifacts/1/view");
  ASSERT_EQ(view.status, 200) << view.body;
  const Json body = Json::parse(view.body);
  EXPECT_EQ(body["kind"], "examples");
  EXPECT_EQ(body["artifact"]["type"], "Examples");
  ASSERT_EQ(body["data"]["splits"].size(), 2u);
  EXPECT_EQ(body["data"]["splits"][0]["name"], "eval");
  EXPECT_GT(body["data"]["splits"][1]["bytes"].get<int64_t>(), 0);
  // The first train examples, feature by feature (as data.csv's columns).
  ASSERT_EQ(body["data"]["sample"].size(), 20u);
  const Json& first = body["data"]["sample"][0];
  EXPECT_TRUE(first["company"].is_string() || first["company"].is_null());
  EXPECT_TRUE(first["trip_miles"].is_number());
  EXPECT_TRUE(first.contains("pickup_census_tract"));

  const serving::HttpResponse run = Call(api, "GET", "/api/runs/data/r1");
  ASSERT_EQ(run.status, 200) << run.body;
  const Json described = Json::parse(run.body);
  EXPECT_EQ(described["state"], "success");
  EXPECT_EQ(described["nodes"][0]["outputs"][0]["artifact_id"], 1);
  const Json log = Json::parse(Call(api, "GET", "/api/runs/data/r1/nodes/CsvExampleGen/log").body);
  EXPECT_THAT(log["text"].get<std::string>(), HasSubstr("output examples"));
  EXPECT_TRUE(log["complete"].get<bool>());
}

// Bad query values and bodies get a JSON 400 saying what is wrong (they used to close the
// connection: an exception, or a stack overflow on a body nested 100k levels deep).
TEST_F(WebApiTest, BadParametersAndBodiesAre400s) {
  ASSERT_NO_FATAL_FAILURE(RunDataPipeline());
  WebApi api(registry_, {});
  const std::string token = Csrf(api);
  auto expect_400 = [&](std::string_view method, std::string_view target, std::string_view body,
                        std::string_view says) {
    const serving::HttpResponse response =
        Call(api, method, target, body, {{"X-Weir-CSRF", token}});
    EXPECT_EQ(response.status, 400) << target << " " << response.body.substr(0, 200);
    const Json error = Json::parse(response.body, nullptr, false);
    ASSERT_TRUE(error.is_object()) << response.body.substr(0, 200);
    EXPECT_THAT(error.value("error", ""), HasSubstr(says)) << target;
  };
  const std::string log = "/api/runs/data/r1/nodes/CsvExampleGen/log";
  expect_400("GET", log + "?try=abc", "", "query parameter 'try' is a count, not 'abc'");
  expect_400("GET", log + "?offset=abc", "", "'offset' is a count");
  expect_400("GET", log + "?offset=99999999999999999999", "", "'offset' is a count");
  expect_400("GET", log + "?offset=-1", "", "'offset' is a count");
  expect_400("GET", "/api/runs?limit=x", "", "'limit' is a count");
  EXPECT_EQ(Call(api, "GET", log + "?offset=3").status, 200);
  const std::string clear = "/api/runs/data/r1/nodes/CsvExampleGen/clear";
  expect_400("POST", clear, R"({"downstream": "x"})", "\"downstream\" is true or false");
  expect_400("POST", clear, "[1]", "the body must be a JSON object");
  expect_400("POST", clear, "{", "the body is not JSON");
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  expect_400("POST", "/api/pipelines/data/trigger", R"({"conf": )" + deep + "}",
             "the body nests deeper than 64 levels");
  expect_400("POST", clear, deep, "nests deeper");
}

TEST_F(WebApiTest, StatisticsOfASpanCompareWithAnotherSpans) {
  // Two spans of a small CSV (span 2 twice as long), described by one StatisticsGen node.
  for (int span : {1, 2}) {
    fs::create_directories(home_ / "spans" / StrCat("span-", span));
    std::ofstream csv(home_ / "spans" / StrCat("span-", span) / "data.csv");
    csv << "fare,company\n";
    for (int row = 0; row < 40 * span; ++row) csv << row * 0.5 << ",Cab " << row % 3 << "\n";
  }
  // Runs the pipeline reading `span_param` (", span: N", or "" for the latest span).
  auto run = [&](const std::string& run_id, const std::string& span_param) {
    std::ofstream(home_ / "pipelines" / "spans.yaml")
        << "pipeline: spans\nnodes:\n  Gen:\n    component: CsvExampleGen\n"
           "    params: {input_base: "
        << (home_ / "spans").string() << ", input_pattern: \"span-{SPAN}/*.csv\"" << span_param
        << "}\n  Stats:\n    component: StatisticsGen\n    inputs: {examples: Gen.examples}\n";
    auto spec = pipeline::LoadPipelineFile(home_ / "pipelines" / "spans.yaml", registry_);
    ASSERT_TRUE(spec.ok()) << spec.status();
    auto store = orchestrator::OpenPipelineStore(*spec);
    ASSERT_TRUE(store.ok());
    auto result = orchestrator::RunPipeline(*spec, registry_, **store, run_id, nullptr);
    ASSERT_TRUE(result.ok() && result->ok());
  };
  ASSERT_NO_FATAL_FAILURE(run("s1", ", span: 1"));
  ASSERT_NO_FATAL_FAILURE(run("s2", ""));
  WebApi api(registry_, {});
  // Artifacts 1 and 2: span 1's examples and statistics; 3 and 4: span 2's.
  const Json view = Json::parse(Call(api, "GET", "/api/artifacts/4/view").body);
  EXPECT_EQ(view["data"]["span"], 2);
  EXPECT_EQ(view["data"]["spans"], Json::parse(R"([{"span": 1, "artifact_id": 2},
                                                    {"span": 2, "artifact_id": 4}])"));
  const serving::HttpResponse compared =
      Call(api, "GET", "/api/artifacts/4/view?split=train&compare_artifact=2");
  ASSERT_EQ(compared.status, 200) << compared.body;
  const Json pair = Json::parse(compared.body)["data"]["comparisons"][0];
  EXPECT_EQ(pair["left"]["name"], "train");
  EXPECT_EQ(pair["right"]["name"], "train");
  const int64_t left = pair["left"]["num_examples"], right = pair["right"]["num_examples"];
  EXPECT_GT(left, right);  // Span 2 has twice the rows.
  EXPECT_GT(right, 0);
  // Another split of the other span's, and refusals.
  EXPECT_EQ(
      Call(api, "GET", "/api/artifacts/4/view?split=train&compare_artifact=2&compare=eval").status,
      200);
  EXPECT_EQ(Call(api, "GET", "/api/artifacts/4/view?split=train&compare_artifact=x").status, 400);
  const serving::HttpResponse examples =
      Call(api, "GET", "/api/artifacts/4/view?split=train&compare_artifact=1");
  EXPECT_EQ(examples.status, 400);
  EXPECT_THAT(examples.body, HasSubstr("is Examples, not ExampleStatistics"));
}

TEST_F(WebApiTest, ArtifactViewsStayInsideTheArtifactRoots) {
  auto store = metadata::MetadataStore::OpenSqlite(home_ / "metadata.db");
  ASSERT_TRUE(store.ok());
  auto type = (*store)->PutArtifactType("Schema", {});
  ASSERT_TRUE(type.ok());
  metadata::Artifact outside{
      .type_id = *type, .uri = "/etc", .state = metadata::Artifact::State::kLive};
  ASSERT_TRUE((*store)->PutArtifact(outside).ok());
  metadata::Artifact escaping{.type_id = *type,
                              .uri = (home_ / "artifacts" / ".." / ".." / "etc").string(),
                              .state = metadata::Artifact::State::kLive};
  ASSERT_TRUE((*store)->PutArtifact(escaping).ok());
  WebApi api(registry_, {});
  for (int64_t id : {outside.id, escaping.id}) {
    const serving::HttpResponse view = Call(api, "GET", StrCat("/api/artifacts/", id, "/view"));
    EXPECT_EQ(view.status, 403) << view.body;
    EXPECT_THAT(view.body, HasSubstr("outside the artifact roots"));
  }
  EXPECT_EQ(Call(api, "GET", "/api/artifacts/999/view").status, 404);
  EXPECT_EQ(Call(api, "GET", "/api/artifacts/abc").status, 400);
}

}  // namespace
}  // namespace weir::web
