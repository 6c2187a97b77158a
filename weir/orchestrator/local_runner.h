// Runs a pipeline in this process, node by node in dependency order, recording every execution
// and artifact in the metadata store (ML Metadata's data model) with its lineage:
//  - driver: resolve the node's inputs (this run's outputs of its upstream nodes) and compute its
//    cache key (component type and version, parameters, input artifacts, and the fingerprint of
//    what it reads from outside the pipeline, e.g. the CSV files);
//  - cache: with enable_cache, an earlier COMPLETE execution of the same node with the same key
//    whose outputs are LIVE is reused: a CACHED execution linked to the same artifacts;
//  - executor: otherwise the component runs into <pipeline_root>/<node>/<output>/<execution id>/,
//    each output appearing atomically;
//  - publisher: outputs LIVE and the execution COMPLETE in one transaction (FAILED, and its
//    outputs ABANDONED, when the executor fails).
// Nodes whose upstream nodes are done run at the same time, up to one per core, each with its
// own connection to the store. A failed node skips the nodes downstream of it; running the
// pipeline again redoes only what did not complete, since everything that did is found in the
// cache.
#ifndef WEIR_ORCHESTRATOR_LOCAL_RUNNER_H_
#define WEIR_ORCHESTRATOR_LOCAL_RUNNER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/metadata/metadata_store.h"
#include "weir/pipeline/component_registry.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::orchestrator {

enum class NodeState { kSucceeded, kCached, kFailed, kSkipped };

struct NodeOutcome {
  std::string node_id;
  NodeState state = NodeState::kSkipped;
  int64_t execution_id = 0;
  double seconds = 0;
  std::string error;         // Why it failed, or which upstream node failed.
  std::string cache_reason;  // Why it was or was not taken from the cache.
  // Each output's artifacts (one, or any number for a resolver's `multiple` output); an output a
  // resolver found nothing for has no entry.
  std::map<std::string, std::vector<pipeline::ArtifactRef>> outputs;
  // What the executor reported for each output it made, before they are recorded.
  std::map<std::string, components::ArtifactProperties> output_properties;
  std::filesystem::path log_file;  // ${WEIR_HOME}/logs/<pipeline>/<run>/<node>.log
};

struct RunResult {
  std::string run_id;
  std::vector<NodeOutcome> nodes;  // In execution order.
  bool ok() const;
};

// Called as each node starts (outcome == nullptr) and ends; one call at a time, from the thread
// running the node.
using ProgressCallback = std::function<void(const pipeline::NodeSpec& node, size_t index,
                                            size_t total, const NodeOutcome* outcome)>;

// OK when `run_id` can name a run: 1 to 250 of the characters Airflow's run ids use (letters,
// digits, _ . ~ : + -), not starting with '.'. A run id names folders (its nodes' logs), so a
// '/' or ".." would reach outside them. InvalidArgument saying so otherwise.
absl::Status CheckRunId(std::string_view run_id);

// Runs every node of `spec`, recording in `store`. `run_id` names the pipeline_run context
// (default: the UTC time, e.g. 20261126T111500.123Z); a given id must be new for this pipeline.
absl::StatusOr<RunResult> RunPipeline(const pipeline::PipelineSpec& spec,
                                      const pipeline::ComponentRegistry& registry,
                                      metadata::MetadataStore& store, std::string run_id,
                                      const ProgressCallback& progress);

// Which part of a node one RunNode does, for a component that can be sharded
// (pipeline::ShardedExecutor): the whole node, one shard's share of the work, or the merge of
// every shard's part into the node's outputs.
//  - A shard records no execution. It resolves the node's inputs and cache key as the node would;
//    when the cache holds the node's outputs it does nothing (the merge will reuse them), else it
//    writes its part, published at once, under <pipeline_root>/<node>/.shards/<run id>/<key>/,
//    where a retried shard finds it done.
//  - The merge is the node's execution (cache, lineage, publisher as for the whole node); its
//    executor merges the parts of the same cache key, and fails naming the first shard missing.
//    Once the node succeeds its parts are removed.
struct ShardTask {
  enum class Kind { kWhole, kShard, kMerge };
  Kind kind = Kind::kWhole;
  int index = 0;  // kShard: which shard, from 0.
  int count = 0;  // kShard and kMerge: how many shards.
};

struct RunNodeOptions {
  // Where the run's data interval starts (an external orchestrator's, e.g. Airflow's); without
  // it, what the run records (metadata::kDataIntervalStartProperty).
  std::optional<int64_t> data_interval_start_ms;
  ShardTask shard;
};

// Runs one node of run `run_id` (created if new), as an external orchestrator (Airflow, weir's
// scheduler, a shell script) calls it: its inputs are the outputs of the upstream nodes' latest
// successful executions in that run, read from the store. The same driver, cache, executor and
// publisher as RunPipeline. FailedPrecondition when an upstream node has not succeeded yet;
// InvalidArgument for a shard task of a component that cannot be sharded.
absl::StatusOr<NodeOutcome> RunNode(const pipeline::PipelineSpec& spec,
                                    const pipeline::ComponentRegistry& registry,
                                    metadata::MetadataStore& store, const std::string& run_id,
                                    const std::string& node_id, const ProgressCallback& progress,
                                    const RunNodeOptions& options = {});

// The contexts of a run (weir/metadata/run_records.h names their types).
struct RunContexts {
  int64_t pipeline = 0;
  int64_t run = 0;
};

// The pipeline and pipeline_run contexts of a run, created when missing.
absl::StatusOr<RunContexts> EnsureRunContexts(metadata::MetadataStore& store,
                                              const pipeline::PipelineSpec& spec,
                                              const std::string& run_id);

// The file a node's log goes to: ${WEIR_NODE_LOG} when set (the scheduler gives each attempt its
// own), else ${WEIR_HOME}/logs/<pipeline>/<run id>/<node>.log.
std::filesystem::path NodeLogPath(const std::string& pipeline, const std::string& run_id,
                                  const std::string& node_id);

// Opens the store the pipeline names: its SQLite file or PostgreSQL database.
absl::StatusOr<std::unique_ptr<metadata::MetadataStore>> OpenPipelineStore(
    const pipeline::PipelineSpec& spec);

}  // namespace weir::orchestrator

#endif  // WEIR_ORCHESTRATOR_LOCAL_RUNNER_H_
