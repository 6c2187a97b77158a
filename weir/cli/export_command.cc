// weir export: a pipeline file as an Airflow DAG module; a trained model as one ONNX file.
#include <cstdlib>
#include <iostream>
#include <map>

#include "weir/base/artifact_layout.h"
#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/io/example/example_files.h"
#include "weir/model/serving_model.h"
#include "weir/onnx/onnx_export.h"
#include "weir/pipeline/airflow_export.h"
#include "weir/pipeline/component_registry.h"
#include "weir/pipeline/kfp_export.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::cli {
namespace {

// The flags of the pipeline exports (airflow, kfp).
struct PipelineExportFlags {
  std::string file;
  std::string output;
  std::string image;
  std::vector<std::string> env;
};

// The environment every task gets: WEIR_HOME as it is here (workers resolve the default store
// and artifact root as this machine does), then each --env NAME=VALUE.
absl::StatusOr<std::map<std::string, std::string>> TaskEnvironment(
    const PipelineExportFlags& flags) {
  std::map<std::string, std::string> environment;
  environment["WEIR_HOME"] = pipeline::WeirHome().string();
  for (const std::string& setting : flags.env) {
    const size_t equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      return absl::InvalidArgumentError(StrCat("--env '", setting, "': write NAME=VALUE"));
    }
    environment[setting.substr(0, equals)] = setting.substr(equals + 1);
  }
  return environment;
}

// "9 nodes" or "9 nodes (StatisticsGen in 4 shards)": what an export's tasks run.
std::string NodesAndShards(const pipeline::PipelineSpec& spec) {
  std::string sharded;
  for (const pipeline::NodeSpec& node : spec.nodes()) {
    if (node.shards() > 1)
      sharded += StrCat(sharded.empty() ? "" : ", ", node.id(), " in ", node.shards(), " shards");
  }
  return StrCat(spec.nodes_size(), " nodes", sharded.empty() ? "" : StrCat(" (", sharded, ")"));
}

absl::Status ExportAirflow(const PipelineExportFlags& flags) {
  ASSIGN_OR_RETURN(const pipeline::PipelineSpec spec,
                   pipeline::LoadPipelineFile(flags.file, pipeline::BuiltinRegistry()));
  pipeline::AirflowExportOptions options{.pipeline_file = spec.source_file(), .image = flags.image};
  ASSIGN_OR_RETURN(options.environment, TaskEnvironment(flags));
  ASSIGN_OR_RETURN(const std::string dag, pipeline::ExportAirflowDag(spec, options));
  RETURN_IF_ERROR(base::WriteFileAtomically(flags.output, dag));
  std::cout << "Wrote " << flags.output << ": the Airflow DAG '" << spec.name() << "', "
            << NodesAndShards(spec) << " as tasks running weir run-node"
            << (flags.image.empty() ? "" : StrCat(" in ", flags.image)) << std::endl;
  return absl::OkStatus();
}

absl::Status ExportKfp(const PipelineExportFlags& flags) {
  ASSIGN_OR_RETURN(const pipeline::PipelineSpec spec,
                   pipeline::LoadPipelineFile(flags.file, pipeline::BuiltinRegistry()));
  pipeline::KfpExportOptions options{.pipeline_file = spec.source_file()};
  if (!flags.image.empty()) options.image = flags.image;
  ASSIGN_OR_RETURN(options.environment, TaskEnvironment(flags));
  ASSIGN_OR_RETURN(const std::string yaml, pipeline::ExportKfpPipeline(spec, options));
  RETURN_IF_ERROR(base::WriteFileAtomically(flags.output, yaml));
  std::cout << "Wrote " << flags.output << ": the KFP pipeline spec '" << spec.name() << "', "
            << NodesAndShards(spec) << " as container tasks running weir run-node in "
            << options.image << std::endl;
  return absl::OkStatus();
}

struct OnnxFlags {
  std::string model;
  std::string output;
  std::string examples;
  std::string split = "eval";
};

