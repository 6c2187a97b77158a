// weir run-node: one node of a pipeline run, as an external orchestrator calls it.
#include <iostream>

#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::cli {

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
      "  done");
  cmd->add_option("--pipeline", *file, "The pipeline file")->required();
  cmd->add_option("--run", *run_id, "The run id (the same for every node of the run)")->required();
  cmd->add_option("--node", *node_id, "The node id")->required();
  cmd->callback([file, run_id, node_id, &exit_code]() {
    pipeline::ComponentRegistry registry;
    pipeline::RegisterBuiltins(registry);
    auto spec = pipeline::LoadPipelineFile(*file, registry);
    if (!spec.ok()) {
      exit_code = ReportError("run-node", spec.status());
      return;
    }
    auto store = orchestrator::OpenPipelineStore(*spec);
    if (!store.ok()) {
      exit_code = ReportError("run-node", store.status());
      return;
    }
    auto outcome = orchestrator::RunNode(*spec, registry, **store, *run_id, *node_id, nullptr);
    if (!outcome.ok()) {
      exit_code = ReportError("run-node", outcome.status());
      return;
    }
    switch (outcome->state) {
      case orchestrator::NodeState::kSucceeded:
        std::cout << *node_id << " done in " << static_cast<int64_t>(outcome->seconds * 1000)
                  << " ms (execution " << outcome->execution_id << ")\n";
        break;
      case orchestrator::NodeState::kCached:
        std::cout << *node_id << " cached (execution " << outcome->execution_id << ")\n";
        break;
      default:
        std::cerr << "weir run-node: " << *node_id << " FAILED: " << outcome->error
                  << "\n  log: " << outcome->log_file.string() << "\n";
        exit_code = 1;
        return;
    }
    std::cout << "  log: " << outcome->log_file.string() << "\n";
  });
}

}  // namespace weir::cli
