#include "weir/orchestrator/local_runner.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "weir/base/files.h"
#include "weir/base/hashing.h"
#include "weir/base/parallel.h"
#include "weir/base/process_identity.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/recovery.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::orchestrator {
namespace fs = std::filesystem;
using metadata::Artifact;
using metadata::Context;
using metadata::Event;
using metadata::Execution;
using metadata::MetadataStore;

namespace {

// The default run id: UTC time to the millisecond, e.g. 20261126T111500.123Z.
std::string UtcRunId() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  int64_t millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%S", &utc);
  char with_millis[48];
  std::snprintf(with_millis, sizeof(with_millis), "%s.%03dZ", buffer, static_cast<int>(millis));
  return with_millis;
}

absl::StatusOr<int64_t> EnsureContext(MetadataStore& store, const std::string& type,
                                      const std::string& name) {
  int64_t id = 0;
  // In one write transaction, so that two processes starting nodes of one run at once (weir
  // run-node from the scheduler) do not both create the context.
  RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
    absl::StatusOr<Context> existing = store.GetContextByTypeAndName(type, name);
    if (existing.ok()) {
      id = existing->id;
      return absl::OkStatus();
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();
    ASSIGN_OR_RETURN(int64_t type_id, store.PutContextType(type, {}));
    Context context{.type_id = type_id, .name = name};
    RETURN_IF_ERROR(store.PutContext(context));
    id = context.id;
    return absl::OkStatus();
  }));
  return id;
}

// The cache key: everything that determines a node's outputs (but the starting-point inputs
// when not `with_start`).
absl::StatusOr<std::string> CacheKey(const pipeline::ComponentSpec& component,
                                     const pipeline::NodeSpec& node,
                                     const pipeline::ExecutionContext& context,
                                     bool with_start = true) {
  std::string text = StrCat("component ", component.type, " version ", component.version, "\n");
  std::map<std::string, pipeline::Value> params(node.params().begin(), node.params().end());
  for (const auto& [name, value] : params) {
    text += StrCat("param ", name, " = ", base::ToTextProto(value), "\n");
  }
  for (const auto& [name, artifacts] : context.inputs) {
    const pipeline::ChannelSpec* input = component.FindInput(name);
    if (!with_start && input != nullptr && input->starting_point) continue;
    text += StrCat("input ", name, " =");
    for (const pipeline::ArtifactRef& artifact : artifacts)
      text += StrCat(" artifact ", artifact.id);
    text += "\n";
  }
  if (component.fingerprint) {
    ASSIGN_OR_RETURN(std::string external, component.fingerprint(context));
    text += StrCat("external ", external, "\n");
  }
  return base::ToHex(base::Sha256(text));
}

std::string OutputName(const Event& event) {
  if (!event.path.empty()) {
    if (const auto* key = std::get_if<std::string>(&event.path.front())) return *key;
  }
  return "";
}

// An event's place in its list: the index after the name in its path ({name, index}).
int64_t EventIndex(const Event& event) {
  if (event.path.size() >= 2) {
    if (const auto* index = std::get_if<int64_t>(&event.path[1])) return *index;
  }
  return 0;
}

pipeline::ArtifactRef Ref(const Artifact& artifact) {
  return {.id = artifact.id, .uri = artifact.uri, .properties = artifact.custom_properties};
}

// An execution's outputs by name, each list in the order of its events' indexes.
absl::StatusOr<std::map<std::string, std::vector<Artifact>>> OutputsOf(MetadataStore& store,
                                                                       int64_t execution_id) {
  ASSIGN_OR_RETURN(std::vector<Event> events, store.GetEventsByExecution(execution_id));
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::pair(OutputName(a), EventIndex(a)) < std::pair(OutputName(b), EventIndex(b));
  });
  std::map<std::string, std::vector<Artifact>> outputs;
  for (const Event& event : events) {
    if (event.type != Event::Type::kOutput) continue;
    ASSIGN_OR_RETURN(Artifact artifact, store.GetArtifact(event.artifact_id));
    outputs[OutputName(event)].push_back(std::move(artifact));
  }
  return outputs;
}

// The events recording `artifacts` as `name` ({name, index} paths), of one type.
void AddEvents(const std::string& name, const std::vector<pipeline::ArtifactRef>& artifacts,
               Event::Type type, std::vector<Event>& events) {
  for (size_t i = 0; i < artifacts.size(); ++i) {
    events.push_back(
        {.artifact_id = artifacts[i].id, .type = type, .path = {name, static_cast<int64_t>(i)}});
  }
}

