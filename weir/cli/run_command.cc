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
  CLI::App* cmd =
      app.add_subcommand("run", "Run a pipeline file: every node, in dependency order.");
  cmd->footer(
      "Each node's outputs go to <pipeline_root>/<node>/<output>/<run id>/ (pipeline_root defaults "
      "to ${WEIR_HOME}/artifacts/<pipeline>; WEIR_HOME defaults to ~/weir) and appear atomically. "
      "A "
      "failed node stops the nodes downstream of it; the exit code is non-zero if any node did not "
      "succeed. This runner does not yet record runs in the metadata store: it neither caches nor "
      "resumes.\n\n"
      "Example:\n  weir run examples/taxi/pipeline_solution.yaml");
  cmd->add_option("FILE", *file, "The pipeline file (YAML, JSON or .pbtxt)")->required();
  cmd->add_option("--run_id", *run_id, "Name of this run's folders (default: the UTC time)");
  cmd->callback([file, run_id, &exit_code]() {
    pipeline::ComponentRegistry registry;
    pipeline::RegisterBuiltins(registry);
    auto spec = pipeline::LoadPipelineFile(*file, registry);
    if (!spec.ok()) {
      exit_code = ReportError("run", spec.status());
      return;
    }
    auto progress = [](const pipeline::NodeSpec& node, size_t index, size_t total,
                       const orchestrator::NodeOutcome* outcome) {
      std::string prefix = StrCat("[", index + 1, "/", total, "] ", node.id());
      if (outcome == nullptr) {
        std::cout << prefix << " (" << node.component() << ") started" << std::endl;
      } else if (outcome->state == orchestrator::NodeState::kSucceeded) {
        std::cout << prefix << " done in " << static_cast<int64_t>(outcome->seconds * 1000) << " ms"
                  << std::endl;
      } else if (outcome->state == orchestrator::NodeState::kFailed) {
        std::cout << prefix << " FAILED: " << outcome->error << std::endl;
      } else {
        std::cout << prefix << " skipped: " << outcome->error << std::endl;
      }
    };
    auto result = orchestrator::RunPipeline(*spec, registry, *run_id, progress);
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
