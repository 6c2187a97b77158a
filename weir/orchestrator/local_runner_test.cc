#include "weir/orchestrator/local_runner.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/test_dirs.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::orchestrator {
namespace {
namespace fs = std::filesystem;

class LocalRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline::RegisterBuiltins(registry_);
    home_ = base::FreshDirForThisTest("local_runner_test");
    fs::create_directories(home_ / "data");
    setenv("WEIR_HOME", home_.c_str(), 1);
    fs::copy_file(fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv", home_ / "data" / "data.csv");
  }
  // The taxi solution pipeline, reading the copy of the data in home_/data.
  pipeline::PipelineSpec TaxiPipeline(bool infer_feature_shape = false) {
    std::string yaml =
        *base::ReadFile(fs::path(WEIR_SOURCE_DIR) / "examples/taxi/pipeline_solution.yaml");
    if (infer_feature_shape) {
      yaml.replace(yaml.find("infer_feature_shape: false"), 26, "infer_feature_shape: true");
    }
    EXPECT_TRUE(base::WriteFileAtomically(home_ / "pipeline.yaml", yaml).ok());
    auto spec = pipeline::LoadPipelineFile(home_ / "pipeline.yaml", registry_);
    EXPECT_TRUE(spec.ok()) << spec.status();
    return *spec;
  }
  RunResult Run(const pipeline::PipelineSpec& spec, const std::string& run_id) {
    auto store = OpenPipelineStore(spec);
    EXPECT_TRUE(store.ok()) << store.status();
    auto result = RunPipeline(spec, registry_, **store, run_id, nullptr);
    EXPECT_TRUE(result.ok()) << result.status();
    return *result;
  }
  static std::vector<NodeState> States(const RunResult& result) {
    std::vector<NodeState> states;
    for (const NodeOutcome& node : result.nodes) states.push_back(node.state);
    return states;
  }
  pipeline::ComponentRegistry registry_;
  fs::path home_;
};

constexpr NodeState kRan = NodeState::kSucceeded;
constexpr NodeState kCached = NodeState::kCached;

// The states of a run of `spec`: the first `cached` nodes cached, the rest run.
std::vector<NodeState> Expected(const pipeline::PipelineSpec& spec, int cached, int ran) {
  std::vector<NodeState> states(static_cast<size_t>(cached), kCached);
  states.resize(static_cast<size_t>(spec.nodes_size()), kRan);
  EXPECT_EQ(cached + ran, spec.nodes_size());
  return states;
}

TEST_F(LocalRunnerTest, RunsRecordsAndCaches) {
  pipeline::PipelineSpec spec = TaxiPipeline();
  RunResult first = Run(spec, "first");
  ASSERT_TRUE(first.ok()) << first.nodes.back().error;
  EXPECT_EQ(States(first), Expected(spec, 0, spec.nodes_size()));
  const NodeOutcome& gen = first.nodes[0];
  EXPECT_EQ(gen.outputs.at("examples").at(0).uri,
            home_ / "artifacts/taxi/CsvExampleGen/examples" / std::to_string(gen.execution_id));
  EXPECT_TRUE(fs::exists(gen.outputs.at("examples").at(0).uri /
                         "Split-train/data_tfrecord-00000-of-00001.gz"));
  EXPECT_TRUE(
      fs::exists(first.nodes[3].outputs.at("anomalies").at(0).uri / "Split-eval/SchemaDiff.pb"));

  // Nothing changed: every node comes from the cache, with the same artifacts.
  RunResult second = Run(spec, "second");
  // Up to the Trainer, every node comes from the cache; the resolver now finds the first run's
  // blessed model, so the Evaluator runs again against it, and so does the Pusher (as in TFX).
  EXPECT_EQ(States(second), Expected(spec, spec.nodes_size() - 3, 3));
  EXPECT_EQ(second.nodes[3].outputs, first.nodes[3].outputs);
  EXPECT_NE(second.nodes[0].cache_reason.find("cached: execution"), std::string::npos);

  // A changed parameter reruns that node and what depends on it.
  RunResult third = Run(TaxiPipeline(/*infer_feature_shape=*/true), "third");
  EXPECT_EQ(States(third), Expected(spec, 2, spec.nodes_size() - 2));

  // Changed input data reruns everything.
  std::ofstream(home_ / "data" / "data.csv", std::ios::app)
      << "60,7.25,10,2,3,1380593700,41.836150155,-87.648787952,,,1.2,,,Cash,Taxi Affiliation "
         "Services,300,,0.0\n";
  RunResult fourth = Run(spec, "fourth");
  EXPECT_EQ(States(fourth), Expected(spec, 0, spec.nodes_size()));

  // The store holds the lineage: executions and their states.
  auto store = OpenPipelineStore(spec);
  ASSERT_TRUE(store.ok());
  auto execution = (*store)->GetExecution(second.nodes[1].execution_id);
  ASSERT_TRUE(execution.ok());
  EXPECT_EQ(execution->last_known_state, metadata::Execution::State::kCached);
  auto events = (*store)->GetEventsByExecution(first.nodes[1].execution_id);
  ASSERT_TRUE(events.ok());
  // Examples in; statistics announced as pending when the node started, then out.
  std::vector<metadata::Event::Type> types;
  for (const metadata::Event& event : *events) types.push_back(event.type);
  EXPECT_THAT(types, ::testing::UnorderedElementsAre(metadata::Event::Type::kInput,
                                                     metadata::Event::Type::kPendingOutput,
                                                     metadata::Event::Type::kOutput));
  auto artifact = (*store)->GetArtifact(gen.outputs.at("examples").at(0).id);
  ASSERT_TRUE(artifact.ok());
  EXPECT_EQ(artifact->state, metadata::Artifact::State::kLive);
  EXPECT_EQ(std::get<std::string>(artifact->custom_properties.at("split_names")),
            "[\"train\", \"eval\"]");

  // Default run ids never collide, even for runs started at once.
  auto quick1 = RunPipeline(spec, registry_, **store, "", nullptr);
  auto quick2 = RunPipeline(spec, registry_, **store, "", nullptr);
  ASSERT_TRUE(quick1.ok() && quick2.ok());
  EXPECT_NE(quick1->run_id, quick2->run_id);

  // A run id given explicitly belongs to one run.
  auto again = RunPipeline(spec, registry_, **store, "first", nullptr);
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
}

