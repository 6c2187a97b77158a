
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/test_dirs.h"
#include "weir/cli/command.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/views/artifact_view.h"
#include "weir/views/runs.h"

namespace weir::cli {

// Declared in command.h once the weir binary has these commands; repeated here so that the test
// does not depend on that.
void AddMetadataCommands(CLI::App& app, int& exit_code);

// main.cc defines this for the weir binary; the commands under test report through it.
int ReportError(std::string_view command, const absl::Status& status) {
  std::cerr << "weir " << command << ": error: " << status.message() << "\n";
  return 1;
}

namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::ordered_json;
using metadata::Artifact;
using metadata::Context;
using metadata::Event;
using metadata::Execution;
using metadata::MetadataStore;

fs::path TestFolder(const std::string& name) {
  return base::FreshTestDir("weir_metadata_view_" + name);
}

// Times and durations differ from run to run: tables are rendered from views with fixed ones.
Json FixedTimes(Json view) {
  if (view.is_object()) {
    for (auto& [key, value] : view.items()) {
      if ((key == "started" || key == "created" || key == "updated") && value.is_string()) {
        value = "2026-01-02T03:04:05.678Z";
      } else if (key == "duration_ms" && value.is_number()) {
        value = 1234;
      } else {
        value = FixedTimes(value);
      }
    }
  } else if (view.is_array()) {
    for (Json& element : view) element = FixedTimes(element);
  }
  return view;
}

// A store holding what the runner records (weir/orchestrator/local_runner.cc) for two runs of a
// pipeline "p" (gen -> stats -> schema, validator reading stats and schema):
//   run r1: gen (execution 1) writes examples (artifact 1), stats (2) statistics (2), schema (3)
//           schema (3), validator (4) anomalies (4);
//   run r2: gen (5) is cached from execution 1 and outputs artifact 1 again; stats (6) fails,
//           its output (artifact 5) abandoned.
// and a pipeline "q" with a run also named r1 (gen, execution 7, writes artifact 6).
// Runs `weir ARGS...` with the metadata commands; returns the exit code, sets `out` and `err`.
int RunWeir(std::vector<std::string> args, std::string& out_text, std::string& err_text) {
  CLI::App app{"weir"};
  app.require_subcommand(1);
  int exit_code = 0;
  AddMetadataCommands(app, exit_code);
  args.insert(args.begin(), "weir");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  out_text = out.str();
  err_text = err.str();
  return exit_code;
}

class MetadataViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = TestFolder(::testing::UnitTest::GetInstance()->current_test_info()->name());
    db_ = folder_ / "metadata.db";
    auto store = MetadataStore::OpenSqlite(db_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);

    const int64_t r1 = Run("p", "r1");
    const int64_t gen = Node("CsvExampleGen", "p", "r1", "gen", Execution::State::kComplete, {},
                             {{"examples", "Examples"}}, r1);
    Artifact examples = Get(gen_examples_ = outputs_.at("gen/examples"));
    examples.custom_properties = {{"split_names", "[\"train\", \"eval\"]"}, {"span", int64_t{0}}};
    ASSERT_TRUE(store_->PutArtifact(examples).ok());
    Node("StatisticsGen", "p", "r1", "stats", Execution::State::kComplete,
         {{"examples", gen_examples_}}, {{"statistics", "ExampleStatistics"}}, r1);
    Node("SchemaGen", "p", "r1", "schema", Execution::State::kComplete,
         {{"statistics", outputs_.at("stats/statistics")}}, {{"schema", "Schema"}}, r1);
    Node(
        "ExampleValidator", "p", "r1", "validator", Execution::State::kComplete,
        {{"statistics", outputs_.at("stats/statistics")}, {"schema", outputs_.at("schema/schema")}},
        {{"anomalies", "ExampleAnomalies"}}, r1);

    const int64_t r2 = Run("p", "r2");
    Execution cached{.type_id = *store_->PutExecutionType("CsvExampleGen", {}),
                     .last_known_state = Execution::State::kCached};
    cached.custom_properties = {
        {"cache_key", "k"}, {"run_id", "r2"}, {"node_id", "gen"}, {"cached_from_execution", gen}};
    ASSERT_TRUE(store_->PutExecution(cached).ok());
    ASSERT_TRUE(store_->PutAssociation(r2, cached.id).ok());
    ASSERT_TRUE(store_->PutAssociation(NodeContext("p", "gen"), cached.id).ok());
    ASSERT_TRUE(store_
                    ->PutEvents({{.artifact_id = gen_examples_,
                                  .execution_id = cached.id,
                                  .type = Event::Type::kOutput,
                                  .path = {std::string("examples"), int64_t{0}}}})
                    .ok());
    ASSERT_TRUE(store_->PutAttribution(r2, gen_examples_).ok());
    Node("StatisticsGen", "p", "r2", "stats", Execution::State::kFailed,
         {{"examples", gen_examples_}}, {{"statistics", "ExampleStatistics"}}, r2,
         "cannot read Split-train\nsecond line");

