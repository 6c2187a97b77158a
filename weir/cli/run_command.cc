// weir run: a whole pipeline in this process; weir run-node: one node of a run, as an external
// orchestrator calls it.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "absl/strings/numbers.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/scheduler/cron.h"

namespace weir::cli {
namespace {

// The pipeline file, checked against the built-in components, and the store it names.
struct LoadedPipeline {
  pipeline::PipelineSpec spec;
  std::unique_ptr<metadata::MetadataStore> store;
};

absl::StatusOr<LoadedPipeline> LoadPipeline(const std::string& file) {
  LoadedPipeline loaded;
  ASSIGN_OR_RETURN(loaded.spec, pipeline::LoadPipelineFile(file, pipeline::BuiltinRegistry()));
  ASSIGN_OR_RETURN(loaded.store, orchestrator::OpenPipelineStore(loaded.spec));
  return loaded;
}

// "done in 12 ms (execution 4)" or "cached (execution 4)"; empty for a node that did not end well.
std::string Finished(const orchestrator::NodeOutcome& outcome) {
  switch (outcome.state) {
    case orchestrator::NodeState::kSucceeded:
      return StrCat("done in ", static_cast<int64_t>(outcome.seconds * 1000), " ms (execution ",
                    outcome.execution_id, ")");
    case orchestrator::NodeState::kCached:
      return StrCat("cached (execution ", outcome.execution_id, ")");
    default:
      return "";
  }
}

// "I/N" as a shard task: shard I (from 0) of N.
absl::StatusOr<orchestrator::ShardTask> ParseShard(const std::string& text) {
  orchestrator::ShardTask shard{.kind = orchestrator::ShardTask::Kind::kShard};
  const size_t slash = text.find('/');
  if (slash == std::string::npos || !absl::SimpleAtoi(text.substr(0, slash), &shard.index) ||
      !absl::SimpleAtoi(text.substr(slash + 1), &shard.count) || shard.count < 1 ||
      shard.count > pipeline::kMaxShards || shard.index < 0 || shard.index >= shard.count) {
    return absl::InvalidArgumentError(StrCat("--shard ", text,
                                             ": write I/N, shard I from 0 to N-1 of N (1 to ",
                                             pipeline::kMaxShards, ")"));
  }
  return shard;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto file = std::make_shared<std::string>();
  auto run_id = std::make_shared<std::string>();
  auto explain = std::make_shared<bool>(false);
  CLI::App* cmd =
      app.add_subcommand("run", "Run a pipeline file: every node, in dependency order.");
  cmd->footer(
      "Every execution and artifact is recorded in the metadata store (ML Metadata's model; "
      "${WEIR_HOME}/metadata.db by default). Each node's outputs go to "
      "<pipeline_root>/<node>/<output>/<execution id>/ (pipeline_root defaults to "
      "${WEIR_HOME}/artifacts/<pipeline>; WEIR_HOME to ~/weir) and appear atomically. With "
      "enable_cache, a node whose component version, parameters, inputs and external files are "
      "unchanged reuses its earlier outputs. A failed node stops the nodes downstream of it and "
      "the exit code is non-zero; running again redoes only what did not complete. Each node "
      "logs to ${WEIR_HOME}/logs/<pipeline>/<run>/<node>.log.\n\n"
      "Examples:\n"
      "  weir run examples/taxi/pipeline_solution.yaml\n"
      "  weir run examples/taxi/pipeline_solution.yaml --explain-cache");
  cmd->add_option("FILE", *file, "The pipeline file (YAML, JSON or .pbtxt)")->required();
  cmd->add_option("--run_id", *run_id,
                  "Name of this run (default: the UTC time): letters, digits and _ . ~ : + -");
  cmd->add_flag("--explain-cache", *explain,
                "Say why each node was or was not taken from the cache");
  cmd->callback([file, run_id, explain, &exit_code]() {
    absl::StatusOr<LoadedPipeline> loaded = LoadPipeline(*file);
    if (!loaded.ok()) {
      exit_code = ReportError("run", loaded.status());
      return;
    }
    bool explain_cache = *explain;
    auto progress = [explain_cache](const pipeline::NodeSpec& node, size_t index, size_t total,
                                    const orchestrator::NodeOutcome* outcome) {
      std::string prefix = StrCat("[", index + 1, "/", total, "] ", node.id());
      if (outcome == nullptr) {
        std::cout << prefix << " (" << node.component() << ") started" << std::endl;
      } else if (const std::string finished = Finished(*outcome); !finished.empty()) {
        std::cout << prefix << " " << finished << std::endl;
      } else if (outcome->state == orchestrator::NodeState::kFailed) {
        std::cout << prefix << " FAILED: " << outcome->error
                  << "\n      log: " << outcome->log_file.string() << std::endl;
      } else {
        std::cout << prefix << " skipped: " << outcome->error << std::endl;
      }
      if (outcome != nullptr && explain_cache && !outcome->cache_reason.empty()) {
        std::cout << "      " << outcome->cache_reason << std::endl;
      }
    };
    const pipeline::PipelineSpec& spec = loaded->spec;
    auto result = orchestrator::RunPipeline(spec, pipeline::BuiltinRegistry(), *loaded->store,
                                            *run_id, progress);
    if (!result.ok()) {
      exit_code = ReportError("run", result.status());
      return;
    }
    if (!result->ok()) {
      std::cerr << "weir run: pipeline " << spec.name() << " run " << result->run_id << " failed\n";
      exit_code = 1;
      return;
    }
    std::cout << "Pipeline " << spec.name() << " run " << result->run_id
              << " succeeded; artifacts under " << spec.pipeline_root() << "\n";
  });
}

void AddRunNodeCommand(CLI::App& app, int& exit_code) {
  auto file = std::make_shared<std::string>();
  auto run_id = std::make_shared<std::string>();
  auto node_id = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "run-node", "Run one node of a pipeline run (for Airflow, weir's scheduler, or a script).");
  cmd->footer(
      "The node's inputs are the outputs of its upstream nodes' latest successful executions in "
      "the same run, read from the metadata store, so nodes of one run may run in different "
      "processes or on different machines sharing the store. The same driver, cache, executor "
      "and publisher as `weir run`; the run is created by its first node. Exit code 0 when the "
      "node succeeded or was cached; the node's log is in "
      "${WEIR_HOME}/logs/<pipeline>/<run>/<node>.log.\n\n"
      "Example (what `weir run` does, one process per node):\n"
      "  for node in CsvExampleGen StatisticsGen SchemaGen; do\n"
      "    weir run-node --pipeline examples/taxi/pipeline_solution.yaml --run r1 --node $node\n"
      "  done\n\n"
      "A node given `shards: N` in the pipeline file may also run as N shard tasks, on as many "
      "machines at once, then a merge task, as `weir export airflow|kfp` runs it; the outputs "
      "are the same as the whole node's:\n"
      "  weir run-node --pipeline p.yaml --run r1 --node StatisticsGen --shard 0/2 &\n"
      "  weir run-node --pipeline p.yaml --run r1 --node StatisticsGen --shard 1/2; wait\n"
      "  weir run-node --pipeline p.yaml --run r1 --node StatisticsGen --merge_shards 2");
  cmd->add_option("--pipeline", *file, "The pipeline file")->required();
  cmd->add_option(
         "--run", *run_id,
         "The run id (the same for every node of the run): letters, digits and _ . ~ : + -")
      ->required();
  cmd->add_option("--node", *node_id, "The node id")->required();
  auto interval_start = std::make_shared<std::string>();
  cmd->add_option("--data_interval_start", *interval_start,
                  "Where the run's data interval starts, in UTC (Airflow's {{ data_interval_start "
                  "}}, e.g. 2026-12-06T00:00:00+00:00): a CsvExampleGen whose pattern names dates "
                  "reads that day's span. Default: what weir's scheduler recorded for the run, "
                  "else none (the latest span)");
  auto shard = std::make_shared<std::string>();
  auto merge_shards = std::make_shared<int>(0);
  cmd->add_option("--shard", *shard,
                  "I/N: do shard I (from 0) of N of a sharded node's work (StatisticsGen), as one "
                  "of N tasks on as many machines, instead of the whole node; the merge task "
                  "(--merge_shards N) then makes the outputs. No execution is recorded for a "
                  "shard; its part waits under the node's folder in the pipeline root");
  cmd->add_option("--merge_shards", *merge_shards,
                  "N: run the node by merging the parts its N shards made in this run (what "
                  "`weir export airflow|kfp` runs after a node's shard tasks); fails naming the "
                  "first shard that has not finished")
      ->check(CLI::Range(1, pipeline::kMaxShards));
  cmd->callback([file, run_id, node_id, interval_start, shard, merge_shards, &exit_code]() {
    absl::StatusOr<orchestrator::NodeOutcome> outcome =
        [&]() -> absl::StatusOr<orchestrator::NodeOutcome> {
      orchestrator::RunNodeOptions options;
      if (!shard->empty() && *merge_shards > 0) {
        return absl::InvalidArgumentError("--shard and --merge_shards: give one or the other");
      }
      if (!shard->empty()) {
        ASSIGN_OR_RETURN(options.shard, ParseShard(*shard));
      } else if (*merge_shards > 0) {
        options.shard = {.kind = orchestrator::ShardTask::Kind::kMerge, .count = *merge_shards};
      }
      std::optional<int64_t>& interval_start_ms = options.data_interval_start_ms;
      if (!interval_start->empty()) {
        absl::StatusOr<scheduler::TimePoint> start = scheduler::ParseUtcTime(*interval_start);
        if (!start.ok()) {
          return absl::InvalidArgumentError(
              StrCat("--data_interval_start: ", start.status().message()));
        }
        interval_start_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(start->time_since_epoch())
                .count();
      }
      ASSIGN_OR_RETURN(LoadedPipeline loaded, LoadPipeline(*file));
      return orchestrator::RunNode(loaded.spec, pipeline::BuiltinRegistry(), *loaded.store, *run_id,
                                   *node_id, nullptr, options);
    }();
    if (!outcome.ok()) {
      exit_code = ReportError("run-node", outcome.status());
      return;
    }
    const std::string finished = Finished(*outcome);
    if (finished.empty()) {
      std::cerr << "weir run-node: " << *node_id << " FAILED: " << outcome->error
                << "\n  log: " << outcome->log_file.string() << "\n";
      exit_code = 1;
      return;
    }
    if (!shard->empty()) {  // A shard has no execution: say what it did.
      std::cout << *node_id << " shard " << *shard << " " << outcome->cache_reason;
    } else {
      std::cout << *node_id << " " << finished;
    }
    std::cout << "\n  log: " << outcome->log_file.string() << "\n";
  });
}

}  // namespace weir::cli
