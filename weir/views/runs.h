// What the metadata store recorded, as `weir runs`, `weir executions`, `weir artifacts`,
// `weir artifact show` and `weir lineage` print it: the runner's pipeline runs, executions and
// artifacts with their lineage, the way TFX users read them with ML Metadata's Python API.
//
// Each view is built once as JSON with stable field names (documented in docs/metadata.md) and
// rendered as text from that JSON, so that `--json` and the tables never disagree. The views read
// what weir/orchestrator/local_runner.cc writes: contexts of type "pipeline", "pipeline_run"
// (named "<pipeline>.<run id>", a child of its pipeline's context) and "node"; executions with the
// custom properties run_id, node_id, error and cached_from_execution; INPUT and OUTPUT events whose
// path is the input or output name. A store written by TFX (run contexts named by the run id
// alone, no node_id property) is read as far as it goes.
#ifndef WEIR_VIEWS_RUNS_H_
#define WEIR_VIEWS_RUNS_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/metadata/metadata_store.h"

namespace weir::views {

// Opens the store at `location` (a file, or a postgresql:// URI) for the views. Errors: NotFound
// naming the file (and saying to run a pipeline first) when there is no such file, rather than
// creating an empty store there; those of MetadataStore::Open.
absl::StatusOr<std::unique_ptr<metadata::MetadataStore>> OpenExistingStore(
    const std::string& location);

// "2026-11-26T11:15:00.123Z" (UTC, milliseconds); "" for 0, ML Metadata's "not recorded".
std::string FormatUtcTime(int64_t ms);

// Lower-case names of ML Metadata's states: "live", "abandoned", ...; "complete", "cached", ...
std::string_view ArtifactStateName(metadata::Artifact::State state);
std::string_view ExecutionStateName(metadata::Execution::State state);

// {"runs": [{"run_id", "pipeline", "started", "state", "trigger", "nodes", "executions",
// "cached", "failed", "duration_ms"}]}, newest first. A run the scheduler manages has its own
// state (queued, running, success, failed) and trigger (manual, scheduled); for the others
// (weir run) trigger is null and the state is "failed" when a node failed, "running" when one
// is new or running or none is recorded yet, "success" otherwise. A node executed more than once
// in a run (weir run-node after a failure) counts by its latest execution: nodes counts the nodes
// with an execution (nodes skipped after a failure have none), cached and failed those whose
// latest execution was cached or failed (or canceled), executions every execution.
// duration_ms runs from the start to the last update of an execution, null without executions.
// A non-empty `pipeline_name` keeps that pipeline's runs only (none when it has no runs).
absl::StatusOr<nlohmann::ordered_json> ListRuns(metadata::MetadataStore& store,
                                                std::string_view pipeline_name);
// One row per run, or "No runs recorded." when there are none.
std::string RenderRuns(const nlohmann::ordered_json& runs);

// {"executions": [{"id", "pipeline", "run_id", "node", "component", "state", "started",
// "duration_ms", "error", "cached_from_execution", "properties"}]}, in id order (the order they
// started). `run` (empty: every execution) is a run id, or "<pipeline>.<run id>" when two
// pipelines have a run of that id. Fields the store does not know are null; duration_ms is null
// until the execution ends. Errors: NotFound for an unknown run; InvalidArgument for a run id
// that several pipelines use.
absl::StatusOr<nlohmann::ordered_json> ListExecutions(metadata::MetadataStore& store,
                                                      std::string_view run);
// One row per execution (the first line of each error, shortened), or "No executions recorded."
std::string RenderExecutions(const nlohmann::ordered_json& executions);

// {"artifacts": [{"id", "type", "uri", "state", "properties", "created", "producer_execution",
// "pipeline", "run_id", "node"}]}, in id order. properties are the custom properties (what the
// components record: split names, span, ...); producer_execution, pipeline, run_id and node name
// the execution that wrote the artifact (null when none is recorded: an abandoned output).
// `type` (empty: any) keeps artifacts of that type; `run` (empty: any, otherwise as for
// ListExecutions) the artifacts that run produced or took from the cache. Errors: as
// ListExecutions; InvalidArgument for a type no artifact has, listing those that exist.
absl::StatusOr<nlohmann::ordered_json> ListArtifacts(metadata::MetadataStore& store,
                                                     std::string_view type, std::string_view run);
// One row per artifact (the properties are in the JSON and in RenderArtifact), or
// "No artifacts recorded."
std::string RenderArtifacts(const nlohmann::ordered_json& artifacts);

// Everything about one artifact: {"id", "type", "uri", "name", "state", "properties",
// "declared_properties", "created", "updated", "producer", "reused_by", "consumers",
// "contexts"}. producer is the execution that first output it (null when none did);
// reused_by the later executions that output it again (cached executions, resolvers); consumers
// the executions that took it as an input. Each of those is {"execution_id", "pipeline",
// "run_id", "node", "component", "state", "output" or "input"}; contexts are
// [{"type", "name"}]. Errors: NotFound for an unknown id.
absl::StatusOr<nlohmann::ordered_json> DescribeArtifact(metadata::MetadataStore& store,
                                                        int64_t artifact_id);
// A field per line, then the producer, reuses, consumers and contexts.
std::string RenderArtifact(const nlohmann::ordered_json& artifact);

// How deep `weir lineage` goes by default, in executions from the artifact.
inline constexpr int kDefaultLineageDepth = 50;

// The artifact's lineage as two trees: {"artifact": {"id", "type", "uri", "state", "created"},
// "upstream": E or null, "downstream": [E, ...]}. Upstream, E is the execution that produced the
// artifact, {"execution_id", "pipeline", "run_id", "node", "component", "state", "inputs"}, each
// input an artifact {"input" (the name E read it as), "id", "type", "uri", "state",
// "produced_by": E or null}. Downstream, each E read the artifact: {"input", the same execution
// fields, "outputs"}, each output {"output", "id", "type", "uri", "state", "consumed_by": [E]}.
// An artifact or execution already expanded elsewhere in the same tree has "repeated": true and
// no children; an artifact `max_depth` executions away whose lineage goes on has "truncated": true
// and no children. So the trees stay finite and small whatever the store holds. Errors: NotFound
// for an unknown id; InvalidArgument for max_depth < 1.
absl::StatusOr<nlohmann::ordered_json> Lineage(metadata::MetadataStore& store, int64_t artifact_id,
                                               int max_depth = kDefaultLineageDepth);
// Both trees, indented with box-drawing lines.
std::string RenderLineage(const nlohmann::ordered_json& lineage);

}  // namespace weir::views

#endif  // WEIR_VIEWS_RUNS_H_