// An earlier execution of this node whose custom property `key_property` is `key` and whose
// outputs are all still LIVE and on disk, and, when `accept` is given, that it accepts; newest
// first. Its id and outputs, or nullopt.
absl::StatusOr<std::optional<int64_t>> FindCached(
    MetadataStore& store, int64_t node_context, const char* key_property, const std::string& key,
    const pipeline::ComponentSpec& component, NodeOutcome& outcome,
    const std::function<bool(const std::map<std::string, std::vector<Artifact>>&)>& accept = {}) {
  ASSIGN_OR_RETURN(std::vector<Execution> executions,
                   store.GetExecutionsByContextAndCustomProperty(node_context, key_property, key));
  std::sort(executions.begin(), executions.end(),
            [](const Execution& a, const Execution& b) { return a.id > b.id; });
  for (const Execution& execution : executions) {
    if (execution.last_known_state != Execution::State::kComplete &&
        execution.last_known_state != Execution::State::kCached) {
      continue;
    }
    ASSIGN_OR_RETURN(auto outputs, OutputsOf(store, execution.id));
    bool usable = true;
    for (const auto& [name, artifacts] : outputs) {
      for (const Artifact& artifact : artifacts) {
        std::error_code ec;
        if (artifact.state != Artifact::State::kLive || !fs::exists(artifact.uri, ec))
          usable = false;
      }
    }
    for (const pipeline::ChannelSpec& output : component.outputs)
      usable = usable && outputs.contains(output.name);
    if (!usable || (accept && !accept(outputs))) continue;
    for (const auto& [name, artifacts] : outputs) {
      for (const Artifact& artifact : artifacts) outcome.outputs[name].push_back(Ref(artifact));
    }
    return std::optional<int64_t>(execution.id);
  }
  return std::optional<int64_t>();
}

// Adds the inputs the component finds in the store itself.
absl::Status ReadInputsFromStore(const pipeline::ComponentSpec& component, MetadataStore& store,
                                 pipeline::ExecutionContext& context) {
  if (!component.store_inputs) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto found, component.store_inputs(store, context));
  for (const auto& [name, id] : found) {
    if (context.has_input(name)) continue;  // Wired in the pipeline file.
    ASSIGN_OR_RETURN(Artifact artifact, store.GetArtifact(id));
    context.inputs[name] = {Ref(artifact)};
  }
  return absl::OkStatus();
}

}  // namespace

fs::path NodeLogPath(const std::string& pipeline, const std::string& run_id,
                     const std::string& node_id) {
  if (const char* file = std::getenv("WEIR_NODE_LOG"); file != nullptr && *file != '\0') {
    return file;
  }
  return pipeline::WeirHome() / "logs" / pipeline / run_id / StrCat(node_id, ".log");
}

absl::StatusOr<RunContexts> EnsureRunContexts(MetadataStore& store,
                                              const pipeline::PipelineSpec& spec,
                                              const std::string& run_id) {
  RunContexts contexts;
  ASSIGN_OR_RETURN(contexts.pipeline,
                   EnsureContext(store, metadata::kPipelineContextType, spec.name()));
  ASSIGN_OR_RETURN(contexts.run, EnsureContext(store, metadata::kRunContextType,
                                               metadata::RunContextName(spec.name(), run_id)));
  RETURN_IF_ERROR(store.PutParentContext(contexts.pipeline, contexts.run));
  return contexts;
}