TEST_F(LocalRunnerTest, AFailureIsRecordedAndTheNextRunResumes) {
  ASSERT_TRUE(
      base::WriteFileAtomically(
          home_ / "p.yaml",
          "pipeline: p\nenable_cache: true\nnodes:\n"
          "  Curated:\n    component: ImportSchemaGen\n    params: {schema_file: schema.pbtxt}\n"
          "  Gen:\n    component: CsvExampleGen\n    params: {input_base: later}\n"
          "  Stats:\n    component: StatisticsGen\n    inputs: {examples: Gen.examples}\n")
          .ok());
  ASSERT_TRUE(
      base::WriteFileAtomically(home_ / "schema.pbtxt", "feature { name: \"x\" type: INT }\n")
          .ok());
  // The CSV has a header but no rows yet: ExampleGen fails.
  fs::create_directories(home_ / "later");
  ASSERT_TRUE(base::WriteFileAtomically(home_ / "later" / "data.csv", "a,b\n").ok());
  auto spec = pipeline::LoadPipelineFile(home_ / "p.yaml", registry_);
  ASSERT_TRUE(spec.ok()) << spec.status();
  RunResult failed = Run(*spec, "one");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(States(failed),
            (std::vector<NodeState>{kRan, NodeState::kFailed, NodeState::kSkipped}));
  EXPECT_NE(failed.nodes[1].error.find("no data rows"), std::string::npos) << failed.nodes[1].error;
  auto store = OpenPipelineStore(*spec);
  ASSERT_TRUE(store.ok());
  auto execution = (*store)->GetExecution(failed.nodes[1].execution_id);
  ASSERT_TRUE(execution.ok());
  EXPECT_EQ(execution->last_known_state, metadata::Execution::State::kFailed);
  EXPECT_NE(std::get<std::string>(execution->custom_properties.at("error")).find("no data rows"),
            std::string::npos);
  auto abandoned = (*store)->GetArtifactsByType("Examples");
  ASSERT_TRUE(abandoned.ok());
  ASSERT_EQ(abandoned->size(), 1u);
  EXPECT_EQ((*abandoned)[0].state, metadata::Artifact::State::kAbandoned);
  EXPECT_FALSE(fs::exists((*abandoned)[0].uri));

  // Once the input is fixed, the next run redoes only what did not complete.
  fs::copy_file(home_ / "data" / "data.csv", home_ / "later" / "data.csv",
                fs::copy_options::overwrite_existing);
  RunResult resumed = Run(*spec, "two");
  EXPECT_TRUE(resumed.ok());
  EXPECT_EQ(States(resumed), (std::vector<NodeState>{kCached, kRan, kRan}));
}

