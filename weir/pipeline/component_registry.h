// The component types a pipeline file may name: their inputs, outputs and parameters. Components
// are registered explicitly (RegisterBuiltins), so a plug-in is one more call.
#ifndef WEIR_PIPELINE_COMPONENT_REGISTRY_H_
#define WEIR_PIPELINE_COMPONENT_REGISTRY_H_

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "weir/components/artifact_properties.h"
#include "weir/metadata/metadata_store.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::pipeline {

enum class ParamType {
  kString,
  kPath,  // A string; a relative path is resolved against the pipeline file's folder.
  kInt,
  kDouble,
  kBool,
  kStringList,
  kMessage,  // A YAML map read into the protobuf message ParamSpec::message_type.
};

std::string ParamTypeName(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  std::string description;
  const google::protobuf::Message* message_type = nullptr;  // For kMessage: its default instance.
};

// An input or output: a name and the TFX artifact type it carries (Examples, Schema, ...).
struct ChannelSpec {
  std::string name;
  std::string artifact_type;
  bool optional = false;  // Inputs only.
  // Several artifacts: an input that takes them (a window of spans), an output that gives them
  // (a resolver's). An output that may give several feeds only inputs that take several.
  bool multiple = false;
  // Inputs only: what the work starts from, not what it is about (a warm start's base model).
  // When it is an output this node made from the same other inputs, that execution is reused:
  // working again would start where it ended, on the same data.
  bool starting_point = false;
};

// An artifact as a node sees it: its metadata id, its folder, and the properties recorded on it
// (span, split_names, ...).
struct ArtifactRef {
  int64_t id = 0;
  std::filesystem::path uri;
  components::ArtifactProperties properties;

  bool operator==(const ArtifactRef&) const = default;
};

// What an executor gets: its parameters, its input artifacts, and the folders it must create for
// its outputs (each must not exist yet; executors publish them atomically).
struct ExecutionContext {
  std::string pipeline_name;
  std::string node_id;
  std::map<std::string, Value> params;
  // Each present input's artifacts, in order: one, or any number for an input that takes
  // several. An absent optional input has no entry.
  std::map<std::string, std::vector<ArtifactRef>> inputs;
  std::map<std::string, std::filesystem::path> outputs;
  // A scheduled run's data interval start (metadata::kDataIntervalStartProperty), in ms since
  // the Unix epoch: CsvExampleGen reads the span of its day when its patterns name dates.
  std::optional<int64_t> data_interval_start_ms;
  // Filled by the executor: properties recorded on each output artifact.
  std::map<std::string, components::ArtifactProperties>* output_properties = nullptr;

  bool has_input(const std::string& name) const { return inputs.contains(name); }
  // The artifact of a present input that takes one.
  const ArtifactRef& input(const std::string& name) const { return inputs.at(name).front(); }
};

using Executor = std::function<absl::Status(const ExecutionContext&)>;

// A component that can run as shards and a merge, on as many machines, as Beam spreads TFX's
// components (`weir run-node --shard I/N`, then `--merge_shards N`; docs/scale-out.md).
struct ShardedExecutor {
  // Shard `index` of `count`: its share of the work, into the new folder `part`.
  std::function<absl::Status(const ExecutionContext& context, int index, int count,
                             const std::filesystem::path& part)>
      shard;
  // The outputs (context.outputs) from every shard's part, in shard order: what the executor
  // would have made.
  std::function<absl::Status(const ExecutionContext& context,
                             const std::vector<std::filesystem::path>& parts)>
      merge;
};

// A fingerprint of what a component reads from outside the pipeline (a CSV folder, a curated
// schema file), so that the cache notices when it changes. Components without one depend only
// on their parameters and input artifacts.
using ExternalFingerprint = std::function<absl::StatusOr<std::string>(const ExecutionContext&)>;

// A resolver node does not run: it picks artifacts that already exist as its outputs, by asking
// the metadata store (TFX's resolver nodes, e.g. LatestBlessedModelResolver), perhaps starting
// from its inputs. It returns output name -> artifact ids (several only for a `multiple`
// output); an output with nothing to pick is left out, and the inputs it would feed downstream
// are then absent (they must be optional).
using Resolver = std::function<absl::StatusOr<std::map<std::string, std::vector<int64_t>>>(
    metadata::MetadataStore& store, const PipelineSpec& pipeline, const ExecutionContext& context)>;

// Inputs a node takes from the store rather than from upstream nodes, e.g. the statistics of the
// span before the one it validates. Called once the wired inputs are known (in `context`), for
// the inputs the pipeline file leaves unwired; returns input name -> artifact id, leaving out
// what it does not find. They are inputs like any other: in the cache key and the lineage.
using StoreInputs = std::function<absl::StatusOr<std::map<std::string, int64_t>>(
    metadata::MetadataStore& store, const ExecutionContext& context)>;

struct ComponentSpec {
  std::string type;
  std::string version;  // Part of the cache key: bump it when the executor's output changes.
  std::string description;
  std::vector<ChannelSpec> inputs;
  std::vector<ChannelSpec> outputs;
  std::vector<ParamSpec> params;
  // Defaulted with {} so registrations may leave them out of designated initialisers.
  Executor executor = {};
  ExternalFingerprint fingerprint = {};
  Resolver resolver = {};  // Set for resolver nodes, which have no executor.
  StoreInputs store_inputs = {};
  ShardedExecutor sharded = {};  // Both set for a component that can be sharded.
  // Checks what can be known of a node before the run: its parameters, also against those of the
  // nodes upstream of it. Errors are reported at the node's line.
  std::function<absl::Status(const NodeSpec& node, const PipelineSpec& pipeline)> check = {};

  const ChannelSpec* FindInput(const std::string& name) const;
  const ChannelSpec* FindOutput(const std::string& name) const;
  const ParamSpec* FindParam(const std::string& name) const;
};

class ComponentRegistry {
 public:
  // Registering a type twice replaces it.
  void Register(ComponentSpec spec);
  // nullptr when no such type is registered.
  const ComponentSpec* Find(const std::string& type) const;
  std::vector<std::string> Types() const;

 private:
  std::map<std::string, ComponentSpec> specs_;
};

// The components weir ships (builtin_components.cc): CsvExampleGen, StatisticsGen, SchemaGen,
// ImportSchemaGen, ExampleValidator, Transform, Trainer.
void RegisterBuiltins(ComponentRegistry& registry);

// A registry holding the built-in components, made on first use: what the command line and the
// web server check pipeline files against.
const ComponentRegistry& BuiltinRegistry();

}  // namespace weir::pipeline

#endif  // WEIR_PIPELINE_COMPONENT_REGISTRY_H_
