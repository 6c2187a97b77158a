// weir export airflow: a pipeline file as an Airflow DAG module.
#include <cstdlib>
#include <iostream>
#include <map>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/pipeline/airflow_export.h"
#include "weir/pipeline/component_registry.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::cli {
namespace {

struct AirflowFlags {
  std::string file;
  std::string output;
  std::string image;
  std::vector<std::string> env;
};

absl::Status ExportAirflow(const AirflowFlags& flags) {
  ASSIGN_OR_RETURN(const pipeline::PipelineSpec spec,
                   pipeline::LoadPipelineFile(flags.file, pipeline::BuiltinRegistry()));
  pipeline::AirflowExportOptions options{.pipeline_file = spec.source_file(), .image = flags.image};
  // Workers resolve the default store and artifact root as this machine does.
  options.environment["WEIR_HOME"] = pipeline::WeirHome().string();
  for (const std::string& setting : flags.env) {
    const size_t equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      return absl::InvalidArgumentError(StrCat("--env '", setting, "': write NAME=VALUE"));
    }
    options.environment[setting.substr(0, equals)] = setting.substr(equals + 1);
  }
  ASSIGN_OR_RETURN(const std::string dag, pipeline::ExportAirflowDag(spec, options));
  RETURN_IF_ERROR(base::WriteFileAtomically(flags.output, dag));
  std::cout << "Wrote " << flags.output << ": the Airflow DAG '" << spec.name() << "', "
            << spec.nodes_size() << " tasks running weir run-node"
            << (flags.image.empty() ? "" : StrCat(" in ", flags.image)) << std::endl;
  return absl::OkStatus();
}

}  // namespace

void AddExportCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "export", "Export a pipeline to another engine: an Airflow DAG (Airflow runs the nodes).");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<AirflowFlags>();
  CLI::App* airflow = cmd->add_subcommand(
      "airflow",
      "Write an Airflow 2 DAG module: one task per node running `weir run-node --pipeline FILE "
      "--run {{ run_id }} --node N` (a BashOperator, or a KubernetesPodOperator with --image), "
      "with the pipeline's schedule, start date, catchup and max_active_runs, each node's "
      "retries (with Airflow's exponential backoff, as weir's scheduler doubles the wait) and "
      "timeout, and the nodes' dependencies.");
  airflow->add_option("FILE", flags->file, "The pipeline file")->required();
  airflow->add_option("--output", flags->output, "The DAG module to write (.py)")->required();
  airflow->add_option("--image", flags->image,
                      "Run each task as a pod of this container image (which has weir on its "
                      "PATH) instead of on the Airflow worker");
  airflow->add_option("--env", flags->env,
                      "NAME=VALUE for every task (repeatable); WEIR_HOME is set to this "
                      "machine's unless given");
  airflow->footer(
      "Drop the module into Airflow's dags/ folder: it shows the same graph as weir's UI. Every "
      "worker (or pod) needs the pipeline file and its data at the same paths, the metadata "
      "store the pipeline names (a PostgreSQL store when workers are several machines; its "
      "password from the environment variable the file names) and the artifact root on a "
      "filesystem they all mount. A task that fails or is killed is retried by Airflow: the "
      "rerun closes the killed attempt and publishes nothing half-written (docs/scale-out.md).\n\n"
      "Example:\n  weir export airflow examples/taxi/pipeline_solution.yaml --output "
      "~/airflow/dags/taxi.py");
  airflow->callback([flags, &exit_code]() {
    if (absl::Status done = ExportAirflow(*flags); !done.ok())
      exit_code = ReportError("export airflow", done);
  });
}

}  // namespace weir::cli