namespace {

// A node's log: what the runner did for it, one timestamped line each, in
// ${WEIR_HOME}/logs/<pipeline>/<run id>/<node>.log (appended to when a node runs again).
class NodeLog {
 public:
  NodeLog(const pipeline::PipelineSpec& spec, const std::string& run_id, const std::string& node)
      : path_(NodeLogPath(spec.name(), run_id, node)) {
    std::error_code ec;
    fs::create_directories(path_.parent_path(), ec);
    file_ = std::fopen(path_.c_str(), "a");
  }
  ~NodeLog() {
    if (file_ != nullptr) std::fclose(file_);
  }
  NodeLog(const NodeLog&) = delete;
  NodeLog& operator=(const NodeLog&) = delete;
  void Line(const std::string& text) {
    if (file_ == nullptr) return;
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm utc;
    gmtime_r(&seconds, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::fprintf(file_, "%s %s\n", stamp, text.c_str());
    std::fflush(file_);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  std::FILE* file_ = nullptr;
};

// Where the shards of a node's execution in a run keep their parts until the merge: hidden, under
// the node's folder, named by the cache key, so that parts made from other inputs are never
// merged.
fs::path ShardRunDir(const fs::path& root, const std::string& node, const std::string& run_id) {
  return root / node / ".shards" / run_id;
}
fs::path ShardPart(const fs::path& root, const std::string& node, const std::string& run_id,
                   const std::string& key, int index, int count) {
  return ShardRunDir(root, node, run_id) / key.substr(0, 16) / StrCat(index, "-of-", count);
}

// The merge's executor: the component's merge over every shard's part, or an error naming the
// first shard that has not finished.
absl::Status MergeShards(const pipeline::PipelineSpec& spec,
                         const pipeline::ComponentSpec& component, const std::string& run_id,
                         const pipeline::NodeSpec& node, const std::string& key, int count,
                         const pipeline::ExecutionContext& context) {
  std::vector<fs::path> parts;
  for (int index = 0; index < count; ++index) {
    parts.push_back(ShardPart(spec.pipeline_root(), node.id(), run_id, key, index, count));
    std::error_code ec;
    if (!fs::is_directory(parts.back(), ec)) {
      return absl::FailedPreconditionError(StrCat(
          "shard ", index, "/", count, " of node ", node.id(), " has not finished in run ", run_id,
          " with these inputs (no ", parts.back().string(), "); run `weir run-node ... --node ",
          node.id(), " --shard ", index, "/", count, "` first"));
    }
  }
  return component.sharded.merge(context, parts);
}

// Runs one node whose inputs are resolved: driver (cache key), cache, executor, publisher.
// `report` is called when the node ends. Errors are the store's; a failing component is an
// outcome, not an error.
absl::Status ExecuteNode(const pipeline::PipelineSpec& spec,
                         const pipeline::ComponentSpec* component, MetadataStore& store,
                         const RunContexts& contexts, const std::string& run_id,
                         const pipeline::NodeSpec& node, pipeline::ExecutionContext& context,
                         const ShardTask& shard, NodeOutcome& outcome,
                         const std::function<void()>& report) {
  const fs::path root = spec.pipeline_root();
  // A merged node's parts are not needed once it has its outputs.
  auto remove_parts = [&] {
    if (shard.kind != ShardTask::Kind::kMerge) return;
    const fs::path run_parts = ShardRunDir(root, node.id(), run_id);
    std::error_code ec;
    fs::remove_all(run_parts, ec);
    fs::remove(run_parts.parent_path(), ec);  // Unless other runs' parts are there.
  };
  const int64_t pipeline_context = contexts.pipeline;
  const int64_t run_context = contexts.run;
  NodeLog log(spec, run_id, node.id());
  log.Line(StrCat("node ", node.id(), " (", node.component(), ") of pipeline ", spec.name(),
                  ", run ", run_id));
  absl::Status inputs_read = ReadInputsFromStore(*component, store, context);
  for (const auto& [name, artifacts] : context.inputs) {
    for (const pipeline::ArtifactRef& artifact : artifacts) {
      log.Line(StrCat("input ", name, ": artifact ", artifact.id, " at ", artifact.uri.string()));
    }
  }
  auto start = std::chrono::steady_clock::now();
  auto finish = [&](NodeState state, std::string error) {
    outcome.state = state;
    outcome.error = std::move(error);
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!outcome.cache_reason.empty()) log.Line(outcome.cache_reason);
    for (const auto& [name, artifacts] : outcome.outputs) {
      for (const pipeline::ArtifactRef& artifact : artifacts)
        log.Line(StrCat("output ", name, ": ", artifact.uri.string()));
    }
    log.Line(state == NodeState::kFailed
                 ? StrCat("FAILED after ", outcome.seconds, " s: ", outcome.error)
                 : StrCat(state == NodeState::kCached ? "cached" : "done", " in ", outcome.seconds,
                          " s (execution ", outcome.execution_id, ")"));
    outcome.log_file = log.path();
    if (report) report();
  };
  ASSIGN_OR_RETURN(int64_t node_context,
                   EnsureContext(store, metadata::kNodeContextType,
                                 metadata::NodeContextName(spec.name(), node.id())));
  RETURN_IF_ERROR(store.PutParentContext(pipeline_context, node_context));
  ASSIGN_OR_RETURN(int64_t execution_type, store.PutExecutionType(component->type, {}));
  if (component->resolver) {
    // Resolvers are never cached: what they pick depends on the store, not on their inputs.
    outcome.cache_reason = "ran: resolver nodes always read the store afresh";
    Execution execution{.type_id = execution_type, .last_known_state = Execution::State::kComplete};
    execution.custom_properties = {{metadata::kRunIdProperty, metadata::Value(run_id)},
                                   {metadata::kNodeIdProperty, metadata::Value(node.id())},
                                   {metadata::kLogProperty, metadata::Value(log.path().string())}};
    absl::Status resolved = store.InTransaction([&]() -> absl::Status {
      ASSIGN_OR_RETURN(auto picked, component->resolver(store, spec, context));
      RETURN_IF_ERROR(store.PutExecution(execution));
      RETURN_IF_ERROR(store.PutAssociation(node_context, execution.id));
      RETURN_IF_ERROR(store.PutAssociation(run_context, execution.id));
      std::vector<Event> events;
      for (const auto& [name, artifacts] : context.inputs)
        AddEvents(name, artifacts, Event::Type::kInput, events);
      for (const auto& [name, ids] : picked) {
        for (int64_t id : ids) {
          ASSIGN_OR_RETURN(Artifact artifact, store.GetArtifact(id));
          outcome.outputs[name].push_back(Ref(artifact));
        }
        AddEvents(name, outcome.outputs[name], Event::Type::kOutput, events);
      }
      for (Event& event : events) event.execution_id = execution.id;
      return store.PutEvents(events);
    });
    outcome.execution_id = execution.id;
    if (resolved.ok()) {
      finish(NodeState::kSucceeded, "");
    } else {
      outcome.outputs.clear();
      finish(NodeState::kFailed, std::string(resolved.message()));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> key =
      inputs_read.ok() ? CacheKey(*component, node, context) : inputs_read;
  // Components that start from something (a base model) also note the key without it.
  const bool has_start =
      std::any_of(component->inputs.begin(), component->inputs.end(),
                  [](const pipeline::ChannelSpec& input) { return input.starting_point; });
  std::string key_without_start;
  if (key.ok() && has_start) {
    absl::StatusOr<std::string> without = CacheKey(*component, node, context, false);
    if (without.ok())
      key_without_start = *without;
    else
      key = without.status();
  }
  if (!key.ok()) {
    // The driver failed (e.g. the input files are missing): a FAILED execution says why.
    Execution execution{.type_id = execution_type, .last_known_state = Execution::State::kFailed};
    execution.custom_properties = {
        {metadata::kRunIdProperty, metadata::Value(run_id)},
        {metadata::kNodeIdProperty, metadata::Value(node.id())},
        {metadata::kLogProperty, metadata::Value(log.path().string())},
        {metadata::kErrorProperty, metadata::Value(std::string(key.status().message()))}};
    RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
      RETURN_IF_ERROR(store.PutExecution(execution));
      RETURN_IF_ERROR(store.PutAssociation(node_context, execution.id));
      return store.PutAssociation(run_context, execution.id);
    }));
    outcome.execution_id = execution.id;
    finish(NodeState::kFailed, std::string(key.status().message()));
    return absl::OkStatus();
  }