// How many rows of a split the OOV approximation touches (onnx_export.h).
absl::StatusOr<onnx::ApproximatedRows> CountApproximatedRows(const onnx::OnnxExport& exported,
                                                             const model::ServingModel& model,
                                                             const OnnxFlags& flags) {
  ASSIGN_OR_RETURN(std::vector<std::filesystem::path> files,
                   io::ExampleFiles(SplitDir(flags.examples, flags.split)));
  onnx::ApproximatedRows total;
  io::ExampleBlockReader reader(files);
  while (true) {
    ASSIGN_OR_RETURN(std::optional<io::ExampleBlock> block, reader.Next());
    if (!block) return total;
    ASSIGN_OR_RETURN(data::RecordBatch batch, block->Decode());
    const onnx::ApproximatedRows rows = onnx::CountApproximatedRows(exported, model, batch);
    total.rows += rows.rows;
    total.unseen += rows.unseen;
    total.other_bucket += rows.other_bucket;
  }
}

absl::Status ExportOnnx(const OnnxFlags& flags) {
  ASSIGN_OR_RETURN(std::unique_ptr<model::ServingModel> model,
                   model::ServingModel::Load(flags.model));
  absl::StatusOr<onnx::OnnxExport> exported = onnx::ExportOnnx(*model);
  if (!exported.ok()) {
    return absl::Status(exported.status().code(),
                        StrCat(flags.model, ": ", exported.status().message()));
  }
  const std::string bytes = exported->model.SerializeAsString();
  RETURN_IF_ERROR(base::WriteFileAtomically(flags.output, bytes));
  const onnx::proto::GraphProto& graph = exported->model.graph();
  std::cout << "Wrote " << flags.output << " (" << bytes.size()
            << " bytes): " << model->spec().config().family() << ", " << graph.input_size()
            << " raw inputs, outputs";
  for (const auto& output : graph.output()) std::cout << " " << output.name();
  std::cout << "; ONNX IR " << onnx::kIrVersion << ", opset " << onnx::kOpsetVersion
            << ", ai.onnx.ml " << onnx::kMlOpsetVersion << std::endl;
  for (const std::string& caveat : exported->caveats) std::cout << "Note: " << caveat << std::endl;
  if (!flags.examples.empty()) {
    ASSIGN_OR_RETURN(const onnx::ApproximatedRows rows,
                     CountApproximatedRows(*exported, *model, flags));
    std::cout << "Split-" << flags.split << ": " << rows.unseen << " of " << rows.rows
              << " rows hold a token outside an approximated vocabulary; " << rows.other_bucket
              << " of them get another OOV bucket from weir, the only rows whose outputs can differ"
              << std::endl;
  }
  return absl::OkStatus();
}

}  // namespace

void AddExportCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Export to other engines: a pipeline as an Airflow DAG or a Kubeflow Pipelines / Vertex AI "
      "pipeline spec (they run the nodes); a trained model as an ONNX file (ONNX Runtime in "
      "browsers, Node.js, Python and phones runs it).");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<PipelineExportFlags>();
  CLI::App* airflow = cmd->add_subcommand(
      "airflow",
      "Write an Airflow 2 DAG module: one task per node running `weir run-node --pipeline FILE "
      "--run {{ run_id }} --node N` (a BashOperator, or a KubernetesPodOperator with --image), "
      "with the pipeline's schedule, start date, catchup and max_active_runs, each node's "
      "retries (with Airflow's exponential backoff, as weir's scheduler doubles the wait) and "
      "timeout, and the nodes' dependencies. A node with `shards: N` is a mapped task of N "
      "shards (`--shard I/N`, dynamic task mapping) and then its merge task (`--merge_shards "
      "N`).");
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

  auto kfp_flags = std::make_shared<PipelineExportFlags>();
  CLI::App* kfp = cmd->add_subcommand(
      "kfp",
      "Write a Kubeflow Pipelines v2 pipeline spec (the IR YAML that KFP 2 and Vertex AI "
      "Pipelines run, as TFX's KubeflowV2DagRunner writes): one container task per node running "
      "`weir run-node --pipeline FILE --run <pipeline job uuid> --node N` in the image, with the "
      "nodes' dependencies, retries (KFP's exponential backoff) and timeouts (coreutils' timeout "
      "in the container), and KFP's cache off (weir caches nodes itself). A node with `shards: "
      "N` is a ParallelFor of N shard tasks (`--shard I/N`) and then its merge task "
      "(`--merge_shards N`).");
  kfp->add_option("FILE", kfp_flags->file, "The pipeline file")->required();
  kfp->add_option("--output", kfp_flags->output, "The pipeline spec to write (.yaml)")->required();
  kfp->add_option("--image", kfp_flags->image,
                  StrCat("The container image the tasks run, with weir on its PATH (default ",
                         pipeline::kDefaultImage,
                         ": `docker build -t weir .` in weir's repository, whose "
                         "Dockerfile builds it on Debian 12)"));
  kfp->add_option("--env", kfp_flags->env,
                  "NAME=VALUE for every task (repeatable); WEIR_HOME is set to this machine's "
                  "unless given");
  kfp->footer(
      "Upload the file to KFP (kfp.Client().create_run_from_pipeline_package, or the UI) or "
      "submit it to Vertex AI Pipelines (aiplatform.PipelineJob(template_path=...)). Every pod "
      "needs the pipeline file and its data at the same paths (in the image or on a volume), "
      "the metadata store the pipeline names (PostgreSQL; its password from the environment "
      "variable the file names) and the artifact root on a filesystem they all mount. A schedule "
      "is a recurring run made in KFP. A task that fails or is killed is retried by KFP: the "
      "rerun closes the killed attempt and publishes nothing half-written (docs/scale-out.md).\n\n"
      "Example:\n  weir export kfp examples/taxi/pipeline_solution.yaml --output taxi.yaml "
      "--image registry.example.com/weir:0.1 --env WEIR_HOME=/mnt/weir");
  kfp->callback([kfp_flags, &exit_code]() {
    if (absl::Status done = ExportKfp(*kfp_flags); !done.ok())
      exit_code = ReportError("export kfp", done);
  });

  auto onnx_flags = std::make_shared<OnnxFlags>();
  CLI::App* onnx = cmd->add_subcommand(
      "onnx",
      "Write a trained model as one ONNX graph from raw features to outputs: the transform "
      "(fill_missing, scale_to_z_score, scale_to_0_1, bucketize, compute_and_apply_vocabulary, "
      "categorical_identity, one_hot, log1p, clip, expressions) and the model (gbdt as a tree "
      "ensemble, "
      "wide_deep and linear as matrix products). A caller sends the raw columns it sends to "
      "weir serve and gets the same outputs.");
  onnx->add_option("--model", onnx_flags->model,
                   "A Trainer's Model artifact folder, or a pushed version's folder")
      ->required();
  onnx->add_option("--output", onnx_flags->output, "The ONNX file to write (.onnx)")->required();
  onnx->add_option("--examples", onnx_flags->examples,
                   "An Examples artifact (raw examples, e.g. CsvExampleGen's): count the rows of "
                   "--split that the OOV approximation touches");
  onnx->add_option("--split", onnx_flags->split, "The split of --examples")->capture_default_str();
  onnx->footer(
      "Inputs: one [N, 1] tensor per raw feature the model reads, named after it and typed as "
      "the schema says (float, int64, string). A missing value is NaN (float), \"\" (string) or "
      "-9223372036854775808 (int). Outputs: probabilities (and classes for multiclass) or "
      "predictions, [N, width]. ONNX IR 8, opsets ai.onnx 17 and ai.onnx.ml 3.\n\n"
      "Refused, naming the feature and op: hash_strings and cross (ONNX has no string hash), "
      "custom ops, and trigonometric functions in expressions. A vocabulary's OOV buckets cannot "
      "be reproduced: every token "
      "outside the vocabulary gets the first OOV bucket (weir hashes it into one of them); the "
      "export prints a note for each such feature (docs/export.md).\n\n"
      "Example:\n  weir export onnx --model $WEIR_HOME/serving_model/taxi/1700000000 --output "
      "taxi.onnx");
  onnx->callback([onnx_flags, &exit_code]() {
    if (absl::Status done = ExportOnnx(*onnx_flags); !done.ok())
      exit_code = ReportError("export onnx", done);
  });
}

}  // namespace weir::cli
