// Pipeline files: YAML (or JSON, which is YAML) or text proto, compiled to the PipelineSpec IR
// and checked against the component registry. Every error names file:line and the fix.
#ifndef WEIR_PIPELINE_PIPELINE_SPEC_H_
#define WEIR_PIPELINE_PIPELINE_SPEC_H_

#include <filesystem>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/pipeline/component_registry.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::pipeline {

// The most shards a node may run as (`shards:` in a pipeline file, run-node --shard I/N).
inline constexpr int kMaxShards = 1000;

// $WEIR_HOME, or ~/weir.
std::filesystem::path WeirHome();

// Reads and checks a pipeline file. In every string, ${WEIR_HOME} and ${PIPELINE_DIR} (the
// file's folder) expand; relative paths in path parameters resolve against the file's folder.
// Defaults: pipeline_root ${WEIR_HOME}/artifacts/<name>, metadata sqlite ${WEIR_HOME}/metadata.db.
// Errors: unknown key, component or parameter; a parameter of the wrong type; a missing
// required parameter or input; an input naming an unknown node or output, or an output whose
// artifact type does not fit; a cycle.
absl::StatusOr<PipelineSpec> LoadPipelineFile(const std::filesystem::path& file,
                                              const ComponentRegistry& registry);

// Fills what a pipeline leaves out: pipeline_root ${WEIR_HOME}/artifacts/<name>, metadata
// sqlite ${WEIR_HOME}/metadata.db.
void ApplyDefaults(PipelineSpec& spec);

// Checks a spec (as LoadPipelineFile does after parsing); `source` prefixes messages.
absl::Status ValidatePipeline(const PipelineSpec& spec, const ComponentRegistry& registry);

// Where the pipeline's metadata store is, as MetadataStore::Open takes it: the SQLite file's path,
// or a postgresql:// URI built from the postgres fields (the password read from the variable
// password_env names). Errors: InvalidArgument when password_env names an unset variable.
absl::StatusOr<std::string> MetadataLocation(const PipelineSpec& spec);

// The nodes in an order where each comes after the nodes it reads from; among nodes that could
// run at the same point, file order. Fails on a cycle, naming it.
absl::StatusOr<std::vector<const NodeSpec*>> ExecutionOrder(const PipelineSpec& spec);

}  // namespace weir::pipeline

#endif  // WEIR_PIPELINE_PIPELINE_SPEC_H_