    const int64_t q1 = Run("q", "r1");
    Node("CsvExampleGen", "q", "r1", "gen", Execution::State::kComplete, {},
         {{"examples", "Examples"}}, q1);
  }

  void TearDown() override {
    store_.reset();
    fs::remove_all(folder_);
  }

  int64_t ContextOf(const std::string& type, const std::string& name) {
    auto found = store_->GetContextByTypeAndName(type, name);
    if (found.ok()) return found->id;
    Context context{.type_id = *store_->PutContextType(type, {}), .name = name};
    EXPECT_TRUE(store_->PutContext(context).ok());
    return context.id;
  }
  int64_t Run(const std::string& pipeline, const std::string& run_id) {
    const int64_t run = ContextOf("pipeline_run", pipeline + "." + run_id);
    EXPECT_TRUE(store_->PutParentContext(ContextOf("pipeline", pipeline), run).ok());
    return run;
  }
  int64_t NodeContext(const std::string& pipeline, const std::string& node) {
    return ContextOf("node", pipeline + "." + node);
  }
  Artifact Get(int64_t id) { return *store_->GetArtifact(id); }

  // An execution as the runner records it: RUNNING with PENDING outputs and INPUT events, then
  // COMPLETE with LIVE outputs and OUTPUT events, or FAILED with ABANDONED outputs and an error.
  // Output ids go to outputs_["<node>/<output>"].
  int64_t Node(const std::string& component, const std::string& pipeline, const std::string& run_id,
               const std::string& node, Execution::State state,
               const std::vector<std::pair<std::string, int64_t>>& inputs,
               const std::vector<std::pair<std::string, std::string>>& outputs, int64_t run,
               const std::string& error = "") {
    Execution execution{.type_id = *store_->PutExecutionType(component, {}),
                        .last_known_state = Execution::State::kRunning};
    execution.custom_properties = {
        {"cache_key", "key-" + node}, {"run_id", run_id}, {"node_id", node}};
    EXPECT_TRUE(store_->PutExecution(execution).ok());
    const int64_t node_context = NodeContext(pipeline, node);
    EXPECT_TRUE(store_->PutAssociation(node_context, execution.id).ok());
    EXPECT_TRUE(store_->PutAssociation(run, execution.id).ok());
    std::vector<Event> events;
    for (const auto& [name, id] : inputs) {
      events.push_back({.artifact_id = id,
                        .execution_id = execution.id,
                        .type = Event::Type::kInput,
                        .path = {name, int64_t{0}}});
    }
    EXPECT_TRUE(store_->PutEvents(events).ok());
    events.clear();
    const bool ok = state == Execution::State::kComplete;
    for (const auto& [name, type] : outputs) {
      Artifact artifact{.type_id = *store_->PutArtifactType(type, {}),
                        .uri = "/root/" + node + "/" + name + "/" + std::to_string(execution.id),
                        .state = Artifact::State::kPending};
      EXPECT_TRUE(store_->PutArtifact(artifact).ok());
      artifact.state = ok ? Artifact::State::kLive : Artifact::State::kAbandoned;
      EXPECT_TRUE(store_->PutArtifact(artifact).ok());
      outputs_[node + "/" + name] = artifact.id;
      if (!ok) continue;
      events.push_back({.artifact_id = artifact.id,
                        .execution_id = execution.id,
                        .type = Event::Type::kOutput,
                        .path = {name, int64_t{0}}});
      EXPECT_TRUE(store_->PutAttribution(run, artifact.id).ok());
      EXPECT_TRUE(store_->PutAttribution(node_context, artifact.id).ok());
    }
    execution.last_known_state = state;
    if (!error.empty()) execution.custom_properties["error"] = error;
    EXPECT_TRUE(store_->PutExecution(execution).ok());
    EXPECT_TRUE(store_->PutEvents(events).ok());
    return execution.id;
  }

  // Runs `weir ARGS...` with the metadata commands; returns the exit code, sets out_ and err_.
  int Weir(std::vector<std::string> args) { return RunWeir(std::move(args), out_, err_); }

  fs::path folder_;
  fs::path db_;
  std::unique_ptr<MetadataStore> store_;
  std::map<std::string, int64_t> outputs_;
  int64_t gen_examples_ = 0;
  std::string out_, err_;
};

