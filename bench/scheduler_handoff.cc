// From one node finishing to the next one starting, under the scheduler (each node its own
// `weir run-node` process) and, as the baseline in the same run, under `weir run` (one process).
// The gap is read from the metadata store: the upstream execution's last update (it ended) to
// the downstream execution's creation (it started), over a chain CsvExampleGen -> StatisticsGen
// -> SchemaGen -> ExampleValidator on the taxi data. Goal: <= 100 ms under the scheduler.
//   build/release/bin/weir_bench_scheduler_handoff [RUNS]   (default 5)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/scheduler/catalog.h"
#include "weir/scheduler/scheduler.h"

namespace fs = std::filesystem;
using namespace weir;

namespace {

constexpr char kPipeline[] = R"(pipeline: handoff
enable_cache: false
nodes:
  CsvExampleGen: {component: CsvExampleGen, params: {input_base: DATA}}
  StatisticsGen: {component: StatisticsGen, inputs: {examples: CsvExampleGen.examples}}
  SchemaGen: {component: SchemaGen, inputs: {statistics: StatisticsGen.statistics}}
  ExampleValidator:
    component: ExampleValidator
    inputs: {statistics: StatisticsGen.statistics, schema: SchemaGen.schema}
)";

// The gaps (ms) between each node's end and the start of the node after it, in every run.
std::vector<double> Handoffs(metadata::MetadataStore& store) {
  std::vector<double> gaps;
  const std::vector<metadata::Context> runs =
      store.GetContextsByType(metadata::kRunContextType).value();
  for (const metadata::Context& run : runs) {
    std::map<std::string, metadata::Execution> by_node;
    const std::vector<metadata::Execution> executions =
        store.GetExecutionsByContext(run.id).value();
    for (const metadata::Execution& execution : executions) {
      by_node[scheduler::GetString(execution.custom_properties, "node_id")] = execution;
    }
    const char* chain[] = {"CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator"};
    for (int i = 0; i + 1 < 4; ++i) {
      if (!by_node.contains(chain[i]) || !by_node.contains(chain[i + 1])) continue;
      gaps.push_back(static_cast<double>(by_node[chain[i + 1]].create_time_ms -
                                         by_node[chain[i]].update_time_ms));
    }
  }
  std::sort(gaps.begin(), gaps.end());
  return gaps;
}

void Report(const char* what, const std::vector<double>& gaps) {
  if (gaps.empty()) {
    std::printf("%s: no handoffs recorded\n", what);
    return;
  }
  std::printf("%-34s median %6.1f ms, p90 %6.1f ms, max %6.1f ms (%zu handoffs)\n", what,
              gaps[gaps.size() / 2], gaps[gaps.size() * 9 / 10], gaps.back(), gaps.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  const fs::path home = fs::temp_directory_path() / StrCat("weir_bench_handoff_", getpid());
  fs::remove_all(home);
  fs::create_directories(home / "pipelines");
  setenv("WEIR_HOME", home.c_str(), 1);
  std::string yaml = kPipeline;
  yaml.replace(yaml.find("DATA"), 4, (fs::path(WEIR_SOURCE_DIR) / "examples/taxi/data").string());
  std::ofstream(home / "pipelines" / "handoff.yaml") << yaml;

  pipeline::ComponentRegistry registry;
  pipeline::RegisterBuiltins(registry);
  auto spec = pipeline::LoadPipelineFile(home / "pipelines" / "handoff.yaml", registry);
  auto store = metadata::MetadataStore::OpenSqlite(home / "metadata.db");
  if (!spec.ok() || !store.ok()) {
    std::fprintf(stderr, "set-up failed\n");
    return 1;
  }

  // The scheduler: runs queued one after another, each node a child process.
  auto scheduler = scheduler::Scheduler::Create(
      {.weir_binary = fs::path(WEIR_BINARY_DIR) / "bin" / "weir"}, registry);
  if (!scheduler.ok()) {
    std::fprintf(stderr, "%s\n", std::string(scheduler.status().message()).c_str());
    return 1;
  }
  scheduler::SetPaused(**store, "handoff", false).IgnoreError();
  std::atomic<bool> stop{false};
  std::thread loop([&] { (*scheduler)->Run(stop).IgnoreError(); });
  for (int i = 0; i < runs; ++i) {
    auto run_id = scheduler::QueueRun(**store, *spec, {});
    while (run_id.ok()) {
      auto run = scheduler::GetRun(**store, "handoff", *run_id);
      if (!run.ok() || (run->state != scheduler::kQueued && run->state != scheduler::kRunning)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  stop = true;
  loop.join();
  const std::vector<double> scheduled = Handoffs(**store);

  // The baseline: the same chain under `weir run` in this process, in a store of its own.
  // (The runner opens the spec's store for its node threads, so the spec names it too.)
  pipeline::PipelineSpec baseline = *spec;
  baseline.mutable_metadata()->mutable_sqlite()->set_path((home / "baseline.db").string());
  auto baseline_store = metadata::MetadataStore::OpenSqlite(home / "baseline.db");
  for (int i = 0; i < runs; ++i) {
    auto result = orchestrator::RunPipeline(baseline, registry, **baseline_store, "", nullptr);
    if (!result.ok()) {
      std::fprintf(stderr, "weir run: %s\n", std::string(result.status().message()).c_str());
      return 1;
    }
  }
  const std::vector<double> in_process = Handoffs(**baseline_store);

  Report("scheduler (a process per node)", scheduled);
  Report("weir run (one process, baseline)", in_process);
  if (!scheduled.empty()) {
    std::printf("scheduler median handoff / 100 ms goal = %.2f\n",
                scheduled[scheduled.size() / 2] / 100);
  }
  fs::remove_all(home);
  return 0;
}
