// weir run: a whole pipeline in this process.
#include <cstdio>
#include <iostream>

#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::cli {

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
  cmd->add_option("--run_id", *run_id, "Name of this run (default: the UTC time)");
  cmd->add_flag("--explain-cache", *explain,
                "Say why each node was or was not taken from the cache");
  cmd->callback([file, run_id, explain, &exit_code]() {
    pipeline::ComponentRegistry registry;
    pipeline::RegisterBuiltins(registry);
    auto spec = pipeline::LoadPipelineFile(*file, registry);
    if (!spec.ok()) {
      exit_code = ReportError("run", spec.status());
      return;
    }
    auto store = orchestrator::OpenPipelineStore(*spec);
    if (!store.ok()) {
      exit_code = ReportError("run", store.status());
      return;
    }
    bool explain_cache = *explain;
    auto progress = [explain_cache](const pipeline::NodeSpec& node, size_t index, size_t total,
                                    const orchestrator::NodeOutcome* outcome) {
      std::string prefix = StrCat("[", index + 1, "/", total, "] ", node.id());
      if (outcome == nullptr) {
        std::cout << prefix << " (" << node.component() << ") started" << std::endl;
      } else if (outcome->state == orchestrator::NodeState::kSucceeded) {
        std::cout << prefix << " done in " << static_cast<int64_t>(outcome->seconds * 1000)
                  << " ms (execution " << outcome->execution_id << ")" << std::endl;
      } else if (outcome->state == orchestrator::NodeState::kCached) {
        std::cout << prefix << " cached (execution " << outcome->execution_id << ")" << std::endl;
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
    auto result = orchestrator::RunPipeline(*spec, registry, **store, *run_id, progress);
    if (!result.ok()) {
      exit_code = ReportError("run", result.status());
      return;
    }
    if (!result->ok()) {
      std::cerr << "weir run: pipeline " << spec->name() << " run " << result->run_id
                << " failed\n";
      exit_code = 1;
      return;
    }
    std::cout << "Pipeline " << spec->name() << " run " << result->run_id
              << " succeeded; artifacts under " << spec->pipeline_root() << "\n";
  });
}

}  // namespace weir::cli