// A sharded node as an external engine runs it: shards (retried ones find their part done),
// then the merge, which is the node's one execution; the cache spares the shards' work.
TEST_F(LocalRunnerTest, ShardTasksThenAMergeRunANode) {
  ASSERT_TRUE(base::WriteFileAtomically(home_ / "pipeline.yaml", R"(pipeline: sharded
enable_cache: true
nodes:
  Gen: {component: CsvExampleGen, params: {input_base: data}}
  Stats: {component: StatisticsGen, shards: 2, inputs: {examples: Gen.examples}}
)")
                  .ok());
  auto spec = pipeline::LoadPipelineFile(home_ / "pipeline.yaml", registry_);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->nodes(1).shards(), 2u);
  auto store = OpenPipelineStore(*spec);
  ASSERT_TRUE(store.ok()) << store.status();
  auto run_node = [&](const std::string& run, const std::string& node, ShardTask shard) {
    return RunNode(*spec, registry_, **store, run, node, nullptr, {.shard = shard});
  };
  const ShardTask merge{.kind = ShardTask::Kind::kMerge, .count = 2};
  auto shard = [](int index) {
    return ShardTask{.kind = ShardTask::Kind::kShard, .index = index, .count = 2};
  };
  const fs::path parts = home_ / "artifacts/sharded/Stats/.shards/r1";

  ASSERT_EQ(run_node("r1", "Gen", {})->state, kRan);
  auto early = run_node("r1", "Stats", merge);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(early->state, NodeState::kFailed);
  EXPECT_THAT(early->error, ::testing::HasSubstr("shard 0/2 of node Stats has not finished"));
  EXPECT_EQ(run_node("r1", "Stats", shard(1))->state, kRan);
  auto again = run_node("r1", "Stats", shard(1));  // A retry after the part was published.
  EXPECT_EQ(again->state, kRan);
  EXPECT_THAT(again->cache_reason, ::testing::HasSubstr("done before"));
  EXPECT_EQ(again->execution_id, 0);  // Shards record no execution.
  EXPECT_EQ(run_node("r1", "Stats", shard(0))->state, kRan);
  EXPECT_TRUE(fs::is_directory(parts));
  auto merged = run_node("r1", "Stats", merge);
  ASSERT_EQ(merged->state, kRan) << merged->error;
  EXPECT_TRUE(
      fs::exists(merged->outputs.at("statistics").at(0).uri / "Split-train/FeatureStats.pb"));
  EXPECT_FALSE(fs::exists(parts));

  // The next run has the same inputs: the shards do nothing, the merge is the cached node.
  EXPECT_EQ(run_node("r2", "Gen", {})->state, kCached);
  auto cached_shard = run_node("r2", "Stats", shard(0));
  EXPECT_EQ(cached_shard->state, kCached);
  EXPECT_THAT(cached_shard->cache_reason, ::testing::HasSubstr("the merge will reuse"));
  EXPECT_EQ(run_node("r2", "Stats", merge)->state, kCached);
  EXPECT_FALSE(fs::exists(home_ / "artifacts/sharded/Stats/.shards"));

  // What cannot be sharded, or is not a shard, is refused before anything runs.
  EXPECT_EQ(run_node("r3", "Gen", shard(0)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      run_node("r3", "Stats", ShardTask{.kind = ShardTask::Kind::kShard, .index = 2, .count = 2})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  for (const char* bad : {"shards: 0", "shards: many", "shards: 1001"}) {
    std::string yaml = *base::ReadFile(home_ / "pipeline.yaml");
    yaml.replace(yaml.find("shards: 2"), 9, bad);
    ASSERT_TRUE(base::WriteFileAtomically(home_ / "bad.yaml", yaml).ok());
    EXPECT_THAT(pipeline::LoadPipelineFile(home_ / "bad.yaml", registry_).status().message(),
                ::testing::HasSubstr("shards must be a whole number from 1 to 1000"))
        << bad;
  }
  std::string yaml = *base::ReadFile(home_ / "pipeline.yaml");
  yaml.replace(yaml.find("data}}"), 6, "data}, shards: 2}");
  ASSERT_TRUE(base::WriteFileAtomically(home_ / "bad.yaml", yaml).ok());
  EXPECT_THAT(pipeline::LoadPipelineFile(home_ / "bad.yaml", registry_).status().message(),
              ::testing::HasSubstr("CsvExampleGen cannot run in shards (those that can: "
                                   "StatisticsGen)"));
}

// Airflow's ids and weir's own pass; what would leave the logs' folder, or is not text, does not.
TEST(CheckRunIdTest, TakesAirflowsRunIdsAndNothingThatNamesAnotherFolder) {
  for (const char* id : {"r1", "20261126T111500.123Z", "scheduled__2026-12-07T00:00:00+00:00",
                         "manual__2026-12-07T12:00:00.123456+00:00", "a~b"}) {
    EXPECT_TRUE(CheckRunId(id).ok()) << id;
  }
  for (const char* id :
       {"", ".", "..", "../x", "a/b", "a\\b", ".hidden", "a b", "a\nb", "caf\xc3\xa9"}) {
    EXPECT_FALSE(CheckRunId(id).ok()) << id;
  }
  EXPECT_TRUE(CheckRunId(std::string(250, 'r')).ok());
  EXPECT_FALSE(CheckRunId(std::string(251, 'r')).ok());
}

}  // namespace
}  // namespace weir::orchestrator
