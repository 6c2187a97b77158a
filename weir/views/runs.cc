#include "weir/views/runs.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "weir/base/json_text.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/views/text.h"

namespace weir::views {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using metadata::Artifact;
using metadata::Context;
using metadata::Event;
using metadata::Execution;
using metadata::MetadataStore;

// An execution's error in a table: its first line, cut to this many columns.
constexpr size_t kErrorWidth = 60;

// ---------------------------------------------------------------------------------------------
// Values.

Json ValueToJson(const metadata::Value& value) {
  return std::visit([](const auto& v) { return Json(v); }, value);
}

Json PropertiesToJson(const metadata::Properties& properties) {
  Json json = Json::object();
  for (const auto& [name, value] : properties) json[name] = ValueToJson(value);
  return json;
}

Json TimeOrNull(int64_t ms) {
  std::string time = FormatUtcTime(ms);
  return time.empty() ? Json(nullptr) : Json(time);
}

Json StringOrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

std::optional<std::string> StringProperty(const metadata::Properties& properties,
                                          const std::string& name) {
  auto found = properties.find(name);
  if (found == properties.end()) return std::nullopt;
  if (const auto* text = std::get_if<std::string>(&found->second)) return *text;
  return std::nullopt;
}

bool IsOutput(Event::Type type) {
  return type == Event::Type::kOutput || type == Event::Type::kInternalOutput;
}
bool IsInput(Event::Type type) {
  return type == Event::Type::kInput || type == Event::Type::kInternalInput;
}

// The input or output name an event's path gives: "examples" for the runner's {"examples", 0}
// (and TFX's); other steps as "a.b[2]". "" for an empty path.
std::string PathName(const Event& event) {
  std::string name;
  for (size_t i = 0; i < event.path.size(); ++i) {
    if (const auto* key = std::get_if<std::string>(&event.path[i])) {
      if (!name.empty()) name += ".";
      name += *key;
    } else {
      const int64_t index = std::get<int64_t>(event.path[i]);
      const bool last_after_key = i + 1 == event.path.size() && i > 0 &&
                                  std::holds_alternative<std::string>(event.path[i - 1]);
      if (!(index == 0 && last_after_key)) name += StrCat("[", index, "]");
    }
  }
  return name;
}

// "850 ms", "1.2 s", "3 min 05 s", "2 h 03 min"; "" for null.
std::string FormatDuration(const Json& ms_json) {
  if (!ms_json.is_number()) return "";
  const int64_t ms = ms_json.get<int64_t>();
  char buffer[48];
  if (ms < 1000) {
    std::snprintf(buffer, sizeof(buffer), "%lld ms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    std::snprintf(buffer, sizeof(buffer), "%.1f s", static_cast<double>(ms) / 1000);
  } else if (ms < 3'600'000) {
    std::snprintf(buffer, sizeof(buffer), "%lld min %02lld s", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  } else {
    std::snprintf(buffer, sizeof(buffer), "%lld h %02lld min",
                  static_cast<long long>(ms / 3'600'000), static_cast<long long>(ms / 60'000 % 60));
  }
  return buffer;
}

// A JSON field as table text: strings as they are, null as "-", anything else as JSON.
std::string Text(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return base::JsonText(value);
}

// "2026-11-26T11:15:00Z" from "2026-11-26T11:15:00.123Z": tables show seconds.
std::string ShortTime(const Json& time) {
  if (!time.is_string()) return "-";
  std::string text = time.get<std::string>();
  size_t dot = text.find('.');
  return dot == std::string::npos ? text : text.substr(0, dot) + "Z";
}

// The first line of `text`, cut to `width` columns with "…".
std::string FirstLine(std::string_view text, size_t width) {
  std::string_view line = text.substr(0, text.find('\n'));
  bool cut = line.size() < text.size();
  std::string out;
  size_t kept = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    bool starts_char = (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
    if (starts_char && ++kept == width) {
      cut = true;
      break;
    }
    out.push_back(line[i]);
  }
  if (!cut) return out;
  return out + "…";
}

// ---------------------------------------------------------------------------------------------
// Reading the store: runs, and executions and artifacts with their events, each read once.

struct Run {
  Context context;
  std::string pipeline = {};  // Empty when the run has no pipeline context as a parent.
  std::string run_id = {};
};

class StoreReader {
 public:
  explicit StoreReader(MetadataStore& store) : store_(store) {}

  MetadataStore& store() { return store_; }

  // Every run, in id order, with the executions associated with each. Reads once.
  absl::StatusOr<const std::vector<Run>*> Runs() {
    if (runs_loaded_) return &runs_;
    ASSIGN_OR_RETURN(std::vector<Context> contexts,
                     store_.GetContextsByType(metadata::kRunContextType));
    for (Context& context : contexts) {
      Run run{.context = std::move(context)};
      ASSIGN_OR_RETURN(std::vector<Context> parents, store_.GetParentContexts(run.context.id));
      for (const Context& parent : parents) {
        if (parent.type_name == metadata::kPipelineContextType) {
          run.pipeline = parent.name;
          break;
        }
      }
      // The runner names a run "<pipeline>.<run id>"; TFX names it by the run id alone.
      const std::string prefix = StrCat(run.pipeline, ".");
      run.run_id = !run.pipeline.empty() && run.context.name.starts_with(prefix)
                       ? run.context.name.substr(prefix.size())
                       : run.context.name;
      runs_.push_back(std::move(run));
    }
    for (const Run& run : runs_) {
      ASSIGN_OR_RETURN(std::vector<Execution> executions,
                       store_.GetExecutionsByContext(run.context.id));
      for (Execution& execution : executions) {
        run_executions_[run.context.id].push_back(execution.id);
        run_of_execution_.emplace(execution.id, &run);
        executions_.emplace(execution.id, std::move(execution));
      }
    }
    runs_loaded_ = true;
    return &runs_;
  }

  // The ids of the run's executions, in id order.
  const std::vector<int64_t>& ExecutionsOf(const Run& run) {
    static const std::vector<int64_t> kNone;
    auto found = run_executions_.find(run.context.id);
    return found == run_executions_.end() ? kNone : found->second;
  }

  // The run named `wanted`: a run id, or "<pipeline>.<run id>". Errors: NotFound; InvalidArgument
  // when several pipelines have a run of that id.
  absl::StatusOr<const Run*> FindRun(std::string_view wanted) {
    ASSIGN_OR_RETURN(const std::vector<Run>* runs, Runs());
    for (const Run& run : *runs) {
      if (run.context.name == wanted) return &run;
    }
    std::vector<const Run*> matches;
    for (const Run& run : *runs) {
      if (run.run_id == wanted) matches.push_back(&run);
    }
    if (matches.size() == 1) return matches.front();
    if (matches.empty()) {
      return absl::NotFoundError(
          StrCat("no run '", wanted, "' in the metadata store; 'weir runs' lists the runs"));
    }
    std::string names;
    for (const Run* run : matches) names += StrCat(names.empty() ? "" : ", ", run->context.name);
    return absl::InvalidArgumentError(StrCat("run id '", wanted, "' belongs to several pipelines (",
                                             names, "); name one as <pipeline>.<run id>"));
  }

  absl::StatusOr<const Execution*> GetExecution(int64_t id) {
    auto found = executions_.find(id);
    if (found != executions_.end()) return &found->second;
    ASSIGN_OR_RETURN(Execution execution, store_.GetExecution(id));
    return &executions_.emplace(id, std::move(execution)).first->second;
  }

  absl::StatusOr<const Artifact*> GetArtifact(int64_t id) {
    auto found = artifacts_.find(id);
    if (found != artifacts_.end()) return &found->second;
    absl::StatusOr<Artifact> artifact = store_.GetArtifact(id);
    if (absl::IsNotFound(artifact.status())) {
      return absl::NotFoundError(StrCat("no artifact with id ", id,
                                        " in the metadata store; 'weir artifacts' lists them"));
    }
    RETURN_IF_ERROR(artifact.status());
    return &artifacts_.emplace(id, *std::move(artifact)).first->second;
  }

  void Remember(std::vector<Artifact> artifacts) {
    for (Artifact& artifact : artifacts) artifacts_.emplace(artifact.id, std::move(artifact));
  }
  void Remember(std::vector<Execution> executions) {
    for (Execution& execution : executions) executions_.emplace(execution.id, std::move(execution));
  }

  absl::StatusOr<const std::vector<Event>*> EventsOfArtifact(int64_t id) {
    auto found = artifact_events_.find(id);
    if (found != artifact_events_.end()) return &found->second;
    ASSIGN_OR_RETURN(std::vector<Event> events, store_.GetEventsByArtifact(id));
    return &artifact_events_.emplace(id, std::move(events)).first->second;
  }

  absl::StatusOr<const std::vector<Event>*> EventsOfExecution(int64_t id) {
    auto found = execution_events_.find(id);
    if (found != execution_events_.end()) return &found->second;
    ASSIGN_OR_RETURN(std::vector<Event> events, store_.GetEventsByExecution(id));
    return &execution_events_.emplace(id, std::move(events)).first->second;
  }

  // The event of the execution that first output the artifact, or nullptr. Later outputs of the
  // same artifact are reuses: cached executions and resolvers.
  absl::StatusOr<const Event*> ProducerEvent(int64_t artifact_id) {
    ASSIGN_OR_RETURN(const std::vector<Event>* events, EventsOfArtifact(artifact_id));
    for (const Event& event : *events) {
      if (IsOutput(event.type)) return &event;
    }
    return static_cast<const Event*>(nullptr);
  }

  // {"execution_id", "pipeline", "run_id", "node", "component", "state"}.
  absl::StatusOr<Json> ExecutionRef(int64_t execution_id) {
    ASSIGN_OR_RETURN(const Execution* execution, GetExecution(execution_id));
    ASSIGN_OR_RETURN(Json place, PlaceOf(*execution));
    Json json;
    json["execution_id"] = execution->id;
    json["pipeline"] = place["pipeline"];
    json["run_id"] = place["run_id"];
    json["node"] = place["node"];
    json["component"] = StringOrNull(execution->type_name);
    json["state"] = ExecutionStateName(execution->last_known_state);
    return json;
  }

  // {"pipeline", "run_id", "node"} of an execution, each null when the store does not say.
  absl::StatusOr<Json> PlaceOf(const Execution& execution) {
    RETURN_IF_ERROR(Runs().status());
    Json place = {{"pipeline", nullptr}, {"run_id", nullptr}, {"node", nullptr}};
    auto run = run_of_execution_.find(execution.id);
    if (run != run_of_execution_.end()) {
      place["pipeline"] = StringOrNull(run->second->pipeline);
      place["run_id"] = run->second->run_id;
    } else if (auto run_id =
                   StringProperty(execution.custom_properties, metadata::kRunIdProperty)) {
      place["run_id"] = *run_id;
    }
    if (auto node = StringProperty(execution.custom_properties, metadata::kNodeIdProperty)) {
      place["node"] = *node;
    } else {
      // Without the runner's node_id (a TFX store): the node context, "<pipeline>.<node>".
      ASSIGN_OR_RETURN(std::vector<Context> contexts, store_.GetContextsByExecution(execution.id));
      for (const Context& context : contexts) {
        if (context.type_name != metadata::kNodeContextType) continue;
        std::string name = context.name;
        if (place["pipeline"].is_string()) {
          const std::string prefix = StrCat(place["pipeline"].get<std::string>(), ".");
          if (name.starts_with(prefix)) name = name.substr(prefix.size());
        }
        place["node"] = name;
        break;
      }
    }
    return place;
  }

 private:
  MetadataStore& store_;
  bool runs_loaded_ = false;
  std::vector<Run> runs_;
  std::map<int64_t, std::vector<int64_t>> run_executions_;
  std::map<int64_t, const Run*> run_of_execution_;
  std::map<int64_t, Execution> executions_;
  std::map<int64_t, Artifact> artifacts_;
  std::map<int64_t, std::vector<Event>> artifact_events_;
  std::map<int64_t, std::vector<Event>> execution_events_;
};

bool Ended(Execution::State state) {
  return state == Execution::State::kComplete || state == Execution::State::kFailed ||
         state == Execution::State::kCached || state == Execution::State::kCanceled;
}

absl::StatusOr<Json> ExecutionRow(StoreReader& reader, const Execution& execution) {
  ASSIGN_OR_RETURN(Json place, reader.PlaceOf(execution));
  Json row;
  row["id"] = execution.id;
  row["pipeline"] = place["pipeline"];
  row["run_id"] = place["run_id"];
  row["node"] = place["node"];
  row["component"] = StringOrNull(execution.type_name);
  row["state"] = ExecutionStateName(execution.last_known_state);
  row["started"] = TimeOrNull(execution.create_time_ms);
  row["duration_ms"] = Ended(execution.last_known_state) && execution.create_time_ms > 0
                           ? Json(execution.update_time_ms - execution.create_time_ms)
                           : Json(nullptr);
  row["error"] = StringOrNull(StringProperty(execution.custom_properties, "error").value_or(""));
  auto cached_from = execution.custom_properties.find(metadata::kCachedFromProperty);
  row["cached_from_execution"] = cached_from == execution.custom_properties.end()
                                     ? Json(nullptr)
                                     : ValueToJson(cached_from->second);
  row["properties"] = PropertiesToJson(execution.custom_properties);
  return row;
}

absl::StatusOr<Json> ArtifactRow(StoreReader& reader, const Artifact& artifact) {
  Json row;
  row["id"] = artifact.id;
  row["type"] = StringOrNull(artifact.type_name);
  row["uri"] = artifact.uri;
  row["state"] = ArtifactStateName(artifact.state);
  row["properties"] = PropertiesToJson(artifact.custom_properties);
  row["created"] = TimeOrNull(artifact.create_time_ms);
  ASSIGN_OR_RETURN(const Event* producer, reader.ProducerEvent(artifact.id));
  if (producer == nullptr) {
    row["producer_execution"] = nullptr;
    row["pipeline"] = nullptr;
    row["run_id"] = nullptr;
    row["node"] = nullptr;
  } else {
    ASSIGN_OR_RETURN(Json ref, reader.ExecutionRef(producer->execution_id));
    row["producer_execution"] = producer->execution_id;
    row["pipeline"] = ref["pipeline"];
    row["run_id"] = ref["run_id"];
    row["node"] = ref["node"];
  }
  return row;
}

// {"id", "type", "uri", "state"}.
Json ArtifactBrief(const Artifact& artifact) {
  Json json;
  json["id"] = artifact.id;
  json["type"] = StringOrNull(artifact.type_name);
  json["uri"] = artifact.uri;
  json["state"] = ArtifactStateName(artifact.state);
  return json;
}

// Walks one direction of an artifact's lineage, expanding each artifact and execution once.
class LineageWalker {
 public:
  LineageWalker(StoreReader& reader, int max_depth) : reader_(reader), max_depth_(max_depth) {}

  // The execution that produced the artifact, with its inputs and theirs; null when none did.
  // `depth` counts the executions between the root artifact and this one.
  absl::StatusOr<Json> ProducedBy(int64_t artifact_id, int depth) {
    ASSIGN_OR_RETURN(const Event* producer, reader_.ProducerEvent(artifact_id));
    if (producer == nullptr) return Json(nullptr);
    const int64_t execution_id = producer->execution_id;
    ASSIGN_OR_RETURN(Json execution, reader_.ExecutionRef(execution_id));
    if (!executions_seen_.insert(execution_id).second) {
      execution["repeated"] = true;
      return execution;
    }
    Json inputs = Json::array();
    ASSIGN_OR_RETURN(const std::vector<Event>* events, reader_.EventsOfExecution(execution_id));
    for (const Event& event : *events) {
      if (!IsInput(event.type)) continue;
      ASSIGN_OR_RETURN(const Artifact* artifact, reader_.GetArtifact(event.artifact_id));
      Json input;
      input["input"] = StringOrNull(PathName(event));
      input.update(ArtifactBrief(*artifact));
      if (!artifacts_seen_.insert(artifact->id).second) {
        input["repeated"] = true;
      } else if (depth + 1 >= max_depth_) {
        ASSIGN_OR_RETURN(const Event* further, reader_.ProducerEvent(artifact->id));
        if (further != nullptr) {
          input["truncated"] = true;
        } else {
          input["produced_by"] = nullptr;
        }
      } else {
        ASSIGN_OR_RETURN(input["produced_by"], ProducedBy(artifact->id, depth + 1));
      }
      inputs.push_back(std::move(input));
    }
    execution["inputs"] = std::move(inputs);
    return execution;
  }

  // The executions that read the artifact, with their outputs and what read those.
  absl::StatusOr<Json> ConsumedBy(int64_t artifact_id, int depth) {
    Json consumers = Json::array();
    ASSIGN_OR_RETURN(const std::vector<Event>* events, reader_.EventsOfArtifact(artifact_id));
    for (const Event& event : *events) {
      if (!IsInput(event.type)) continue;
      Json execution;
      execution["input"] = StringOrNull(PathName(event));
      ASSIGN_OR_RETURN(Json ref, reader_.ExecutionRef(event.execution_id));
      execution.update(ref);
      if (!executions_seen_.insert(event.execution_id).second) {
        execution["repeated"] = true;
        consumers.push_back(std::move(execution));
        continue;
      }
      Json outputs = Json::array();
      ASSIGN_OR_RETURN(const std::vector<Event>* out_events,
                       reader_.EventsOfExecution(event.execution_id));
      for (const Event& out_event : *out_events) {
        if (!IsOutput(out_event.type)) continue;
        ASSIGN_OR_RETURN(const Artifact* artifact, reader_.GetArtifact(out_event.artifact_id));
        Json output;
        output["output"] = StringOrNull(PathName(out_event));
        output.update(ArtifactBrief(*artifact));
        if (!artifacts_seen_.insert(artifact->id).second) {
          output["repeated"] = true;
        } else if (depth + 1 >= max_depth_) {
          ASSIGN_OR_RETURN(const std::vector<Event>* further,
                           reader_.EventsOfArtifact(artifact->id));
          const bool read = std::any_of(further->begin(), further->end(),
                                        [](const Event& e) { return IsInput(e.type); });
          if (read) {
            output["truncated"] = true;
          } else {
            output["consumed_by"] = Json::array();
          }
        } else {
          ASSIGN_OR_RETURN(output["consumed_by"], ConsumedBy(artifact->id, depth + 1));
        }
        outputs.push_back(std::move(output));
      }
      execution["outputs"] = std::move(outputs);
      consumers.push_back(std::move(execution));
    }
    return consumers;
  }

  void MarkSeen(int64_t artifact_id) { artifacts_seen_.insert(artifact_id); }

 private:
  StoreReader& reader_;
  const int max_depth_;
  std::set<int64_t> artifacts_seen_;
  std::set<int64_t> executions_seen_;
};

// ---------------------------------------------------------------------------------------------
// Text for executions and artifacts in `artifact show` and `lineage`.

// "Trainer", or "gen [CsvExampleGen]" when the node is not named after its component.
std::string NodeText(const Json& execution) {
  const std::string node = Text(execution.value("node", Json(nullptr)));
  const std::string component = Text(execution.value("component", Json(nullptr)));
  if (node == "-") return component;
  return component == node ? node : StrCat(node, " [", component, "]");
}

// "execution 6 Trainer (input model, run first, complete)"; see NodeText.
std::string ExecutionLabel(const Json& execution, const char* name_field) {
  std::string label =
      StrCat("execution ", Text(execution["execution_id"]), " ", NodeText(execution));
  std::vector<std::string> details;
  if (name_field != nullptr && execution.contains(name_field) &&
      execution[name_field].is_string()) {
    details.push_back(StrCat(name_field, " ", execution[name_field].get<std::string>()));
  }
  if (execution["run_id"].is_string()) {
    details.push_back(StrCat("run ", execution["run_id"].get<std::string>()));
  }
  details.push_back(Text(execution["state"]));
  std::string joined;
  for (const std::string& detail : details) joined += StrCat(joined.empty() ? "" : ", ", detail);
  return StrCat(label, " (", joined, ")");
}

// "examples: artifact 1 Examples (live) /path".
std::string ArtifactLabel(const Json& artifact, const char* name_field) {
  std::string label;
  if (name_field != nullptr && artifact.contains(name_field) && artifact[name_field].is_string()) {
    label = StrCat(artifact[name_field].get<std::string>(), ": ");
  }
  return StrCat(label, "artifact ", Text(artifact["id"]), " ", Text(artifact["type"]), " (",
                Text(artifact["state"]), ") ", Text(artifact["uri"]));
}

// One line per node, children under it with box-drawing branches.
void RenderTree(const Json& node, bool upstream, const std::string& prefix, bool last,
                std::string& out) {
  const bool is_execution = node.contains("execution_id");
  std::string label = is_execution ? ExecutionLabel(node, upstream ? nullptr : "input")
                                   : ArtifactLabel(node, upstream ? "input" : "output");
  if (node.value("repeated", false)) label += " (shown above)";
  if (node.value("truncated", false)) {
    label += upstream ? " (more upstream: raise --depth)" : " (more downstream: raise --depth)";
  }
  out += StrCat(prefix, last ? "└─ " : "├─ ", label, "\n");
  std::vector<const Json*> children;
  if (is_execution) {
    const char* field = upstream ? "inputs" : "outputs";
    if (node.contains(field)) {
      for (const Json& child : node[field]) children.push_back(&child);
    }
  } else if (upstream) {
    if (node.contains("produced_by") && !node["produced_by"].is_null()) {
      children.push_back(&node["produced_by"]);
    }
  } else if (node.contains("consumed_by")) {
    for (const Json& child : node["consumed_by"]) children.push_back(&child);
  }
  const std::string child_prefix = prefix + (last ? "   " : "│  ");
  for (size_t i = 0; i < children.size(); ++i) {
    RenderTree(*children[i], upstream, child_prefix, i + 1 == children.size(), out);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetadataStore>> OpenExistingStore(const std::string& location) {
  if (MetadataStore::IsPostgresLocation(location)) {
    return MetadataStore::Open(location, MetadataStore::OpenMode::kExisting);
  }
  const fs::path db(location);
  std::error_code error;
  if (!fs::exists(db, error)) {
    return absl::NotFoundError(
        StrCat("no metadata store at ", db.string(),
               ": run a pipeline first (weir run PIPELINE_FILE), or name the store with --db "
               "PATH or --pipeline FILE"));
  }
  if (fs::is_directory(db, error)) {
    return absl::InvalidArgumentError(
        StrCat(db.string(), " is a folder, not a metadata store; give the metadata.db file in it"));
  }
  return MetadataStore::OpenSqlite(db, MetadataStore::OpenMode::kExisting);
}

std::string FormatUtcTime(int64_t ms) {
  if (ms == 0) return "";
  // Floor division, so that times before 1970 keep non-negative milliseconds.
  int64_t seconds = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const time_t time = static_cast<time_t>(seconds);
  struct tm utc {};
  gmtime_r(&time, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

std::string_view ArtifactStateName(Artifact::State state) {
  switch (state) {
    case Artifact::State::kUnknown:
      return "unknown";
    case Artifact::State::kPending:
      return "pending";
    case Artifact::State::kLive:
      return "live";
    case Artifact::State::kMarkedForDeletion:
      return "marked_for_deletion";
    case Artifact::State::kDeleted:
      return "deleted";
    case Artifact::State::kAbandoned:
      return "abandoned";
    case Artifact::State::kReference:
      return "reference";
  }
  return "unknown";
}

std::string_view ExecutionStateName(Execution::State state) {
  switch (state) {
    case Execution::State::kUnknown:
      return "unknown";
    case Execution::State::kNew:
      return "new";
    case Execution::State::kRunning:
      return "running";
    case Execution::State::kComplete:
      return "complete";
    case Execution::State::kFailed:
      return "failed";
    case Execution::State::kCached:
      return "cached";
    case Execution::State::kCanceled:
      return "canceled";
  }
  return "unknown";
}

absl::StatusOr<Json> ListRuns(MetadataStore& store, std::string_view pipeline_name) {
  StoreReader reader(store);
  ASSIGN_OR_RETURN(const std::vector<Run>* runs, reader.Runs());
  std::vector<const Run*> order;
  for (const Run& run : *runs) {
    if (pipeline_name.empty() || run.pipeline == pipeline_name) order.push_back(&run);
  }
  std::sort(order.begin(), order.end(), [](const Run* a, const Run* b) {
    if (a->context.create_time_ms != b->context.create_time_ms) {
      return a->context.create_time_ms > b->context.create_time_ms;
    }
    return a->context.id > b->context.id;
  });
  Json rows = Json::array();
  for (const Run* run : order) {
    // A node run again in the same run (weir run-node after a failure) counts by its latest
    // execution: the run succeeded if every node's last attempt did.
    std::map<std::string, const Execution*> latest;
    int64_t last_update = 0;
    const std::vector<int64_t>& ids = reader.ExecutionsOf(*run);
    for (int64_t id : ids) {
      ASSIGN_OR_RETURN(const Execution* execution, reader.GetExecution(id));
      const std::string node =
          StringProperty(execution->custom_properties, metadata::kNodeIdProperty)
              .value_or(StrCat("#", execution->id));
      const Execution*& slot = latest[node];
      if (slot == nullptr || slot->id < execution->id) slot = execution;
      last_update = std::max(last_update, execution->update_time_ms);
    }
    int cached = 0, failed = 0, running = 0;
    for (const auto& [node, execution] : latest) {
      switch (execution->last_known_state) {
        case Execution::State::kCached:
          ++cached;
          break;
        case Execution::State::kFailed:
        case Execution::State::kCanceled:
          ++failed;
          break;
        case Execution::State::kNew:
        case Execution::State::kRunning:
          ++running;
          break;
        default:
          break;
      }
    }
    Json row;
    row["run_id"] = run->run_id;
    row["pipeline"] = StringOrNull(run->pipeline);
    row["started"] = TimeOrNull(run->context.create_time_ms);
    // A run the scheduler manages says its own state (it may be queued, or retrying a node), as
    // does one failed by a clean-up; one made by `weir run` is judged by its executions, and is
    // running while the process driving it is named on it.
    const std::optional<std::string> scheduled =
        StringProperty(run->context.custom_properties, metadata::kRunStateProperty);
    const bool driven =
        StringProperty(run->context.custom_properties, metadata::kProcessProperty).has_value();
    row["state"] = scheduled.has_value()                       ? *scheduled
                   : failed > 0                                ? "failed"
                   : (running > 0 || driven || latest.empty()) ? "running"
                                                               : "success";
    row["trigger"] = StringOrNull(
        StringProperty(run->context.custom_properties, metadata::kTriggerProperty).value_or(""));
    row["nodes"] = latest.size();
    row["executions"] = ids.size();
    row["cached"] = cached;
    row["failed"] = failed;
    row["duration_ms"] = !ids.empty() && run->context.create_time_ms > 0
                             ? Json(std::max<int64_t>(0, last_update - run->context.create_time_ms))
                             : Json(nullptr);
    rows.push_back(std::move(row));
  }
  return Json{{"runs", std::move(rows)}};
}

std::string RenderRuns(const Json& runs) {
  if (runs["runs"].empty()) return "No runs recorded.\n";
  Table table({{"run_id"},
               {"pipeline"},
               {"started"},
               {"state"},
               {"nodes", Align::kRight},
               {"cached", Align::kRight},
               {"failed", Align::kRight},
               {"duration", Align::kRight}});
  for (const Json& run : runs["runs"]) {
    table.AddRow({Text(run["run_id"]), Text(run["pipeline"]), ShortTime(run["started"]),
                  Text(run["state"]), Text(run["nodes"]), Text(run["cached"]), Text(run["failed"]),
                  FormatDuration(run["duration_ms"])});
  }
  return table.Render();
}

absl::StatusOr<Json> ListExecutions(MetadataStore& store, std::string_view run) {
  StoreReader reader(store);
  std::vector<int64_t> ids;
  if (run.empty()) {
    ASSIGN_OR_RETURN(std::vector<Execution> executions, store.GetExecutions());
    for (const Execution& execution : executions) ids.push_back(execution.id);
    reader.Remember(std::move(executions));
  } else {
    ASSIGN_OR_RETURN(const Run* found, reader.FindRun(run));
    ids = reader.ExecutionsOf(*found);
  }
  Json rows = Json::array();
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(const Execution* execution, reader.GetExecution(id));
    ASSIGN_OR_RETURN(Json row, ExecutionRow(reader, *execution));
    rows.push_back(std::move(row));
  }
  return Json{{"executions", std::move(rows)}};
}

std::string RenderExecutions(const Json& executions) {
  if (executions["executions"].empty()) return "No executions recorded.\n";
  Table table({{"id", Align::kRight},
               {"pipeline"},
               {"run_id"},
               {"node"},
               {"state"},
               {"started"},
               {"duration", Align::kRight},
               {"error"}});
  for (const Json& execution : executions["executions"]) {
    std::string state = Text(execution["state"]);
    if (execution["cached_from_execution"].is_number()) {
      state += StrCat(" (from ", Text(execution["cached_from_execution"]), ")");
    }
    table.AddRow({Text(execution["id"]), Text(execution["pipeline"]), Text(execution["run_id"]),
                  NodeText(execution), state, ShortTime(execution["started"]),
                  FormatDuration(execution["duration_ms"]),
                  execution["error"].is_string()
                      ? FirstLine(execution["error"].get<std::string>(), kErrorWidth)
                      : ""});
  }
  return table.Render();
}

absl::StatusOr<Json> ListArtifacts(MetadataStore& store, std::string_view type,
                                   std::string_view run) {
  StoreReader reader(store);
  std::vector<Artifact> artifacts;
  if (!run.empty()) {
    ASSIGN_OR_RETURN(const Run* found, reader.FindRun(run));
    ASSIGN_OR_RETURN(artifacts, store.GetArtifactsByContext(found->context.id));
  } else {
    ASSIGN_OR_RETURN(artifacts, store.GetArtifacts());
  }
  if (!type.empty()) {
    std::vector<Artifact> of_type;
    for (Artifact& artifact : artifacts) {
      if (artifact.type_name == type) of_type.push_back(std::move(artifact));
    }
    if (of_type.empty()) {
      // A type no artifact has is most likely a typo: say which types there are.
      ASSIGN_OR_RETURN(std::vector<Artifact> all, store.GetArtifacts());
      std::set<std::string> types;
      for (const Artifact& artifact : all) types.insert(artifact.type_name);
      if (!types.contains(std::string(type))) {
        std::string known;
        for (const std::string& name : types) known += StrCat(known.empty() ? "" : ", ", name);
        return absl::InvalidArgumentError(
            StrCat("no artifact of type '", type, "' in the metadata store",
                   known.empty() ? std::string(" (it has no artifacts yet)")
                                 : StrCat("; its artifact types are ", known)));
      }
    }
    artifacts = std::move(of_type);
  }
  Json rows = Json::array();
  for (const Artifact& artifact : artifacts) {
    ASSIGN_OR_RETURN(Json row, ArtifactRow(reader, artifact));
    rows.push_back(std::move(row));
  }
  return Json{{"artifacts", std::move(rows)}};
}

std::string RenderArtifacts(const Json& artifacts) {
  if (artifacts["artifacts"].empty()) return "No artifacts recorded.\n";
  Table table(
      {{"id", Align::kRight}, {"type"}, {"state"}, {"run_id"}, {"node"}, {"created"}, {"uri"}});
  for (const Json& artifact : artifacts["artifacts"]) {
    table.AddRow({Text(artifact["id"]), Text(artifact["type"]), Text(artifact["state"]),
                  Text(artifact["run_id"]), Text(artifact["node"]), ShortTime(artifact["created"]),
                  Text(artifact["uri"])});
  }
  return table.Render();
}

absl::StatusOr<Json> DescribeArtifact(MetadataStore& store, int64_t artifact_id) {
  StoreReader reader(store);
  ASSIGN_OR_RETURN(const Artifact* artifact, reader.GetArtifact(artifact_id));
  Json json;
  json["id"] = artifact->id;
  json["type"] = StringOrNull(artifact->type_name);
  json["uri"] = artifact->uri;
  json["name"] = StringOrNull(artifact->name);
  json["state"] = ArtifactStateName(artifact->state);
  json["properties"] = PropertiesToJson(artifact->custom_properties);
  json["declared_properties"] = PropertiesToJson(artifact->properties);
  json["created"] = TimeOrNull(artifact->create_time_ms);
  json["updated"] = TimeOrNull(artifact->update_time_ms);
  json["producer"] = nullptr;
  json["reused_by"] = Json::array();
  json["consumers"] = Json::array();
  ASSIGN_OR_RETURN(const std::vector<Event>* events, reader.EventsOfArtifact(artifact_id));
  for (const Event& event : *events) {
    if (!IsOutput(event.type) && !IsInput(event.type)) continue;
    ASSIGN_OR_RETURN(Json ref, reader.ExecutionRef(event.execution_id));
    if (IsInput(event.type)) {
      ref["input"] = StringOrNull(PathName(event));
      json["consumers"].push_back(std::move(ref));
    } else {
      ref["output"] = StringOrNull(PathName(event));
      if (json["producer"].is_null()) {
        json["producer"] = std::move(ref);
      } else {
        json["reused_by"].push_back(std::move(ref));
      }
    }
  }
  Json contexts = Json::array();
  ASSIGN_OR_RETURN(std::vector<Context> attributed, store.GetContextsByArtifact(artifact_id));
  for (const Context& context : attributed) {
    contexts.push_back({{"type", context.type_name}, {"name", context.name}});
  }
  json["contexts"] = std::move(contexts);
  return json;
}

std::string RenderArtifact(const Json& artifact) {
  constexpr size_t kLabelWidth = 13;
  std::string out = StrCat("Artifact ", Text(artifact["id"]), "\n");
  auto line = [&](std::string_view label, const std::string& value) {
    std::string padded(label);
    padded.resize(std::max(kLabelWidth, padded.size() + 1), ' ');
    out += StrCat("  ", padded, value, "\n");
  };
  // The first value beside the label, the others under it.
  auto lines = [&](std::string_view label, const std::vector<std::string>& values,
                   const std::string& none) {
    if (values.empty()) {
      line(label, none);
      return;
    }
    for (size_t i = 0; i < values.size(); ++i) line(i == 0 ? label : "", values[i]);
  };
  auto properties = [&](std::string_view label, const Json& object) {
    std::vector<std::string> values;
    for (const auto& [name, value] : object.items()) {
      values.push_back(StrCat(
          name, " = ", value.is_string() ? value.get<std::string>() : base::JsonText(value)));
    }
    return lines(label, values, "(none)");
  };
  line("type", Text(artifact["type"]));
  line("uri", Text(artifact["uri"]));
  if (artifact["name"].is_string()) line("name", artifact["name"].get<std::string>());
  line("state", Text(artifact["state"]));
  line("created", Text(artifact["created"]));
  line("updated", Text(artifact["updated"]));
  properties("properties", artifact["properties"]);
  if (!artifact["declared_properties"].empty()) {
    properties("declared", artifact["declared_properties"]);
  }
  line("produced by", artifact["producer"].is_null()
                          ? "(no execution recorded it as an output)"
                          : ExecutionLabel(artifact["producer"], "output"));
  std::vector<std::string> reused, consumers, contexts;
  for (const Json& execution : artifact["reused_by"]) {
    reused.push_back(ExecutionLabel(execution, "output"));
  }
  for (const Json& execution : artifact["consumers"]) {
    consumers.push_back(ExecutionLabel(execution, "input"));
  }
  for (const Json& context : artifact["contexts"]) {
    contexts.push_back(StrCat(Text(context["type"]), " ", Text(context["name"])));
  }
  if (!reused.empty()) lines("reused by", reused, "");
  lines("consumed by", consumers, "(no execution has read it yet)");
  lines("contexts", contexts, "(none)");
  return out;
}

absl::StatusOr<Json> Lineage(MetadataStore& store, int64_t artifact_id, int max_depth) {
  if (max_depth < 1) {
    return absl::InvalidArgumentError(
        StrCat("the lineage depth must be at least 1 (got ", max_depth, ")"));
  }
  StoreReader reader(store);
  ASSIGN_OR_RETURN(const Artifact* artifact, reader.GetArtifact(artifact_id));
  Json root = ArtifactBrief(*artifact);
  root["created"] = TimeOrNull(artifact->create_time_ms);
  LineageWalker up(reader, max_depth);
  up.MarkSeen(artifact_id);
  ASSIGN_OR_RETURN(Json upstream, up.ProducedBy(artifact_id, 0));
  LineageWalker down(reader, max_depth);
  down.MarkSeen(artifact_id);
  ASSIGN_OR_RETURN(Json downstream, down.ConsumedBy(artifact_id, 0));
  return Json{{"artifact", std::move(root)},
              {"upstream", std::move(upstream)},
              {"downstream", std::move(downstream)}};
}

std::string RenderLineage(const Json& lineage) {
  std::string out = StrCat(ArtifactLabel(lineage["artifact"], nullptr), "\n\n");
  out += "Upstream (what it was made from):\n";
  if (lineage["upstream"].is_null()) {
    out += "   (no execution recorded it as an output)\n";
  } else {
    RenderTree(lineage["upstream"], /*upstream=*/true, "", /*last=*/true, out);
  }
  out += "\nDownstream (what was made from it):\n";
  const Json& downstream = lineage["downstream"];
  if (downstream.empty()) out += "   (no execution has read it yet)\n";
  for (size_t i = 0; i < downstream.size(); ++i) {
    RenderTree(downstream[i], /*upstream=*/false, "", i + 1 == downstream.size(), out);
  }
  return out;
}

}  // namespace weir::views
