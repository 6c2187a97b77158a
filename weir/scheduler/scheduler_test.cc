#include "weir/scheduler/scheduler.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/strings.h"
#include "weir/base/test_dirs.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::scheduler {
namespace {
namespace fs = std::filesystem;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const fs::path kWeir = fs::path(WEIR_BINARY_DIR) / "bin" / "weir";
const fs::path kTaxiData = fs::path(WEIR_SOURCE_DIR) / "examples" / "taxi" / "data";

// Four real nodes on the taxi data; `extra` goes into the first node's body.
std::string DataPipeline(const std::string& name, const std::string& input_base,
                         const std::string& header = "", const std::string& extra = "") {
  return StrCat("pipeline: ", name, "\n", header, "nodes:\n",
                "  CsvExampleGen:\n    component: CsvExampleGen\n", extra,
                "    params: {input_base: ", input_base, "}\n",
                "  StatisticsGen:\n    component: StatisticsGen\n"
                "    inputs: {examples: CsvExampleGen.examples}\n",
                "  SchemaGen:\n    component: SchemaGen\n"
                "    inputs: {statistics: StatisticsGen.statistics}\n",
                "  ExampleValidator:\n    component: ExampleValidator\n"
                "    inputs: {statistics: StatisticsGen.statistics, schema: SchemaGen.schema}\n");
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = base::FreshDirForThisTest("weir_scheduler");
    fs::create_directories(home_ / "pipelines");
    setenv("WEIR_HOME", home_.c_str(), 1);
    pipeline::RegisterBuiltins(registry_);
    ASSERT_TRUE(fs::exists(kWeir)) << kWeir << " is built with the tests";
  }
  void TearDown() override { fs::remove_all(home_); }

  pipeline::PipelineSpec WritePipeline(const std::string& file, const std::string& yaml) {
    std::ofstream(home_ / "pipelines" / file) << yaml;
    auto spec = pipeline::LoadPipelineFile(home_ / "pipelines" / file, registry_);
    EXPECT_TRUE(spec.ok()) << spec.status();
    return spec.ok() ? *spec : pipeline::PipelineSpec();
  }

  std::unique_ptr<metadata::MetadataStore> Store() {
    auto store = metadata::MetadataStore::OpenSqlite(home_ / "metadata.db");
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Unpauses the pipeline and queues a run of it; its id, or "" on failure.
  std::string UnpauseAndTrigger(metadata::MetadataStore& store,
                                const pipeline::PipelineSpec& spec) {
    EXPECT_TRUE(SetPaused(store, spec.name(), false).ok());
    auto run_id = QueueRun(store, spec, {});
    EXPECT_TRUE(run_id.ok()) << run_id.status();
    return run_id.ok() ? *run_id : "";
  }

  // Ticks `scheduler` until the run is no longer queued or running (at most `seconds`).
  ScheduledRun RunToEnd(Scheduler& scheduler, metadata::MetadataStore& store,
                        const std::string& pipeline, const std::string& run_id, int seconds = 120) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < give_up) {
      absl::Status tick = scheduler.Tick();
      EXPECT_TRUE(tick.ok()) << tick;
      auto run = GetRun(store, pipeline, run_id);
      EXPECT_TRUE(run.ok()) << run.status();
      if (!run.ok() || (run->state != kQueued && run->state != kRunning)) return *run;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "run " << run_id << " did not end in " << seconds << " s";
    return {};
  }

  std::map<std::string, std::string> States(metadata::MetadataStore& store,
                                            const pipeline::PipelineSpec& spec,
                                            const ScheduledRun& run) {
    auto executions = store.GetExecutionsByContext(run.context_id);
    EXPECT_TRUE(executions.ok());
    std::map<std::string, std::string> states;
    for (const TaskView& task : TaskStates(spec, *executions, run.properties, nullptr)) {
      states[task.node] = task.state;
    }
    return states;
  }

  // The executions of `node` in the run, by state name.
  std::multiset<metadata::Execution::State> ExecutionStates(metadata::MetadataStore& store,
                                                            const ScheduledRun& run,
                                                            const std::string& node) {
    std::multiset<metadata::Execution::State> states;
    // Held here: a range-for over .value() of a temporary would read a destroyed vector.
    const std::vector<metadata::Execution> executions =
        store.GetExecutionsByContext(run.context_id).value();
    for (const metadata::Execution& execution : executions) {
      if (GetString(execution.custom_properties, "node_id") == node) {
        states.insert(execution.last_known_state);
      }
    }
    return states;
  }