TEST(FormatUtcTimeTest, IsoUtcWithMilliseconds) {
  EXPECT_EQ(views::FormatUtcTime(1764155700123), "2025-11-26T11:15:00.123Z");
  EXPECT_EQ(views::FormatUtcTime(1000), "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(views::FormatUtcTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(views::FormatUtcTime(0), "");  // ML Metadata's "not recorded".
}

TEST(OpenExistingStoreTest, SaysToRunAPipelineAndCreatesNothing) {
  fs::path folder = TestFolder("open");
  auto store = views::OpenExistingStore(folder / "nothing" / "metadata.db");
  EXPECT_TRUE(absl::IsNotFound(store.status())) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr((folder / "nothing" / "metadata.db").string()));
  EXPECT_THAT(store.status().message(), HasSubstr("run a pipeline first"));
  EXPECT_FALSE(fs::exists(folder / "nothing"));
  EXPECT_TRUE(absl::IsInvalidArgument(views::OpenExistingStore(folder).status()));
  fs::remove_all(folder);
}

TEST_F(MetadataViewTest, RunsNewestFirstWithTheirState) {
  auto runs = views::ListRuns(*store_, "");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ((*runs)["runs"].size(), 3u);
  const Json& q1 = (*runs)["runs"][0];
  const Json& r2 = (*runs)["runs"][1];
  const Json& r1 = (*runs)["runs"][2];
  EXPECT_EQ(q1["pipeline"], "q");
  EXPECT_EQ(r2["run_id"], "r2");
  EXPECT_EQ(r2["pipeline"], "p");
  EXPECT_EQ(r2["state"], "failed");
  EXPECT_EQ(r2["nodes"], 2);
  EXPECT_EQ(r2["cached"], 1);
  EXPECT_EQ(r2["failed"], 1);
  EXPECT_EQ(r1["run_id"], "r1");
  EXPECT_EQ(r1["state"], "success");
  EXPECT_EQ(r1["nodes"], 4);
  EXPECT_EQ(r1["cached"], 0);
  EXPECT_TRUE(r1["duration_ms"].is_number());
  EXPECT_TRUE(std::regex_match(r1["started"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  std::vector<std::string> keys;
  for (const auto& [key, value] : r1.items()) keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("run_id", "pipeline", "started", "state", "trigger", "nodes",
                                "executions", "cached", "failed", "duration_ms"));

  auto only_p = views::ListRuns(*store_, "p");
  ASSERT_TRUE(only_p.ok()) << only_p.status();
  EXPECT_EQ((*only_p)["runs"].size(), 2u);
  EXPECT_TRUE(views::ListRuns(*store_, "nope")->at("runs").empty());

  EXPECT_EQ(views::RenderRuns(FixedTimes(*only_p)),
            "run_id  pipeline  started               state    nodes  cached  failed  duration\n"
            "──────  ────────  ────────────────────  ───────  ─────  ──────  ──────  ────────\n"
            "r2      p         2026-01-02T03:04:05Z  failed       2       1       1     1.2 s\n"
            "r1      p         2026-01-02T03:04:05Z  success      4       0       0     1.2 s\n");
  EXPECT_EQ(views::RenderRuns(Json{{"runs", Json::array()}}), "No runs recorded.\n");
}

TEST_F(MetadataViewTest, ANodeRunAgainInItsRunCountsByItsLatestExecution) {
  // As `weir run-node` does after a failure: the failed stats of r2 again, this time complete.
  const int64_t r2 = Run("p", "r2");
  Node("StatisticsGen", "p", "r2", "stats", Execution::State::kComplete,
       {{"examples", gen_examples_}}, {{"statistics", "ExampleStatistics"}}, r2);
  auto runs = views::ListRuns(*store_, "p");
  ASSERT_TRUE(runs.ok()) << runs.status();
  const Json& run = (*runs)["runs"][0];
  EXPECT_EQ(run["run_id"], "r2");
  EXPECT_EQ(run["state"], "success");
  EXPECT_EQ(run["nodes"], 2);
  EXPECT_EQ(run["executions"], 3);
  EXPECT_EQ(run["cached"], 1);
  EXPECT_EQ(run["failed"], 0);
}

TEST_F(MetadataViewTest, ARunWithoutEndedExecutionsIsRunning) {
  const int64_t r3 = Run("p", "r3");
  auto runs = views::ListRuns(*store_, "p");
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ((*runs)["runs"][0]["run_id"], "r3");
  EXPECT_EQ((*runs)["runs"][0]["state"], "running");
  EXPECT_TRUE((*runs)["runs"][0]["duration_ms"].is_null());
  Execution running{.type_id = *store_->PutExecutionType("CsvExampleGen", {}),
                    .last_known_state = Execution::State::kRunning};
  ASSERT_TRUE(store_->PutExecution(running).ok());
  ASSERT_TRUE(store_->PutAssociation(r3, running.id).ok());
  EXPECT_EQ(views::ListRuns(*store_, "p").value()["runs"][0]["state"], "running");
  EXPECT_EQ(views::ListRuns(*store_, "p").value()["runs"][0]["nodes"], 1);
}

TEST_F(MetadataViewTest, ExecutionsOfEveryRunOrOne) {
  auto all = views::ListExecutions(*store_, "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ((*all)["executions"].size(), 7u);
  const Json& gen = (*all)["executions"][0];
  EXPECT_EQ(gen["id"], 1);
  EXPECT_EQ(gen["pipeline"], "p");
  EXPECT_EQ(gen["run_id"], "r1");
  EXPECT_EQ(gen["node"], "gen");
  EXPECT_EQ(gen["component"], "CsvExampleGen");
  EXPECT_EQ(gen["state"], "complete");
  EXPECT_TRUE(gen["started"].is_string());
  EXPECT_TRUE(gen["duration_ms"].is_number());
  EXPECT_TRUE(gen["error"].is_null());
  EXPECT_TRUE(gen["cached_from_execution"].is_null());
  EXPECT_EQ(gen["properties"]["cache_key"], "key-gen");

  auto r2 = views::ListExecutions(*store_, "r2");
  ASSERT_TRUE(r2.ok()) << r2.status();
  ASSERT_EQ((*r2)["executions"].size(), 2u);
  EXPECT_EQ((*r2)["executions"][0]["state"], "cached");
  EXPECT_EQ((*r2)["executions"][0]["cached_from_execution"], 1);
  EXPECT_EQ((*r2)["executions"][1]["state"], "failed");
  EXPECT_EQ((*r2)["executions"][1]["error"], "cannot read Split-train\nsecond line");
  EXPECT_EQ(views::RenderExecutions(FixedTimes(*r2)),
            "id  pipeline  run_id  node                   state            started               "
            "duration  error\n"
            "──  ────────  ──────  ─────────────────────  ───────────────  ────────────────────  "
            "────────  ────────────────────────\n"
            " 5  p         r2      gen [CsvExampleGen]    cached (from 1)  2026-01-02T03:04:05Z  "
            "   1.2 s\n"
            " 6  p         r2      stats [StatisticsGen]  failed           2026-01-02T03:04:05Z  "
            "   1.2 s  cannot read Split-train…\n");

  // A run id two pipelines use must be named with its pipeline.
  auto ambiguous = views::ListExecutions(*store_, "r1");
  EXPECT_TRUE(absl::IsInvalidArgument(ambiguous.status())) << ambiguous.status();
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("p.r1, q.r1"));
  auto q1 = views::ListExecutions(*store_, "q.r1");
  ASSERT_TRUE(q1.ok()) << q1.status();
  ASSERT_EQ((*q1)["executions"].size(), 1u);
  EXPECT_EQ((*q1)["executions"][0]["pipeline"], "q");
  auto unknown = views::ListExecutions(*store_, "r9");
  EXPECT_TRUE(absl::IsNotFound(unknown.status())) << unknown.status();
  EXPECT_THAT(unknown.status().message(), HasSubstr("weir runs"));
}

TEST_F(MetadataViewTest, ArtifactsWithTheirProducerFilteredByTypeAndRun) {
  auto all = views::ListArtifacts(*store_, "", "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ((*all)["artifacts"].size(), 6u);
  const Json& examples = (*all)["artifacts"][0];
  std::vector<std::string> keys;
  for (const auto& [key, value] : examples.items()) keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("id", "type", "uri", "state", "properties", "created",
                                "producer_execution", "pipeline", "run_id", "node"));
  EXPECT_EQ(examples["type"], "Examples");
  EXPECT_EQ(examples["uri"], "/root/gen/examples/1");
  EXPECT_EQ(examples["state"], "live");
  EXPECT_EQ(examples["properties"], (Json{{"span", 0}, {"split_names", "[\"train\", \"eval\"]"}}));
  EXPECT_EQ(examples["producer_execution"], 1);
  EXPECT_EQ(examples["run_id"], "r1");
  EXPECT_EQ(examples["node"], "gen");
  const Json& abandoned = (*all)["artifacts"][4];
  EXPECT_EQ(abandoned["state"], "abandoned");
  EXPECT_TRUE(abandoned["producer_execution"].is_null());

  // r2 took the examples from the cache: they are listed, with the run that produced them.
  auto r2 = views::ListArtifacts(*store_, "", "r2");
  ASSERT_TRUE(r2.ok()) << r2.status();
  ASSERT_EQ((*r2)["artifacts"].size(), 1u);
  EXPECT_EQ((*r2)["artifacts"][0]["id"], gen_examples_);
  EXPECT_EQ((*r2)["artifacts"][0]["run_id"], "r1");

  auto examples_only = views::ListArtifacts(*store_, "Examples", "");
  ASSERT_TRUE(examples_only.ok()) << examples_only.status();
  EXPECT_EQ((*examples_only)["artifacts"].size(), 2u);
  auto schema_of_q = views::ListArtifacts(*store_, "Schema", "q.r1");
  ASSERT_TRUE(schema_of_q.ok()) << schema_of_q.status();
  EXPECT_TRUE((*schema_of_q)["artifacts"].empty());
  EXPECT_EQ(views::RenderArtifacts(*schema_of_q), "No artifacts recorded.\n");
  auto typo = views::ListArtifacts(*store_, "Exampels", "");
  EXPECT_TRUE(absl::IsInvalidArgument(typo.status())) << typo.status();
  EXPECT_THAT(
      typo.status().message(),
      HasSubstr("its artifact types are ExampleAnomalies, ExampleStatistics, Examples, Schema"));

  EXPECT_EQ(views::RenderArtifacts(FixedTimes(*examples_only)),
            "id  type      state  run_id  node  created               uri\n"
            "──  ────────  ─────  ──────  ────  ────────────────────  ────────────────────\n"
            " 1  Examples  live   r1      gen   2026-01-02T03:04:05Z  /root/gen/examples/1\n"
            " 6  Examples  live   r1      gen   2026-01-02T03:04:05Z  /root/gen/examples/7\n");
}

TEST_F(MetadataViewTest, ShowsOneArtifactWithProducerReusesAndConsumers) {
  auto shown = views::DescribeArtifact(*store_, gen_examples_);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ((*shown)["id"], gen_examples_);
  EXPECT_EQ((*shown)["type"], "Examples");
  EXPECT_TRUE((*shown)["name"].is_null());
  EXPECT_EQ((*shown)["declared_properties"], Json::object());
  EXPECT_EQ((*shown)["producer"], (Json{{"execution_id", 1},
                                        {"pipeline", "p"},
                                        {"run_id", "r1"},
                                        {"node", "gen"},
                                        {"component", "CsvExampleGen"},
                                        {"state", "complete"},
                                        {"output", "examples"}}));
  ASSERT_EQ((*shown)["reused_by"].size(), 1u);
  EXPECT_EQ((*shown)["reused_by"][0]["execution_id"], 5);
  EXPECT_EQ((*shown)["reused_by"][0]["state"], "cached");
  ASSERT_EQ((*shown)["consumers"].size(), 2u);
  EXPECT_EQ((*shown)["consumers"][0]["node"], "stats");
  EXPECT_EQ((*shown)["consumers"][0]["input"], "examples");
  EXPECT_EQ((*shown)["consumers"][1]["state"], "failed");
  EXPECT_EQ((*shown)["contexts"], (Json::array({{{"type", "pipeline_run"}, {"name", "p.r1"}},
                                                {{"type", "node"}, {"name", "p.gen"}},
                                                {{"type", "pipeline_run"}, {"name", "p.r2"}}})));

  EXPECT_EQ(views::RenderArtifact(FixedTimes(*shown)),
            "Artifact 1\n"
            "  type         Examples\n"
            "  uri          /root/gen/examples/1\n"
            "  state        live\n"
            "  created      2026-01-02T03:04:05.678Z\n"
            "  updated      2026-01-02T03:04:05.678Z\n"
            "  properties   span = 0\n"
            "               split_names = [\"train\", \"eval\"]\n"
            "  produced by  execution 1 gen [CsvExampleGen] (output examples, run r1, complete)\n"
            "  reused by    execution 5 gen [CsvExampleGen] (output examples, run r2, cached)\n"
            "  consumed by  execution 2 stats [StatisticsGen] (input examples, run r1, complete)\n"
            "               execution 6 stats [StatisticsGen] (input examples, run r2, failed)\n"
            "  contexts     pipeline_run p.r1\n"
            "               node p.gen\n"
            "               pipeline_run p.r2\n");

  auto unknown = views::DescribeArtifact(*store_, 99);
  EXPECT_TRUE(absl::IsNotFound(unknown.status())) << unknown.status();
  EXPECT_THAT(unknown.status().message(), HasSubstr("no artifact with id 99"));
}

TEST_F(MetadataViewTest, LineageUpstreamAndDownstream) {
  const int64_t anomalies = outputs_.at("validator/anomalies");
  auto lineage = views::Lineage(*store_, anomalies);
  ASSERT_TRUE(lineage.ok()) << lineage.status();
  const Json& up = (*lineage)["upstream"];
  EXPECT_EQ(up["node"], "validator");
  ASSERT_EQ(up["inputs"].size(), 2u);
  EXPECT_EQ(up["inputs"][0]["input"], "statistics");
  EXPECT_EQ(up["inputs"][0]["produced_by"]["node"], "stats");
  EXPECT_EQ(up["inputs"][0]["produced_by"]["inputs"][0]["produced_by"]["node"], "gen");
  // The schema's statistics were expanded above.
  const Json& schema_statistics = up["inputs"][1]["produced_by"]["inputs"][0];
  EXPECT_EQ(schema_statistics["repeated"], true);
  EXPECT_FALSE(schema_statistics.contains("produced_by"));
  EXPECT_TRUE((*lineage)["downstream"].empty());
  EXPECT_EQ(views::RenderLineage(FixedTimes(*lineage)),
            "artifact 4 ExampleAnomalies (live) /root/validator/anomalies/4\n"
            "\n"
            "Upstream (what it was made from):\n"
            "└─ execution 4 validator [ExampleValidator] (run r1, complete)\n"
            "   ├─ statistics: artifact 2 ExampleStatistics (live) /root/stats/statistics/2\n"
            "   │  └─ execution 2 stats [StatisticsGen] (run r1, complete)\n"
            "   │     └─ examples: artifact 1 Examples (live) /root/gen/examples/1\n"
            "   │        └─ execution 1 gen [CsvExampleGen] (run r1, complete)\n"
            "   └─ schema: artifact 3 Schema (live) /root/schema/schema/3\n"
            "      └─ execution 3 schema [SchemaGen] (run r1, complete)\n"
            "         └─ statistics: artifact 2 ExampleStatistics (live) "
            "/root/stats/statistics/2 (shown above)\n"
            "\n"
            "Downstream (what was made from it):\n"
            "   (no execution has read it yet)\n");

  auto from_examples = views::Lineage(*store_, gen_examples_);
  ASSERT_TRUE(from_examples.ok()) << from_examples.status();
  EXPECT_EQ((*from_examples)["upstream"]["node"], "gen");
  EXPECT_EQ((*from_examples)["upstream"]["inputs"], Json::array());
  EXPECT_EQ(views::RenderLineage(FixedTimes(*from_examples)),
            "artifact 1 Examples (live) /root/gen/examples/1\n"
            "\n"
            "Upstream (what it was made from):\n"
            "└─ execution 1 gen [CsvExampleGen] (run r1, complete)\n"
            "\n"
            "Downstream (what was made from it):\n"
            "├─ execution 2 stats [StatisticsGen] (input examples, run r1, complete)\n"
            "│  └─ statistics: artifact 2 ExampleStatistics (live) /root/stats/statistics/2\n"
            "│     ├─ execution 3 schema [SchemaGen] (input statistics, run r1, complete)\n"
            "│     │  └─ schema: artifact 3 Schema (live) /root/schema/schema/3\n"
            "│     │     └─ execution 4 validator [ExampleValidator] (input schema, run r1, "
            "complete)\n"
            "│     │        └─ anomalies: artifact 4 ExampleAnomalies (live) "
            "/root/validator/anomalies/4\n"
            "│     └─ execution 4 validator [ExampleValidator] (input statistics, run r1, "
            "complete) (shown above)\n"
            "└─ execution 6 stats [StatisticsGen] (input examples, run r2, failed)\n");
  const Json& validator = (*from_examples)["downstream"][0]["outputs"][0]["consumed_by"][1];
  EXPECT_EQ(validator["input"], "statistics");
  EXPECT_EQ(validator["repeated"], true);
  EXPECT_EQ((*from_examples)["downstream"][1]["outputs"], Json::array());

  // One execution each way: what lies beyond is marked, not expanded.
  auto shallow = views::Lineage(*store_, outputs_.at("schema/schema"), 1);
  ASSERT_TRUE(shallow.ok()) << shallow.status();
  const Json& statistics = (*shallow)["upstream"]["inputs"][0];
  EXPECT_EQ(statistics["truncated"], true);
  EXPECT_FALSE(statistics.contains("produced_by"));
  const Json& anomalies_below = (*shallow)["downstream"][0]["outputs"][0];
  EXPECT_EQ(anomalies_below["id"], anomalies);
  EXPECT_EQ(anomalies_below["consumed_by"], Json::array());  // Nothing reads it: no mark.
  EXPECT_THAT(views::RenderLineage(*shallow), HasSubstr("(more upstream: raise --depth)"));

  EXPECT_TRUE(absl::IsNotFound(views::Lineage(*store_, 99).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(views::Lineage(*store_, 1, 0).status()));
}

TEST_F(MetadataViewTest, CommandsPrintTextOrJsonAndFailClearly) {
  store_.reset();
  const std::string db = db_.string();
  EXPECT_EQ(Weir({"runs", "--db", db}), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("r2      p"));
  EXPECT_EQ(Weir({"runs", "--db", db, "--pipeline_name", "q", "--json"}), 0) << err_;
  Json runs = Json::parse(out_);
  ASSERT_EQ(runs["runs"].size(), 1u);
  EXPECT_EQ(runs["runs"][0]["pipeline"], "q");

  EXPECT_EQ(Weir({"executions", "--db", db, "--run", "p.r2", "--json"}), 0) << err_;
  EXPECT_EQ(Json::parse(out_)["executions"].size(), 2u);
  EXPECT_EQ(Weir({"artifacts", "--db", db, "--type", "Schema"}), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("/root/schema/schema/3"));
  EXPECT_EQ(Weir({"artifact", "show", "1", "--db", db, "--json"}), 0) << err_;
  EXPECT_EQ(Json::parse(out_)["producer"]["node"], "gen");
  EXPECT_EQ(Weir({"lineage", "4", "--db", db, "--depth", "1"}), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("(more upstream: raise --depth)"));

  // Errors: a message on stderr naming the problem, a non-zero exit code.
  EXPECT_EQ(Weir({"artifact", "show", "99", "--db", db}), 1);
  EXPECT_THAT(err_, HasSubstr("weir artifact show: error: no artifact with id 99"));
  EXPECT_EQ(Weir({"lineage", "99", "--db", db, "--json"}), 1);
  EXPECT_EQ(out_, "");
  EXPECT_EQ(Weir({"executions", "--db", db, "--run", "r1"}), 1);
  EXPECT_THAT(err_, HasSubstr("<pipeline>.<run id>"));
  const std::string missing = (folder_ / "none" / "metadata.db").string();
  EXPECT_EQ(Weir({"runs", "--db", missing}), 1);
  EXPECT_THAT(err_, HasSubstr("no metadata store at " + missing + ": run a pipeline first"));
  EXPECT_FALSE(fs::exists(folder_ / "none"));
  EXPECT_NE(Weir({"lineage", "x", "--db", db}), 0);
  EXPECT_NE(Weir({"lineage", "1", "--db", db, "--depth", "0"}), 0);
  EXPECT_NE(Weir({"runs", "--db", db, "--pipeline", "p.yaml"}), 0);  // Either, not both.

  // Without --db: ${WEIR_HOME}/metadata.db.
  const char* home = std::getenv("WEIR_HOME");
  const std::string saved_home = home ? home : "";
  setenv("WEIR_HOME", folder_.c_str(), 1);
  EXPECT_EQ(Weir({"artifacts", "--run", "q.r1", "--json"}), 0) << err_;
  EXPECT_EQ(Json::parse(out_)["artifacts"].size(), 1u);
  if (home) {
    setenv("WEIR_HOME", saved_home.c_str(), 1);
  } else {
    unsetenv("WEIR_HOME");
  }
}

// The taxi pipeline run twice by the runner itself, as `weir run` does, then read back.
TEST(MetadataViewTaxiTest, ReadsWhatTheRunnerRecorded) {
  const fs::path home = TestFolder("taxi");
  const char* old_home = std::getenv("WEIR_HOME");
  const std::string saved_home = old_home ? old_home : "";
  setenv("WEIR_HOME", home.c_str(), 1);
  fs::create_directories(home / "data");
  fs::copy_file(fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv", home / "data" / "data.csv");
  ASSERT_TRUE(base::WriteFileAtomically(home / "pipeline.yaml",
                                        *base::ReadFile(fs::path(WEIR_SOURCE_DIR) /
                                                        "examples/taxi/pipeline_solution.yaml"))
                  .ok());
  pipeline::ComponentRegistry registry;
  pipeline::RegisterBuiltins(registry);
  auto spec = pipeline::LoadPipelineFile(home / "pipeline.yaml", registry);
  ASSERT_TRUE(spec.ok()) << spec.status();
  orchestrator::RunResult first, second;
  {
    auto store = orchestrator::OpenPipelineStore(*spec);
    ASSERT_TRUE(store.ok()) << store.status();
    auto run = orchestrator::RunPipeline(*spec, registry, **store, "first", nullptr);
    ASSERT_TRUE(run.ok() && run->ok()) << run.status();
    first = *run;
    run = orchestrator::RunPipeline(*spec, registry, **store, "second", nullptr);
    ASSERT_TRUE(run.ok() && run->ok()) << run.status();
    second = *run;
  }
  auto store = views::OpenExistingStore(home / "metadata.db");
  ASSERT_TRUE(store.ok()) << store.status();
  const int nodes = spec->nodes_size();

  auto runs = views::ListRuns(**store, "taxi");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ((*runs)["runs"].size(), 2u);
  EXPECT_EQ((*runs)["runs"][0]["run_id"], "second");
  EXPECT_EQ((*runs)["runs"][0]["state"], "success");
  EXPECT_EQ((*runs)["runs"][0]["nodes"], nodes);
  // Up to the Trainer from the cache; the resolver, Evaluator and Pusher run again (see
  // local_runner_test.cc).
  EXPECT_EQ((*runs)["runs"][0]["cached"], nodes - 3);
  EXPECT_EQ((*runs)["runs"][1]["run_id"], "first");
  EXPECT_EQ((*runs)["runs"][1]["cached"], 0);

  auto executions = views::ListExecutions(**store, "first");
  ASSERT_TRUE(executions.ok()) << executions.status();
  ASSERT_EQ((*executions)["executions"].size(), static_cast<size_t>(nodes));
  // Independent nodes run side by side, so executions are matched by node, not by position.
  std::map<std::string, int64_t> execution_of_node;
  for (const auto& node : first.nodes) execution_of_node[node.node_id] = node.execution_id;
  for (const Json& execution : (*executions)["executions"]) {
    EXPECT_EQ(execution["id"], execution_of_node.at(execution["node"].get<std::string>()));
    EXPECT_EQ(execution["pipeline"], "taxi");
    EXPECT_EQ(execution["state"], "complete");
    EXPECT_TRUE(execution["duration_ms"].is_number());
  }
  EXPECT_THAT(views::RenderExecutions(*executions), HasSubstr("CsvExampleGen"));

  const int64_t examples = first.nodes[0].outputs.at("examples").at(0).id;
  auto shown = views::DescribeArtifact(**store, examples);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ((*shown)["producer"]["execution_id"], first.nodes[0].execution_id);
  EXPECT_EQ((*shown)["producer"]["run_id"], "first");
  EXPECT_EQ((*shown)["reused_by"][0]["execution_id"], second.nodes[0].execution_id);
  EXPECT_EQ((*shown)["properties"]["split_names"], "[\"train\", \"eval\"]");
  EXPECT_EQ((*shown)["uri"], first.nodes[0].outputs.at("examples").at(0).uri.string());

  auto models = views::ListArtifacts(**store, "Model", "second");
  ASSERT_TRUE(models.ok()) << models.status();
  ASSERT_GE((*models)["artifacts"].size(), 1u);
  EXPECT_EQ((*models)["artifacts"][0]["run_id"], "first");  // Taken from the cache.

  // The pushed model's lineage goes back through the Evaluator's blessing and the Trainer to the
  // examples; the examples' goes forward to every component of both runs.
  const orchestrator::NodeOutcome& pusher = first.nodes.back();
  ASSERT_EQ(pusher.node_id, "Pusher");
  ASSERT_EQ(pusher.outputs.size(), 1u);
  auto lineage = views::Lineage(**store, pusher.outputs.begin()->second.at(0).id);
  ASSERT_TRUE(lineage.ok()) << lineage.status();
  const std::string up = views::RenderLineage(*lineage);
  for (const char* node : {"Pusher", "Evaluator", "Trainer", "Transform", "SchemaGen",
                           "StatisticsGen", "CsvExampleGen"}) {
    EXPECT_THAT(up, HasSubstr(std::string(" ") + node + " (run first"));
  }
  auto forward = views::Lineage(**store, examples);
  ASSERT_TRUE(forward.ok()) << forward.status();
  const std::string down = views::RenderLineage(*forward);
  EXPECT_THAT(down, HasSubstr("StatisticsGen (input examples, run first, complete)"));
  EXPECT_THAT(down, HasSubstr("StatisticsGen (input examples, run second, cached)"));
  EXPECT_THAT(down, HasSubstr("Pusher (input model, run second, complete)"));
  EXPECT_THAT(down, Not(HasSubstr("LatestBlessedModelResolver")));

  // Every artifact of the run has a view, as JSON and as text (`weir artifact view`).
  std::map<std::string, std::string> text_of_type;
  for (const orchestrator::NodeOutcome& node : first.nodes) {
    for (const auto& [output, refs] : node.outputs) {
      auto artifact = (*store)->GetArtifact(refs.at(0).id);
      ASSERT_TRUE(artifact.ok());
      const views::ArtifactView* view = views::FindArtifactView(artifact->type_name);
      ASSERT_NE(view, nullptr) << artifact->type_name;
      const views::ViewRequest request{.artifact = *artifact, .store = **store};
      auto json = view->to_json(request);
      ASSERT_TRUE(json.ok()) << artifact->type_name << ": " << json.status();
      EXPECT_FALSE(json->empty()) << artifact->type_name;
      auto text = view->render(request, views::TextOptions{});
      ASSERT_TRUE(text.ok()) << artifact->type_name << ": " << text.status();
      text_of_type[artifact->type_name] = *text;
    }
  }
  EXPECT_EQ(text_of_type.size(), 10u);  // Examples ... PushedModel.
  EXPECT_THAT(text_of_type["Model"], HasSubstr("gbdt model of 'tips_xf'"));
  EXPECT_THAT(text_of_type["TransformGraph"], HasSubstr("trip_miles_xf"));
  EXPECT_THAT(text_of_type["ModelRun"], HasSubstr("Curve: validation"));
  EXPECT_THAT(text_of_type["ModelBlessing"], HasSubstr("BLESSED: model"));
  EXPECT_THAT(text_of_type["ExampleStatistics"], HasSubstr("train: 9927 examples"));
  store->reset();
  std::string out, err;
  EXPECT_EQ(RunWeir({"artifact", "view", std::to_string(examples), "--json"}, out, err), 0) << err;
  EXPECT_EQ(Json::parse(out)["sample"].size(), 20u);
  EXPECT_EQ(RunWeir({"artifact", "view", "9999"}, out, err), 1);
  EXPECT_THAT(err, HasSubstr("no artifact with id 9999"));

  if (old_home) {
    setenv("WEIR_HOME", saved_home.c_str(), 1);
  } else {
    unsetenv("WEIR_HOME");
  }
  fs::remove_all(home);
}

}  // namespace
}  // namespace weir::cli
