// A pipeline as a Kubeflow Pipelines v2 pipeline spec (`weir export kfp`): the IR YAML that KFP 2
// and Vertex AI Pipelines run, as TFX's KubeflowV2DagRunner writes it, with one container task
// per node running `weir run-node` for the pipeline job's id. KFP schedules, retries and runs the
// containers; weir's metadata store (PostgreSQL) and artifact root (a filesystem every pod
// mounts) carry the artifacts from task to task.
#ifndef WEIR_PIPELINE_KFP_EXPORT_H_
#define WEIR_PIPELINE_KFP_EXPORT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::pipeline {

// The container image tasks run when none is given (`docker build -t weir .` in the repository).
inline constexpr char kDefaultImage[] = "weir";

struct KfpExportOptions {
  // The pipeline file the tasks run (a path inside the image, or on a volume every pod mounts).
  std::string pipeline_file;
  std::string image = kDefaultImage;  // With weir on its PATH.
  // Environment every task gets (WEIR_HOME, a PostgreSQL password variable, ...).
  std::map<std::string, std::string> environment;
};

// The pipeline spec as YAML (schemaVersion 2.1.0). A pipeline spec holds no per-task timeout and
// no schedule: a node's timeout runs `weir run-node` under coreutils' timeout in the container,
// and a schedule is a recurring run made in KFP (docs/scale-out.md).
absl::StatusOr<std::string> ExportKfpPipeline(const PipelineSpec& spec,
                                              const KfpExportOptions& options);

}  // namespace weir::pipeline

#endif  // WEIR_PIPELINE_KFP_EXPORT_H_