  std::vector<Event> input_events;
  for (const auto& [name, artifacts] : context.inputs)
    AddEvents(name, artifacts, Event::Type::kInput, input_events);
  // ML Metadata keeps one INPUT event per artifact and execution: an artifact given under two
  // names (a model that is also its own baseline) is recorded under the first.
  std::set<int64_t> inputs_seen;
  std::erase_if(input_events,
                [&](const Event& event) { return !inputs_seen.insert(event.artifact_id).second; });
  auto record_associations = [&](int64_t execution_id) -> absl::Status {
    RETURN_IF_ERROR(store.PutAssociation(node_context, execution_id));
    return store.PutAssociation(run_context, execution_id);
  };

  // Cache.
  std::optional<int64_t> cached;
  if (spec.enable_cache()) {
    ASSIGN_OR_RETURN(cached, FindCached(store, node_context, metadata::kCacheKeyProperty, *key,
                                        *component, outcome));
    outcome.cache_reason = cached ? StrCat("cached: execution ", *cached,
                                           " had the same component version, "
                                           "parameters, inputs and external files")
                                  : StrCat("ran: no earlier complete execution with cache key ",
                                           key->substr(0, 12), " and its outputs still live");
    // Starting from an output this node made from the same other inputs: that execution's
    // outputs are where working again would end up.
    std::set<int64_t> starts;
    for (const auto& [name, artifacts] : context.inputs) {
      const pipeline::ChannelSpec* input = component->FindInput(name);
      if (input == nullptr || !input->starting_point) continue;
      for (const pipeline::ArtifactRef& artifact : artifacts) starts.insert(artifact.id);
    }
    if (!cached && !starts.empty()) {
      ASSIGN_OR_RETURN(cached,
                       FindCached(store, node_context, metadata::kCacheKeyWithoutStartProperty,
                                  key_without_start, *component, outcome,
                                  [&](const std::map<std::string, std::vector<Artifact>>& outputs) {
                                    for (const auto& [name, artifacts] : outputs) {
                                      for (const Artifact& artifact : artifacts)
                                        if (starts.contains(artifact.id)) return true;
                                    }
                                    return false;
                                  }));
      if (cached) {
        outcome.cache_reason =
            StrCat("cached: execution ", *cached,
                   " made what this one would start from, from the same other inputs");
      }
    }
  } else {
    outcome.cache_reason = "ran: enable_cache is off";
  }
  if (cached) {
    Execution execution{.type_id = execution_type, .last_known_state = Execution::State::kCached};
    execution.custom_properties = {{metadata::kCacheKeyProperty, metadata::Value(*key)},
                                   {metadata::kRunIdProperty, metadata::Value(run_id)},
                                   {metadata::kNodeIdProperty, metadata::Value(node.id())},
                                   {metadata::kLogProperty, metadata::Value(log.path().string())},
                                   {metadata::kCachedFromProperty, metadata::Value(*cached)}};
    if (has_start)
      execution.custom_properties[metadata::kCacheKeyWithoutStartProperty] = key_without_start;
    RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
      RETURN_IF_ERROR(store.PutExecution(execution));
      RETURN_IF_ERROR(record_associations(execution.id));
      std::vector<Event> events = input_events;
      for (const auto& [name, artifacts] : outcome.outputs) {
        AddEvents(name, artifacts, Event::Type::kOutput, events);
        for (const pipeline::ArtifactRef& artifact : artifacts)
          RETURN_IF_ERROR(store.PutAttribution(run_context, artifact.id));
      }
      for (Event& event : events) event.execution_id = execution.id;
      return store.PutEvents(events);
    }));
    outcome.execution_id = execution.id;
    remove_parts();
    finish(NodeState::kCached, "");
    return absl::OkStatus();
  }

  // Executor, into folders named after the execution.
  Execution execution{.type_id = execution_type, .last_known_state = Execution::State::kRunning};
  execution.custom_properties = {{metadata::kCacheKeyProperty, metadata::Value(*key)},
                                 {metadata::kRunIdProperty, metadata::Value(run_id)},
                                 {metadata::kNodeIdProperty, metadata::Value(node.id())},
                                 {metadata::kLogProperty, metadata::Value(log.path().string())},
                                 {metadata::kProcessProperty, base::ThisProcess()}};
  if (has_start)
    execution.custom_properties[metadata::kCacheKeyWithoutStartProperty] = key_without_start;
  std::map<std::string, Artifact> artifacts;
  RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(store.PutExecution(execution));
    RETURN_IF_ERROR(record_associations(execution.id));
    std::vector<Event> events = input_events;
    for (const pipeline::ChannelSpec& output : component->outputs) {
      ASSIGN_OR_RETURN(int64_t artifact_type, store.PutArtifactType(output.artifact_type, {}));
      Artifact artifact{
          .type_id = artifact_type,
          .uri = (root / node.id() / output.name / std::to_string(execution.id)).string(),
          .state = Artifact::State::kPending};
      RETURN_IF_ERROR(store.PutArtifact(artifact));
      artifacts[output.name] = artifact;
      // As in ML Metadata: the output is announced now, so that if this process dies the next
      // one can find and abandon it (weir/orchestrator/recovery.h).
      events.push_back({.artifact_id = artifact.id,
                        .type = Event::Type::kPendingOutput,
                        .path = {output.name, int64_t{0}}});
    }
    for (Event& event : events) event.execution_id = execution.id;
    return store.PutEvents(events);
  }));
  outcome.execution_id = execution.id;
  for (const auto& [name, artifact] : artifacts) context.outputs[name] = artifact.uri;
  absl::Status status =
      shard.kind == ShardTask::Kind::kMerge
          ? MergeShards(spec, *component, run_id, node, *key, shard.count, context)
      : component->executor ? component->executor(context)
                            : absl::UnimplementedError(node.component() + " has no executor");

  // Publisher: outputs LIVE and the execution COMPLETE together, or FAILED and ABANDONED.
  RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
    std::vector<Event> events;
    for (auto& [name, artifact] : artifacts) {
      artifact.state = status.ok() ? Artifact::State::kLive : Artifact::State::kAbandoned;
      if (status.ok()) {
        for (const auto& [property, value] : outcome.output_properties[name]) {
          artifact.custom_properties[property] = value;
        }
      }
      RETURN_IF_ERROR(store.PutArtifact(artifact));
      if (status.ok()) {
        events.push_back({.artifact_id = artifact.id,
                          .execution_id = execution.id,
                          .type = Event::Type::kOutput,
                          .path = {name, int64_t{0}}});
        RETURN_IF_ERROR(store.PutAttribution(run_context, artifact.id));
        RETURN_IF_ERROR(store.PutAttribution(node_context, artifact.id));
      }
    }
    execution.last_known_state =
        status.ok() ? Execution::State::kComplete : Execution::State::kFailed;
    if (!status.ok())
      execution.custom_properties[metadata::kErrorProperty] = std::string(status.message());
    RETURN_IF_ERROR(store.PutExecution(execution));
    return store.PutEvents(events);
  }));
  if (status.ok()) {
    for (const auto& [name, artifact] : artifacts) outcome.outputs[name] = {Ref(artifact)};
    remove_parts();
    finish(NodeState::kSucceeded, "");
  } else {
    finish(NodeState::kFailed, std::string(status.message()));
  }
  return absl::OkStatus();
}

