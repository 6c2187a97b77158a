// A pipeline as an Airflow 2 DAG module (`weir export airflow`): one task per node, each running
// `weir run-node` for the DAG run's id, with the pipeline's schedule and the nodes' dependencies,
// retries and timeouts. Airflow schedules and retries; weir's metadata store (PostgreSQL when the
// workers are several machines) and artifact root (a filesystem every worker mounts) carry the
// artifacts from task to task, as they do between `weir run-node` calls under weir's scheduler.
#ifndef WEIR_PIPELINE_AIRFLOW_EXPORT_H_
#define WEIR_PIPELINE_AIRFLOW_EXPORT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::pipeline {

struct AirflowExportOptions {
  // The pipeline file the tasks run (an absolute path every worker can read).
  std::string pipeline_file;
  // Empty: BashOperator tasks running `weir` from the worker's PATH. Otherwise
  // KubernetesPodOperator tasks in this container image (whose entry point need not be weir).
  std::string image;
  // Environment every task gets (WEIR_HOME, say), beside the worker's own.
  std::map<std::string, std::string> environment;
};

// The DAG module's Python source. InvalidArgument for a schedule Airflow cannot take.
absl::StatusOr<std::string> ExportAirflowDag(const PipelineSpec& spec,
                                             const AirflowExportOptions& options);

}  // namespace weir::pipeline

#endif  // WEIR_PIPELINE_AIRFLOW_EXPORT_H_