  fs::path home_;
  pipeline::ComponentRegistry registry_;
};

TEST_F(SchedulerTest, TriggeredRunRunsEachNodeInItsOwnProcess) {
  const pipeline::PipelineSpec spec =
      WritePipeline("data.yaml", DataPipeline("data", kTaxiData.string()));
  auto store = Store();
  auto run_id = QueueRun(*store, spec, {.trigger = "manual", .conf_json = R"({"note":"x"})"});
  ASSERT_TRUE(run_id.ok()) << run_id.status();
  EXPECT_THAT(*run_id, ::testing::StartsWith("manual__"));
  EXPECT_EQ(GetRun(*store, "data", *run_id)->state, kQueued);

  auto scheduler = Scheduler::Create({.weir_binary = kWeir}, registry_);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  // New pipelines start paused, and a paused pipeline's runs wait.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*scheduler)->Tick().ok());
  EXPECT_EQ(GetRun(*store, "data", *run_id)->state, kQueued);
  EXPECT_EQ((*scheduler)->running_nodes(), 0u);
  ASSERT_TRUE(SetPaused(*store, "data", false).ok());
  // One scheduler per WEIR_HOME.
  auto second = Scheduler::Create({.weir_binary = kWeir}, registry_);
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();

  const ScheduledRun run = RunToEnd(**scheduler, *store, "data", *run_id);
  EXPECT_EQ(run.state, kSuccess);
  EXPECT_EQ(GetString(run.properties, "conf"), R"({"note":"x"})");
  EXPECT_GT(GetInt(run.properties, "ended_at"), GetInt(run.properties, "started_at"));
  for (const auto& [node, state] : States(*store, spec, run)) {
    EXPECT_EQ(state, kSuccess) << node;
    EXPECT_EQ(GetInt(run.properties, TaskKey(node, "try")), 1) << node;
    // Each node's process wrote its own log: the runner's lines and run-node's summary.
    std::ifstream log(home_ / "logs" / "data" / *run_id / StrCat(node, ".attempt-1.log"));
    const std::string text((std::istreambuf_iterator<char>(log)), {});
    EXPECT_THAT(text, HasSubstr(StrCat("node ", node, " (")));
    EXPECT_THAT(text, HasSubstr(StrCat(node, " done in ")));
  }
  EXPECT_THAT(ExecutionStates(*store, run, "SchemaGen"),
              ElementsAre(metadata::Execution::State::kComplete));
}

TEST_F(SchedulerTest, RetriesWithBackoffThenFailsAndHoldsBackDownstream) {
  const pipeline::PipelineSpec spec =
      WritePipeline("broken.yaml", DataPipeline("broken", (home_ / "no_such_folder").string(), "",
                                                "    retries: 1\n    retry_delay_seconds: 0.2\n"));
  auto store = Store();
  const std::string run_id = UnpauseAndTrigger(*store, spec);
  ASSERT_FALSE(run_id.empty());
  auto scheduler = Scheduler::Create({.weir_binary = kWeir}, registry_);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  const auto start = std::chrono::steady_clock::now();
  const ScheduledRun run = RunToEnd(**scheduler, *store, "broken", run_id);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(run.state, kFailed);
  EXPECT_EQ(GetInt(run.properties, TaskKey("CsvExampleGen", "try")), 2);
  const auto states = States(*store, spec, run);
  EXPECT_EQ(states.at("CsvExampleGen"), kFailed);
  EXPECT_EQ(states.at("StatisticsGen"), kUpstreamFailed);
  EXPECT_EQ(states.at("ExampleValidator"), kUpstreamFailed);
  for (int attempt : {1, 2}) {
    std::ifstream log(home_ / "logs" / "broken" / run_id /
                      StrCat("CsvExampleGen.attempt-", attempt, ".log"));
    const std::string text((std::istreambuf_iterator<char>(log)), {});
    EXPECT_THAT(text, HasSubstr("no_such_folder")) << "attempt " << attempt;
  }
}

TEST_F(SchedulerTest, ANodeOverItsTimeoutIsStoppedAndFails) {
  const pipeline::PipelineSpec spec = WritePipeline(
      "slow.yaml", DataPipeline("slow", kTaxiData.string(), "", "    timeout_seconds: 0.001\n"));
  auto store = Store();
  const std::string run_id = UnpauseAndTrigger(*store, spec);
  ASSERT_FALSE(run_id.empty());
  auto scheduler = Scheduler::Create({.weir_binary = kWeir}, registry_);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  const ScheduledRun run = RunToEnd(**scheduler, *store, "slow", run_id);
  EXPECT_EQ(run.state, kFailed);
  EXPECT_EQ(States(*store, spec, run).at("CsvExampleGen"), kFailed);
  EXPECT_EQ(GetString(run.properties, TaskKey("CsvExampleGen", "error")), "timed out");
  // Its execution, if it got as far as recording one, is not left running.
  EXPECT_EQ(
      ExecutionStates(*store, run, "CsvExampleGen").count(metadata::Execution::State::kRunning),
      0u);
}