// One shard of a node whose inputs are resolved (ShardTask in local_runner.h): no execution,
// its part written unless the cache has the node or the part is there already.
absl::Status RunShard(const pipeline::PipelineSpec& spec, const pipeline::ComponentSpec& component,
                      MetadataStore& store, const std::string& run_id,
                      const pipeline::NodeSpec& node, pipeline::ExecutionContext& context,
                      const ShardTask& shard, NodeOutcome& outcome) {
  NodeLog log(spec, run_id, StrCat(node.id(), ".shard-", shard.index, "-of-", shard.count));
  outcome.log_file = log.path();
  log.Line(StrCat("shard ", shard.index, "/", shard.count, " of node ", node.id(), " (",
                  node.component(), ") of pipeline ", spec.name(), ", run ", run_id));
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&](NodeState state, std::string message) {
    outcome.state = state;
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (state == NodeState::kFailed) {
      outcome.error = std::move(message);
      log.Line(StrCat("FAILED after ", outcome.seconds, " s: ", outcome.error));
    } else {
      outcome.cache_reason = std::move(message);
      log.Line(StrCat(outcome.cache_reason, " (", outcome.seconds, " s)"));
    }
  };
  RETURN_IF_ERROR(ReadInputsFromStore(component, store, context));
  for (const auto& [name, artifacts] : context.inputs) {
    for (const pipeline::ArtifactRef& artifact : artifacts)
      log.Line(StrCat("input ", name, ": artifact ", artifact.id, " at ", artifact.uri.string()));
  }
  absl::StatusOr<std::string> key = CacheKey(component, node, context);
  if (!key.ok()) {
    finish(NodeState::kFailed, std::string(key.status().message()));
    return absl::OkStatus();
  }
  if (spec.enable_cache()) {
    ASSIGN_OR_RETURN(const int64_t node_context,
                     EnsureContext(store, metadata::kNodeContextType,
                                   metadata::NodeContextName(spec.name(), node.id())));
    ASSIGN_OR_RETURN(
        const std::optional<int64_t> cached,
        FindCached(store, node_context, metadata::kCacheKeyProperty, *key, component, outcome));
    if (cached) {
      outcome.outputs.clear();
      finish(NodeState::kCached, StrCat("cached: execution ", *cached,
                                        " has the node's outputs, which the merge will reuse"));
      return absl::OkStatus();
    }
  }
  const fs::path part =
      ShardPart(spec.pipeline_root(), node.id(), run_id, *key, shard.index, shard.count);
  std::error_code ec;
  if (fs::is_directory(part, ec)) {
    finish(NodeState::kSucceeded, StrCat("done before: ", part.string(), " is there"));
    return absl::OkStatus();
  }
  fs::create_directories(part.parent_path(), ec);
  absl::Status status = ec ? absl::InternalError(StrCat(
                                 "cannot create ", part.parent_path().string(), ": ", ec.message()))
                           : absl::OkStatus();
  if (status.ok()) {
    absl::StatusOr<base::StagingDir> staging = base::StagingDir::Create(part);
    status = staging.status();
    if (status.ok())
      status = component.sharded.shard(context, shard.index, shard.count, staging->path());
    if (status.ok()) status = staging->Publish();
  }
  if (status.ok()) {
    finish(NodeState::kSucceeded, StrCat("done: ", part.string()));
  } else {
    finish(NodeState::kFailed, std::string(status.message()));
  }
  return absl::OkStatus();
}

}  // namespace

bool RunResult::ok() const {
  for (const NodeOutcome& node : nodes) {
    if (node.state != NodeState::kSucceeded && node.state != NodeState::kCached) return false;
  }
  return true;
}

absl::StatusOr<std::unique_ptr<MetadataStore>> OpenPipelineStore(
    const pipeline::PipelineSpec& spec) {
  ASSIGN_OR_RETURN(std::string location, pipeline::MetadataLocation(spec));
  return MetadataStore::Open(location);
}

absl::Status CheckRunId(std::string_view run_id) {
  const bool allowed = !run_id.empty() && run_id.size() <= 250 && run_id.front() != '.' &&
                       std::all_of(run_id.begin(), run_id.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) ||
                                std::string_view("_.~:+-").find(c) != std::string_view::npos;
                       });
  if (allowed) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("run id '", run_id,
             "': use 1 to 250 letters, digits and _ . ~ : + - (not starting with '.')"));
}

absl::StatusOr<RunResult> RunPipeline(const pipeline::PipelineSpec& spec,
                                      const pipeline::ComponentRegistry& registry,
                                      MetadataStore& store, std::string run_id,
                                      const ProgressCallback& progress) {
  ASSIGN_OR_RETURN(std::vector<const pipeline::NodeSpec*> order, pipeline::ExecutionOrder(spec));
  RETURN_IF_ERROR(CleanUpLeftovers(store).status());
  RunResult result;
  const bool default_run_id = run_id.empty();
  if (!default_run_id) RETURN_IF_ERROR(CheckRunId(run_id));
  result.run_id = default_run_id ? UtcRunId() : run_id;
  RunContexts contexts;
  RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
    std::string run_name = metadata::RunContextName(spec.name(), result.run_id);
    // Two runs started in the same millisecond: the later default id gets a suffix.
    for (int suffix = 2;
         default_run_id && store.GetContextByTypeAndName(metadata::kRunContextType, run_name).ok();
         ++suffix) {
      result.run_id = StrCat(UtcRunId(), "-", suffix);
      run_name = metadata::RunContextName(spec.name(), result.run_id);
    }
    if (store.GetContextByTypeAndName(metadata::kRunContextType, run_name).ok()) {
      return absl::AlreadyExistsError(StrCat("pipeline ", spec.name(), " already has a run ",
                                             result.run_id, "; choose another run id"));
    }
    ASSIGN_OR_RETURN(contexts, EnsureRunContexts(store, spec, result.run_id));
    // While this process drives the run it names itself on it: if it dies, the next clean-up
    // fails the run (weir/orchestrator/recovery.h).
    ASSIGN_OR_RETURN(Context run, store.GetContext(contexts.run));
    run.custom_properties[metadata::kPipelineProperty] = spec.name();
    run.custom_properties[metadata::kRunIdProperty] = result.run_id;
    run.custom_properties[metadata::kProcessProperty] = base::ThisProcess();
    return store.PutContext(run);
  }));

  // Nodes whose upstream nodes are done run at once, up to one per core, each on its own
  // connection to the store (SQLite in WAL mode lets them write side by side).
  const size_t total = order.size();
  std::map<std::string, size_t> index_of;
  result.nodes.resize(total);
  for (size_t i = 0; i < total; ++i) {
    index_of[order[i]->id()] = i;
    result.nodes[i].node_id = order[i]->id();
  }
  enum class Phase { kWaiting, kRunning, kDone };
  std::vector<Phase> phase(total, Phase::kWaiting);
  std::mutex mutex;  // Guards phase, running and first_error.
  std::condition_variable changed;
  std::mutex progress_mutex;  // One progress line at a time.
  absl::Status first_error;
  size_t running = 0;
  const size_t max_parallel = static_cast<size_t>(base::DefaultThreadCount());
  auto report = [&](size_t i, const NodeOutcome* outcome) {
    std::lock_guard<std::mutex> lock(progress_mutex);
    if (progress) progress(*order[i], i, total, outcome);
  };
  // Connections of finished nodes, for the next ones (guarded by mutex): opening a store reads
  // and checks its schema, a good part of a cached node's cost.
  std::vector<std::unique_ptr<MetadataStore>> idle_stores;
  std::vector<std::thread> threads;
  std::unique_lock<std::mutex> lock(mutex);
  while (true) {
    bool all_done = true;
    bool progressed = false;
    for (size_t i = 0; i < total; ++i) {
      if (phase[i] != Phase::kDone) all_done = false;
      if (phase[i] != Phase::kWaiting) continue;
      const pipeline::NodeSpec& node = *order[i];
      bool ready = true;
      for (const auto& [name, reference] : node.inputs())
        ready =
            ready && phase[index_of.at(reference.substr(0, reference.find('.')))] == Phase::kDone;
      if (!ready || running >= max_parallel || !first_error.ok()) continue;
      progressed = true;
      const pipeline::ComponentSpec* component = registry.Find(node.component());
      NodeOutcome& outcome = result.nodes[i];
      pipeline::ExecutionContext context;
      context.pipeline_name = spec.name();
      context.node_id = node.id();
      context.params.insert(node.params().begin(), node.params().end());
      context.output_properties = &outcome.output_properties;
      // Driver: this run's outputs of the upstream nodes.
      for (const auto& [name, reference] : node.inputs()) {
        const std::string upstream = reference.substr(0, reference.find('.'));
        const std::string output = reference.substr(reference.find('.') + 1);
        const NodeOutcome& upstream_outcome = result.nodes[index_of.at(upstream)];
        if (upstream_outcome.state != NodeState::kSucceeded &&
            upstream_outcome.state != NodeState::kCached) {
          outcome.error = StrCat("upstream node ", upstream, " did not succeed");
          break;
        }
        auto produced = upstream_outcome.outputs.find(output);
        if (produced == upstream_outcome.outputs.end()) {
          // A resolver found nothing (e.g. no blessed model yet): the input is absent.
          const pipeline::ChannelSpec* input = component->FindInput(name);
          if (input != nullptr && input->optional) continue;
          outcome.error = StrCat("upstream node ", upstream, " has no ", output, " to give");
          break;
        }
        context.inputs[name] = produced->second;
      }
      if (!outcome.error.empty()) {
        phase[i] = Phase::kDone;  // Skipped: an upstream node failed.
        report(i, &outcome);
        continue;
      }
      phase[i] = Phase::kRunning;
      ++running;
      threads.emplace_back([&, i, component, context = std::move(context)]() mutable {
        const pipeline::NodeSpec& node = *order[i];
        NodeOutcome& outcome = result.nodes[i];
        report(i, nullptr);
        absl::Status status;
        std::unique_ptr<MetadataStore> own_store;
        {
          std::lock_guard<std::mutex> take(mutex);
          if (!idle_stores.empty()) {
            own_store = std::move(idle_stores.back());
            idle_stores.pop_back();
          }
        }
        if (own_store == nullptr) {
          absl::StatusOr<std::unique_ptr<MetadataStore>> opened = OpenPipelineStore(spec);
          if (opened.ok()) {
            own_store = std::move(*opened);
          } else {
            status = opened.status();
          }
        }
        if (own_store != nullptr) {
          status = ExecuteNode(spec, component, *own_store, contexts, result.run_id, node, context,
                               ShardTask{}, outcome, [&] { report(i, &outcome); });
        }
        std::lock_guard<std::mutex> done(mutex);
        if (own_store != nullptr) idle_stores.push_back(std::move(own_store));
        if (!status.ok() && first_error.ok()) first_error = status;
        phase[i] = Phase::kDone;
        --running;
        changed.notify_all();
      });
    }
    if (all_done || (!first_error.ok() && running == 0)) break;
    if (!progressed) changed.wait(lock);
  }
  lock.unlock();
  for (std::thread& thread : threads) thread.join();
  RETURN_IF_ERROR(first_error);
  RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Context run, store.GetContext(contexts.run));
    run.custom_properties.erase(metadata::kProcessProperty);
    return store.PutContext(run);
  }));
  return result;
}