// The scheduler is killed (SIGKILL) in the middle of a run and started again: the run ends with
// every node done once, in the one run there is.
TEST_F(SchedulerTest, AKilledSchedulerCarriesOnWithoutRedoingNodes) {
  const pipeline::PipelineSpec spec =
      WritePipeline("data.yaml", DataPipeline("data", kTaxiData.string()));
  auto store = Store();
  const std::string run_id = UnpauseAndTrigger(*store, spec);
  ASSERT_FALSE(run_id.empty());

  const pid_t first = fork();
  ASSERT_GE(first, 0);
  if (first == 0) {
    execl(kWeir.c_str(), "weir", "scheduler", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it once the first node is done and before the run is.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool first_done = false;
  while (!first_done && std::chrono::steady_clock::now() < give_up) {
    auto run = GetRun(*store, "data", run_id);
    ASSERT_TRUE(run.ok());
    first_done = States(*store, spec, *run).at("CsvExampleGen") == kSuccess;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(first_done);
  kill(first, SIGKILL);
  int status = 0;
  waitpid(first, &status, 0);
  EXPECT_NE(GetRun(*store, "data", run_id)->state, kSuccess) << "the run ended before the kill";

  auto scheduler = Scheduler::Create({.weir_binary = kWeir}, registry_);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  const ScheduledRun run = RunToEnd(**scheduler, *store, "data", run_id);
  EXPECT_EQ(run.state, kSuccess);
  for (const pipeline::NodeSpec& node : spec.nodes()) {
    const auto executions = ExecutionStates(*store, run, node.id());
    // Once COMPLETE; a node that was running when the scheduler died also has its abandoned
    // execution, CANCELED.
    EXPECT_EQ(executions.count(metadata::Execution::State::kComplete), 1u) << node.id();
    EXPECT_EQ(executions.count(metadata::Execution::State::kRunning), 0u) << node.id();
  }
  EXPECT_EQ(store->GetContextsByType(metadata::kRunContextType)->size(), 1u);
}

TEST_F(SchedulerTest, CronTicksAreQueuedOnceEvenAcrossRestarts) {
  const auto now = std::chrono::system_clock::now();
  const std::string start = FormatUtcTime(now - std::chrono::minutes(3));
  const pipeline::PipelineSpec spec = WritePipeline(
      "cron.yaml", DataPipeline("cron", kTaxiData.string(),
                                StrCat("schedule: {cron: '* * * * *', start_date: '", start,
                                       "', catchup: true, max_active_runs: 16}\n")));
  WritePipeline("paused.yaml",
                DataPipeline("paused", kTaxiData.string(), "schedule: {cron: '* * * * *'}\n"));
  auto store = Store();
  ASSERT_TRUE(SetPaused(*store, "cron", false).ok());

  auto run_ids = [&]() {
    std::set<std::string> ids;
    const std::vector<metadata::Context> runs =
        store->GetContextsByType(metadata::kRunContextType).value();
    for (const metadata::Context& context : runs) {
      ids.insert(GetString(context.custom_properties, "run_id"));
    }
    return ids;
  };
  {
    auto scheduler = Scheduler::Create({.weir_binary = kWeir, .parallelism = 1}, registry_);
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    for (int i = 0; i < 6; ++i) ASSERT_TRUE((*scheduler)->Tick().ok());
  }
  // With catchup, one run per minute tick since the start date: 3 (or 4 when a minute turned
  // over meanwhile); none for the paused pipeline.
  const std::set<std::string> ids = run_ids();
  EXPECT_GE(ids.size(), 3u);
  EXPECT_LE(ids.size(), 4u);
  for (const std::string& id : ids) EXPECT_THAT(id, ::testing::StartsWith("scheduled__"));
  EXPECT_TRUE(GetPipelineState(*store, "paused")->paused);

  // Another scheduler (the first one was stopped) queues none of those ticks again.
  auto again = Scheduler::Create({.weir_binary = kWeir, .parallelism = 1}, registry_);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE((*again)->Tick().ok());
  std::set<std::string> after = run_ids();
  // At most the tick of a minute that turned over meanwhile is new.
  EXPECT_LE(after.size(), ids.size() + 1);
  for (const std::string& id : ids) EXPECT_TRUE(after.contains(id));
}

// A daily schedule over folders named by date: each run, catch-up runs included, reads the day
// its data interval starts (the tick before its own), not the newest folder.
TEST_F(SchedulerTest, CatchUpRunsReadTheSpanOfTheirDataIntervalsDay) {
  constexpr int64_t kMsPerDay = 86'400'000;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t today = now_ms / kMsPerDay;  // Days since 1970-01-01: a date span's number.
  auto midnight = [&](int64_t day) {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(day * kMsPerDay));
  };
  // Folders for the five days up to today; day d's CSV has (today - d + 1) * 10 rows.
  for (int64_t day = today - 4; day <= today; ++day) {
    const fs::path dir = home_ / "daily" / FormatUtcTime(midnight(day)).substr(0, 10);
    fs::create_directories(dir);
    std::ofstream csv(dir / "data.csv");
    csv << "x,y\n";
    for (int64_t row = 0; row < (today - day + 1) * 10; ++row) csv << row << "," << day << "\n";
  }
  const pipeline::PipelineSpec spec = WritePipeline(
      "daily.yaml",
      StrCat("pipeline: daily\nschedule: {cron: '0 0 * * *', start_date: '",
             FormatUtcTime(midnight(today - 3)),
             "', catchup: true, max_active_runs: 16}\nnodes:\n"
             "  CsvExampleGen:\n    component: CsvExampleGen\n    params: {input_base: ",
             (home_ / "daily").string(), ", input_pattern: '{YYYY}-{MM}-{DD}/*.csv'}\n"));
  auto store = Store();
  ASSERT_TRUE(SetPaused(*store, "daily", false).ok());
  auto scheduler = Scheduler::Create({.weir_binary = kWeir, .parallelism = 2}, registry_);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  // The ticks at midnight of today - 3 ... today: four runs (five if midnight passes meanwhile).
  std::vector<metadata::Context> runs;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < give_up) {
    ASSERT_TRUE((*scheduler)->Tick().ok());
    runs = store->GetContextsByType(metadata::kRunContextType).value();
    if (runs.size() >= 4 && ActiveRuns(*store)->empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(runs.size(), 4u);
  std::set<int64_t> spans;
  for (const metadata::Context& run : runs) {
    const int64_t logical_date = GetInt(run.custom_properties, "logical_date");
    if (logical_date > midnight(today).time_since_epoch() / std::chrono::milliseconds(1)) continue;
    const int64_t interval_start = GetInt(run.custom_properties, "data_interval_start");
    EXPECT_EQ(interval_start, logical_date - kMsPerDay) << run.name;
    EXPECT_EQ(GetString(run.custom_properties, "state"), "success") << run.name;
    const std::vector<metadata::Artifact> made = store->GetArtifactsByContext(run.id).value();
    ASSERT_EQ(made.size(), 1u) << run.name;
    const int64_t span = GetInt(made[0].custom_properties, "span");
    EXPECT_EQ(span, interval_start / kMsPerDay) << run.name;
    spans.insert(span);
  }
  // Each day before today once; today's folder is tomorrow's tick's.
  EXPECT_EQ(spans, (std::set<int64_t>{today - 4, today - 3, today - 2, today - 1}));
}

TEST_F(SchedulerTest, BrokenFileKeepsTheLastGoodPipeline) {
  WritePipeline("data.yaml", DataPipeline("data", kTaxiData.string()));
  auto scheduler = Scheduler::Create({.weir_binary = kWeir}, registry_);
  ASSERT_TRUE(scheduler.ok());
  ASSERT_TRUE((*scheduler)->Tick().ok());
  auto store = Store();
  EXPECT_TRUE(GetPipelineState(*store, "data")->last_good_spec.has_value());
  EXPECT_EQ(GetPipelineState(*store, "data")->error, "");

  // Broken (a different modification time, so that the scheduler looks again).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(home_ / "pipelines" / "data.yaml")
      << "pipeline: data\nnodes:\n  x: {component: Nope}\n";
  ASSERT_TRUE((*scheduler)->Tick().ok());
  auto state = GetPipelineState(*store, "data");
  ASSERT_TRUE(state.ok());
  EXPECT_THAT(state->error, HasSubstr("Nope"));
  ASSERT_TRUE(state->last_good_spec.has_value());
  EXPECT_EQ(state->last_good_spec->nodes_size(), 4);
}

}  // namespace
}  // namespace weir::scheduler