absl::StatusOr<NodeOutcome> RunNode(const pipeline::PipelineSpec& spec,
                                    const pipeline::ComponentRegistry& registry,
                                    MetadataStore& store, const std::string& run_id,
                                    const std::string& node_id, const ProgressCallback& progress,
                                    const RunNodeOptions& options) {
  if (run_id.empty()) return absl::InvalidArgumentError("run-node needs a run id");
  RETURN_IF_ERROR(CheckRunId(run_id));
  const pipeline::NodeSpec* node = nullptr;
  for (const pipeline::NodeSpec& candidate : spec.nodes())
    if (candidate.id() == node_id) node = &candidate;
  if (node == nullptr) {
    std::string known;
    for (const pipeline::NodeSpec& candidate : spec.nodes())
      known += StrCat(known.empty() ? "" : ", ", candidate.id());
    return absl::NotFoundError(
        StrCat(spec.source_file(), ": no node '", node_id, "' (nodes: ", known, ")"));
  }
  const pipeline::ComponentSpec* component = registry.Find(node->component());
  const ShardTask& shard = options.shard;
  if (shard.kind != ShardTask::Kind::kWhole) {
    if (!component->sharded.shard) {
      return absl::InvalidArgumentError(
          StrCat("node ", node_id, ": ", node->component(), " cannot run in shards"));
    }
    if (shard.count < 1 || shard.count > pipeline::kMaxShards ||
        (shard.kind == ShardTask::Kind::kShard &&
         (shard.index < 0 || shard.index >= shard.count))) {
      return absl::InvalidArgumentError(StrCat("shard ", shard.index, "/", shard.count,
                                               ": a node has 1 to ", pipeline::kMaxShards,
                                               " shards, numbered from 0"));
    }
  }
  RETURN_IF_ERROR(CleanUpLeftovers(store).status());
  RunContexts contexts;
  RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(contexts, EnsureRunContexts(store, spec, run_id));
    return absl::OkStatus();
  }));
  NodeOutcome outcome;
  outcome.node_id = node_id;
  pipeline::ExecutionContext context;
  context.pipeline_name = spec.name();
  context.node_id = node_id;
  context.params.insert(node->params().begin(), node->params().end());
  context.output_properties = &outcome.output_properties;
  context.data_interval_start_ms = options.data_interval_start_ms;
  ASSIGN_OR_RETURN(metadata::Context run, store.GetContext(contexts.run));
  if (auto start = run.custom_properties.find(metadata::kDataIntervalStartProperty);
      !options.data_interval_start_ms && start != run.custom_properties.end() &&
      std::holds_alternative<int64_t>(start->second)) {
    context.data_interval_start_ms = std::get<int64_t>(start->second);
  }

  // Driver: the outputs of the upstream nodes' latest successful execution in this run, as the
  // store has them (they may have run in other processes).
  ASSIGN_OR_RETURN(std::vector<Execution> in_run, store.GetExecutionsByContext(contexts.run));
  std::sort(in_run.begin(), in_run.end(),
            [](const Execution& a, const Execution& b) { return a.id > b.id; });
  // An orchestrator runs a node again only once its earlier attempt has ended, perhaps on another
  // machine that died: an attempt left unfinished is closed, unless its process still runs here.
  // (A shard records no execution, and runs beside the node's other shards.)
  for (Execution& earlier : in_run) {
    if (shard.kind == ShardTask::Kind::kShard) break;
    if (metadata::GetString(earlier.custom_properties, metadata::kNodeIdProperty) != node_id ||
        (earlier.last_known_state != Execution::State::kRunning &&
         earlier.last_known_state != Execution::State::kNew)) {
      continue;
    }
    const std::string process =
        metadata::GetString(earlier.custom_properties, metadata::kProcessProperty);
    if (base::ProcessLiveness(process) == base::Liveness::kAlive) {
      return absl::FailedPreconditionError(StrCat("node ", node_id, " is already running in run ",
                                                  run_id, " (execution ", earlier.id, ", process ",
                                                  process, ")"));
    }
    RETURN_IF_ERROR(AbandonExecution(
        store, earlier, StrCat("abandoned: run-node started node ", node_id, " again")));
  }
  for (const auto& [name, reference] : node->inputs()) {
    const std::string upstream = reference.substr(0, reference.find('.'));
    const std::string output = reference.substr(reference.find('.') + 1);
    const Execution* producer = nullptr;
    for (const Execution& execution : in_run) {
      auto it = execution.custom_properties.find(metadata::kNodeIdProperty);
      const bool succeeded = execution.last_known_state == Execution::State::kComplete ||
                             execution.last_known_state == Execution::State::kCached;
      if (succeeded && it != execution.custom_properties.end() &&
          std::get_if<std::string>(&it->second) != nullptr &&
          std::get<std::string>(it->second) == upstream) {
        producer = &execution;
        break;
      }
    }
    if (producer == nullptr) {
      return absl::FailedPreconditionError(
          StrCat("node ", node_id, " needs ", reference, ", but node ", upstream,
                 " has not succeeded in run ", run_id, "; run it first"));
    }
    ASSIGN_OR_RETURN(auto outputs, OutputsOf(store, producer->id));
    auto produced = outputs.find(output);
    const bool found = produced != outputs.end();
    if (found) {
      for (const Artifact& artifact : produced->second)
        context.inputs[name].push_back(Ref(artifact));
    }
    const pipeline::ChannelSpec* input = component->FindInput(name);
    if (!found && (input == nullptr || !input->optional)) {
      return absl::FailedPreconditionError(
          StrCat("node ", upstream, " gave no ", output, " in run ", run_id));
    }
  }
  if (progress) progress(*node, 0, 1, nullptr);
  if (shard.kind == ShardTask::Kind::kShard) {
    RETURN_IF_ERROR(RunShard(spec, *component, store, run_id, *node, context, shard, outcome));
    if (progress) progress(*node, 0, 1, &outcome);
    return outcome;
  }
  RETURN_IF_ERROR(
      ExecuteNode(spec, component, store, contexts, run_id, *node, context, shard, outcome, [&] {
        if (progress) progress(*node, 0, 1, &outcome);
      }));
  return outcome;
}

}  // namespace weir::orchestrator
