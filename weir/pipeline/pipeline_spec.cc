#include "weir/pipeline/pipeline_spec.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/pipeline/yaml_proto.h"
#include "weir/scheduler/cron.h"

namespace weir::pipeline {
namespace fs = std::filesystem;

namespace {

// Where a YAML node is, for messages: "file:line".
struct Source {
  std::string file;
  std::string At(const YAML::Node& node) const { return StrCat(file, ":", node.Mark().line + 1); }
  std::string At(uint32_t line) const { return line > 0 ? StrCat(file, ":", line) : file; }
};

absl::Status Error(const std::string& where, const std::string& message) {
  return absl::InvalidArgumentError(StrCat(where, ": ", message));
}

// A pipeline's name names folders under WEIR_HOME (artifacts/<name>, logs/<name>) and keys its
// runs in the store: nothing that could lead out of them or that a URL must escape.
absl::Status CheckPipelineName(const std::string& name, const std::string& where) {
  constexpr size_t kMaxLength = 128;
  if (name.empty() || name.size() > kMaxLength || name.front() == '.' ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
          std::string::npos) {
    return Error(where, StrCat("pipeline name \"", absl::CHexEscape(name),
                               "\": use letters, digits, '_', '-' and '.' (not first), at most ",
                               kMaxLength));
  }
  return absl::OkStatus();
}

// A schedule the scheduler can follow: a bad one is an error here, rather than a pipeline the
// scheduler quietly runs by hand only.
absl::Status CheckCron(const std::string& cron, const std::string& where) {
  if (absl::StatusOr<scheduler::CronSchedule> parsed = scheduler::CronSchedule::Parse(cron);
      !parsed.ok()) {
    return Error(where, std::string(parsed.status().message()));
  }
  return absl::OkStatus();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += StrCat(joined.empty() ? "" : ", ", name);
  return joined.empty() ? "none" : joined;
}

// Expands ${WEIR_HOME} and ${PIPELINE_DIR}.
absl::StatusOr<std::string> Expand(const std::string& text, const fs::path& pipeline_dir,
                                   const std::string& where) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = text.find("${", i);
    if (start == std::string::npos) {
      out += text.substr(i);
      break;
    }
    out += text.substr(i, start - i);
    size_t end = text.find('}', start);
    if (end == std::string::npos) return Error(where, StrCat("unterminated ${ in '", text, "'"));
    std::string name = text.substr(start + 2, end - start - 2);
    if (name == "WEIR_HOME") {
      out += WeirHome().string();
    } else if (name == "PIPELINE_DIR") {
      out += pipeline_dir.string();
    } else {
      return Error(where, StrCat("unknown variable ${", name,
                                 "}; pipeline files know ${WEIR_HOME} and ${PIPELINE_DIR}"));
    }
    i = end + 1;
  }
  return out;
}

absl::StatusOr<std::string> Scalar(const YAML::Node& node, const Source& source,
                                   const std::string& what) {
  if (!node.IsScalar()) return Error(source.At(node), StrCat(what, " must be a single value"));
  return node.Scalar();
}

absl::Status CheckKeys(const YAML::Node& map, const std::vector<std::string>& known,
                       const Source& source, const std::string& what) {
  for (const auto& entry : map) {
    std::string key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Error(source.At(entry.first),
                   StrCat("unknown key '", key, "' in ", what, " (known: ", JoinNames(known), ")"));
    }
  }
  return absl::OkStatus();
}

// Expands ${...} variables in every string field of `message`, recursively.
absl::Status ExpandStrings(google::protobuf::Message* message, const fs::path& pipeline_dir,
                           const std::string& where) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          ASSIGN_OR_RETURN(
              std::string text,
              Expand(reflection->GetRepeatedString(*message, field, i), pipeline_dir, where));
          reflection->SetRepeatedString(message, field, i, text);
        }
      } else {
        ASSIGN_OR_RETURN(std::string text,
                         Expand(reflection->GetString(*message, field), pipeline_dir, where));
        reflection->SetString(message, field, text);
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          RETURN_IF_ERROR(ExpandStrings(reflection->MutableRepeatedMessage(message, field, i),
                                        pipeline_dir, where));
        }
      } else {
        RETURN_IF_ERROR(
            ExpandStrings(reflection->MutableMessage(message, field), pipeline_dir, where));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Value> ParamValue(const YAML::Node& node, const ParamSpec& param,
                                 const fs::path& pipeline_dir, const Source& source,
                                 const std::string& node_id) {
  const std::string where = source.At(node);
  const std::string wrong_type = StrCat("parameter '", param.name, "' of node '", node_id,
                                        "' must be a ", ParamTypeName(param.type));
  Value value;
  try {
    switch (param.type) {
      case ParamType::kString:
      case ParamType::kPath: {
        if (!node.IsScalar()) return Error(where, wrong_type);
        ASSIGN_OR_RETURN(std::string text, Expand(node.Scalar(), pipeline_dir, where));
        if (param.type == ParamType::kPath && !text.empty() && fs::path(text).is_relative()) {
          text = (pipeline_dir / text).lexically_normal().string();
        }
        value.set_string_value(text);
        break;
      }
      case ParamType::kInt:
        if (!node.IsScalar()) return Error(where, wrong_type);
        value.set_int_value(node.as<int64_t>());
        break;
      case ParamType::kDouble:
        if (!node.IsScalar()) return Error(where, wrong_type);
        value.set_double_value(node.as<double>());
        break;
      case ParamType::kBool:
        if (!node.IsScalar()) return Error(where, wrong_type);
        value.set_bool_value(node.as<bool>());
        break;
      case ParamType::kStringList: {
        if (!node.IsSequence()) return Error(where, StrCat(wrong_type, ", e.g. [a, b]"));
        ValueList* list = value.mutable_list_value();
        for (const YAML::Node& item : node) {
          if (!item.IsScalar()) return Error(source.At(item), wrong_type);
          ASSIGN_OR_RETURN(std::string text, Expand(item.Scalar(), pipeline_dir, source.At(item)));
          list->add_values()->set_string_value(text);
        }
        break;
      }
      case ParamType::kMessage: {
        if (!node.IsMap()) return Error(where, StrCat(wrong_type, " (name: value, ...)"));
        std::unique_ptr<google::protobuf::Message> message(param.message_type->New());
        RETURN_IF_ERROR(YamlToMessage(node, source.file, message.get()));
        RETURN_IF_ERROR(ExpandStrings(message.get(), pipeline_dir, where));
        value.mutable_message_value()->PackFrom(*message);
        break;
      }
    }
  } catch (const YAML::Exception&) {
    return Error(where, StrCat(wrong_type, ", not '", node.Scalar(), "'"));
  }
  return value;
}

absl::StatusOr<PipelineSpec> ParseYaml(const fs::path& file, const std::string& text,
                                       const ComponentRegistry& registry) {
  Source source{file.string()};
  const fs::path pipeline_dir = file.parent_path();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return Error(StrCat(file.string(), ":", e.mark.line + 1, ":", e.mark.column + 1),
                 StrCat("not valid YAML: ", e.msg));
  }
  if (!root.IsMap())
    return Error(source.file, "a pipeline file is a map with keys pipeline, nodes, ...");
  RETURN_IF_ERROR(CheckYamlDocument(root, source.file));
  RETURN_IF_ERROR(CheckKeys(
      root, {"pipeline", "pipeline_root", "metadata", "enable_cache", "schedule", "nodes"}, source,
      "the pipeline file"));
  PipelineSpec spec;
  spec.set_source_file(file.string());
  if (!root["pipeline"])
    return Error(source.file, "the pipeline needs a name: add 'pipeline: <name>'");
  ASSIGN_OR_RETURN(std::string name, Scalar(root["pipeline"], source, "pipeline"));
  RETURN_IF_ERROR(CheckPipelineName(name, source.At(root["pipeline"])));
  spec.set_name(name);
  try {
    if (const YAML::Node node = root["pipeline_root"]) {
      ASSIGN_OR_RETURN(std::string root_dir, Scalar(node, source, "pipeline_root"));
      ASSIGN_OR_RETURN(root_dir, Expand(root_dir, pipeline_dir, source.At(node)));
      if (fs::path(root_dir).is_relative())
        root_dir = (pipeline_dir / root_dir).lexically_normal().string();
      spec.set_pipeline_root(root_dir);
    }
    if (const YAML::Node node = root["enable_cache"]) spec.set_enable_cache(node.as<bool>());
    if (const YAML::Node metadata = root["metadata"]) {
      if (!metadata.IsMap())
        return Error(source.At(metadata),
                     "metadata must be a map: sqlite: PATH, or postgres: {...}");
      RETURN_IF_ERROR(CheckKeys(metadata, {"sqlite", "postgres"}, source, "metadata"));
      if (const YAML::Node sqlite = metadata["sqlite"]) {
        ASSIGN_OR_RETURN(std::string path, Scalar(sqlite, source, "metadata.sqlite"));
        ASSIGN_OR_RETURN(path, Expand(path, pipeline_dir, source.At(sqlite)));
        if (fs::path(path).is_relative()) path = (pipeline_dir / path).lexically_normal().string();
        spec.mutable_metadata()->mutable_sqlite()->set_path(path);
      } else if (const YAML::Node postgres = metadata["postgres"]) {
        RETURN_IF_ERROR(CheckKeys(postgres, {"host", "port", "database", "user", "password_env"},
                                  source, "metadata.postgres"));
        PostgresConnection* pg = spec.mutable_metadata()->mutable_postgres();
        if (postgres["host"]) pg->set_host(postgres["host"].as<std::string>());
        if (postgres["port"]) pg->set_port(postgres["port"].as<uint32_t>());
        if (postgres["database"]) pg->set_database(postgres["database"].as<std::string>());
        if (postgres["user"]) pg->set_user(postgres["user"].as<std::string>());
        if (postgres["password_env"])
          pg->set_password_env(postgres["password_env"].as<std::string>());
      }
    }
    if (const YAML::Node schedule = root["schedule"]) {
      RETURN_IF_ERROR(CheckKeys(schedule, {"cron", "start_date", "catchup", "max_active_runs"},
                                source, "schedule"));
      Schedule* s = spec.mutable_schedule();
      if (const YAML::Node cron = schedule["cron"]) {
        s->set_cron(cron.as<std::string>());
        RETURN_IF_ERROR(CheckCron(s->cron(), source.At(cron)));
      }
      if (schedule["start_date"]) s->set_start_date(schedule["start_date"].as<std::string>());
      if (schedule["catchup"]) s->set_catchup(schedule["catchup"].as<bool>());
      if (schedule["max_active_runs"])
        s->set_max_active_runs(schedule["max_active_runs"].as<uint32_t>());
    }
  } catch (const YAML::Exception& e) {
    return Error(StrCat(file.string(), ":", e.mark.line + 1), StrCat("wrong type: ", e.msg));
  }

  const YAML::Node nodes = root["nodes"];
  if (!nodes || !nodes.IsMap() || nodes.size() == 0) {
    return Error(nodes ? source.At(nodes) : source.file,
                 "'nodes' must map node ids to components, e.g.\n"
                 "nodes:\n  CsvExampleGen:\n    component: CsvExampleGen\n"
                 "    params: {input_base: data}");
  }
  for (const auto& entry : nodes) {
    const std::string id = entry.first.Scalar();
    const YAML::Node& body = entry.second;
    const std::string where = source.At(entry.first);
    if (id.empty() ||
        id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
            std::string::npos) {
      return Error(where, StrCat("node id '", id, "' may use only letters, digits, '_' and '-'"));
    }
    if (!body.IsMap())
      return Error(where, StrCat("node '", id, "' must be a map with component, params, inputs"));
    RETURN_IF_ERROR(CheckKeys(body,
                              {"component", "params", "inputs", "retries", "retry_delay_seconds",
                               "timeout_seconds", "shards"},
                              source, StrCat("node '", id, "'")));
    NodeSpec* node = spec.add_nodes();
    node->set_id(id);
    node->set_line(static_cast<uint32_t>(entry.first.Mark().line + 1));
    if (!body["component"])
      return Error(where, StrCat("node '", id, "' needs 'component: <type>'"));
    ASSIGN_OR_RETURN(std::string component, Scalar(body["component"], source, "component"));
    node->set_component(component);
    const ComponentSpec* component_spec = registry.Find(component);
    if (component_spec == nullptr) {
      return Error(
          source.At(body["component"]),
          StrCat("unknown component '", component, "' (known: ", JoinNames(registry.Types()), ")"));
    }
    if (const YAML::Node params = body["params"]) {
      if (!params.IsMap()) return Error(source.At(params), "params must be a map of name: value");
      for (const auto& param : params) {
        const std::string param_name = param.first.Scalar();
        const ParamSpec* param_spec = component_spec->FindParam(param_name);
        if (param_spec == nullptr) {
          std::vector<std::string> known;
          for (const ParamSpec& p : component_spec->params) known.push_back(p.name);
          return Error(source.At(param.first),
                       StrCat("unknown parameter '", param_name, "' for ", component,
                              " (known: ", JoinNames(known), ")"));
        }
        ASSIGN_OR_RETURN(Value value,
                         ParamValue(param.second, *param_spec, pipeline_dir, source, id));
        (*node->mutable_params())[param_name] = value;
      }
    }
    try {
      if (const YAML::Node retries = body["retries"]) node->set_retries(retries.as<uint32_t>());
      if (const YAML::Node delay = body["retry_delay_seconds"]) {
        node->set_retry_delay_seconds(delay.as<double>());
      }
      if (const YAML::Node timeout = body["timeout_seconds"]) {
        node->set_timeout_seconds(timeout.as<double>());
      }
    } catch (const YAML::Exception&) {
      return Error(where, StrCat("node '", id,
                                 "': retries must be a whole number, retry_delay_seconds and "
                                 "timeout_seconds numbers of seconds"));
    }
    if (node->retry_delay_seconds() < 0 || node->timeout_seconds() < 0) {
      return Error(where, StrCat("node '", id,
                                 "': retry_delay_seconds and timeout_seconds cannot be negative"));
    }
    if (const YAML::Node shards = body["shards"]) {
      uint32_t count = 0;
      if (!YAML::convert<uint32_t>::decode(shards, count) || count < 1 ||
          count > static_cast<uint32_t>(kMaxShards)) {
        return Error(source.At(shards), StrCat("node '", id,
                                               "': shards must be a whole number "
                                               "from 1 to ",
                                               kMaxShards));
      }
      if (count > 1 && !component_spec->sharded.shard) {
        std::vector<std::string> shardable;
        for (const std::string& type : registry.Types()) {
          if (registry.Find(type)->sharded.shard) shardable.push_back(type);
        }
        return Error(source.At(shards), StrCat("node '", id, "': ", component,
                                               " cannot run in shards (those that "
                                               "can: ",
                                               JoinNames(shardable), ")"));
      }
      node->set_shards(count);
    }
    if (const YAML::Node inputs = body["inputs"]) {
      if (!inputs.IsMap())
        return Error(source.At(inputs), "inputs must be a map of name: <node>.<output>");
      for (const auto& input : inputs) {
        ASSIGN_OR_RETURN(std::string reference, Scalar(input.second, source, "an input"));
        (*node->mutable_inputs())[input.first.Scalar()] = reference;
      }
    }
  }
  return spec;
}

}  // namespace

fs::path WeirHome() {
  if (const char* home = std::getenv("WEIR_HOME"); home != nullptr && *home != '\0')
    return fs::path(home);
  const char* user_home = std::getenv("HOME");
  return fs::path(user_home != nullptr ? user_home : ".") / "weir";
}

namespace {

// Whether `value` holds what `param` takes: files are checked as they are read, but a spec
// built in code or written as text proto reaches the executors only through this check.
bool HasKindOf(const Value& value, const ParamSpec& param) {
  switch (param.type) {
    case ParamType::kString:
    case ParamType::kPath:
      return value.has_string_value();
    case ParamType::kInt:
      return value.has_int_value();
    case ParamType::kDouble:
      return value.has_double_value();
    case ParamType::kBool:
      return value.has_bool_value();
    case ParamType::kStringList:
      for (const Value& item : value.list_value().values()) {
        if (!item.has_string_value()) return false;
      }
      return value.has_list_value();
    case ParamType::kMessage: {
      const std::string& url = value.message_value().type_url();
      const std::string& type = param.message_type->GetDescriptor()->full_name();
      return value.has_message_value() && url.size() > type.size() &&
             url.compare(url.size() - type.size(), type.size(), type) == 0 &&
             url[url.size() - type.size() - 1] == '/';
    }
  }
  return false;
}

}  // namespace

absl::Status ValidatePipeline(const PipelineSpec& spec, const ComponentRegistry& registry) {
  Source source{spec.source_file().empty() ? std::string("pipeline") : spec.source_file()};
  if (spec.name().empty()) return Error(source.file, "the pipeline needs a name");
  // Again for text-proto files, which have no lines to name.
  RETURN_IF_ERROR(CheckPipelineName(spec.name(), source.file));
  RETURN_IF_ERROR(CheckCron(spec.schedule().cron(), source.file));
  std::map<std::string, const NodeSpec*> by_id;
  for (const NodeSpec& node : spec.nodes()) {
    if (!by_id.emplace(node.id(), &node).second) {
      return Error(source.At(node.line()), StrCat("node id '", node.id(), "' is used twice"));
    }
  }
  for (const NodeSpec& node : spec.nodes()) {
    const std::string where = source.At(node.line());
    const ComponentSpec* component = registry.Find(node.component());
    if (component == nullptr) {
      return Error(where, StrCat("node '", node.id(), "': unknown component '", node.component(),
                                 "' (known: ", JoinNames(registry.Types()), ")"));
    }
    for (const ParamSpec& param : component->params) {
      if (param.required && !node.params().contains(param.name)) {
        return Error(where, StrCat("node '", node.id(), "' (", node.component(),
                                   ") needs parameter '", param.name, "': ", param.description));
      }
    }
    for (const auto& [name, value] : node.params()) {
      const ParamSpec* param = component->FindParam(name);
      if (param == nullptr) {
        return Error(where, StrCat("node '", node.id(), "': unknown parameter '", name, "' for ",
                                   node.component()));
      }
      if (!HasKindOf(value, *param)) {
        return Error(where, StrCat("parameter '", name, "' of node '", node.id(), "' must be a ",
                                   ParamTypeName(param->type)));
      }
    }
    for (const auto& [name, reference] : node.inputs()) {
      const ChannelSpec* input = component->FindInput(name);
      if (input == nullptr) {
        std::vector<std::string> known;
        for (const ChannelSpec& c : component->inputs) known.push_back(c.name);
        return Error(where, StrCat("node '", node.id(), "': ", node.component(), " has no input '",
                                   name, "' (inputs: ", JoinNames(known), ")"));
      }
      size_t dot = reference.find('.');
      if (dot == std::string::npos) {
        return Error(where, StrCat("node '", node.id(), "': input '", name,
                                   "' must be <node>.<output>, not '", reference, "'"));
      }
      std::string upstream_id = reference.substr(0, dot);
      std::string output_name = reference.substr(dot + 1);
      auto upstream = by_id.find(upstream_id);
      if (upstream == by_id.end()) {
        return Error(where, StrCat("node '", node.id(), "': input '", name, "' reads from node '",
                                   upstream_id, "', which the pipeline does not have"));
      }
      const ComponentSpec* upstream_component = registry.Find(upstream->second->component());
      const ChannelSpec* output =
          upstream_component ? upstream_component->FindOutput(output_name) : nullptr;
      if (output == nullptr) {
        std::vector<std::string> known;
        if (upstream_component) {
          for (const ChannelSpec& c : upstream_component->outputs) known.push_back(c.name);
        }
        return Error(where,
                     StrCat("node '", node.id(), "': node '", upstream_id, "' has no output '",
                            output_name, "' (outputs: ", JoinNames(known), ")"));
      }
      if (output->artifact_type != input->artifact_type) {
        return Error(
            where, StrCat("node '", node.id(), "': input '", name, "' takes ", input->artifact_type,
                          " but ", reference, " is ", output->artifact_type));
      }
      if (output->multiple && !input->multiple) {
        return Error(where, StrCat("node '", node.id(), "': input '", name, "' takes one ",
                                   input->artifact_type, " artifact but ", reference,
                                   " may give several (a window of spans); read it with a node "
                                   "that takes several, such as StatisticsGen or Transform"));
      }
    }
    for (const ChannelSpec& input : component->inputs) {
      if (!input.optional && !node.inputs().contains(input.name)) {
        return Error(where, StrCat("node '", node.id(), "' (", node.component(), ") needs input '",
                                   input.name, "' (", input.artifact_type, "), e.g. ", input.name,
                                   ": <node>.<output>"));
      }
    }
    if (component->check) {
      if (absl::Status checked = component->check(node, spec); !checked.ok())
        return Error(where, StrCat("node '", node.id(), "': ", checked.message()));
    }
  }
  return ExecutionOrder(spec).status();
}

absl::StatusOr<std::vector<const NodeSpec*>> ExecutionOrder(const PipelineSpec& spec) {
  std::map<std::string, size_t> index;
  for (int i = 0; i < spec.nodes_size(); ++i) index[spec.nodes(i).id()] = static_cast<size_t>(i);
  const size_t n = static_cast<size_t>(spec.nodes_size());
  std::vector<std::set<size_t>> upstream(n);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [name, reference] : spec.nodes(static_cast<int>(i)).inputs()) {
      auto it = index.find(reference.substr(0, reference.find('.')));
      if (it != index.end()) upstream[i].insert(it->second);
    }
  }
  std::vector<const NodeSpec*> order;
  std::vector<bool> done(n, false);
  while (order.size() < n) {
    bool progressed = false;
    for (size_t i = 0; i < n; ++i) {
      if (done[i]) continue;
      bool ready = true;
      for (size_t u : upstream[i]) ready = ready && done[u];
      if (!ready) continue;
      done[i] = true;
      order.push_back(&spec.nodes(static_cast<int>(i)));
      progressed = true;
      break;  // Restart from the top: file order among ready nodes.
    }
    if (!progressed) {
      std::string cycle;
      for (size_t i = 0; i < n; ++i) {
        if (!done[i])
          cycle += StrCat(cycle.empty() ? "" : ", ", spec.nodes(static_cast<int>(i)).id());
      }
      return absl::InvalidArgumentError(
          StrCat(spec.source_file(), ": the nodes ", cycle,
                 " depend on each other in a cycle; a pipeline must be a DAG"));
    }
  }
  return order;
}

absl::StatusOr<std::string> MetadataLocation(const PipelineSpec& spec) {
  if (!spec.metadata().has_postgres()) return spec.metadata().sqlite().path();
  const PostgresConnection& pg = spec.metadata().postgres();
  // Fields left out fall back to libpq's defaults (PGHOST, PGPORT, PGUSER, … or the local
  // socket), as they would for psql.
  std::string uri =
      StrCat("postgresql://", pg.user().empty() ? "" : PercentEncode(pg.user()),
             pg.user().empty() ? "" : "@", PercentEncode(pg.host()),
             pg.port() != 0 ? StrCat(":", pg.port()) : "", "/", PercentEncode(pg.database()));
  if (!pg.password_env().empty()) {
    const char* password = std::getenv(pg.password_env().c_str());
    if (password == nullptr) {
      return absl::InvalidArgumentError(
          StrCat(spec.source_file(), ": metadata.postgres.password_env names ", pg.password_env(),
                 ", which is not set; export it with the database password"));
    }
    uri += StrCat("?password=", PercentEncode(password));
  }
  return uri;
}

absl::StatusOr<PipelineSpec> LoadPipelineFile(const fs::path& file,
                                              const ComponentRegistry& registry) {
  std::error_code ec;
  // Through symlinks: a file linked into ${WEIR_HOME}/pipelines resolves its relative paths
  // against its own folder, where its data is.
  fs::path absolute = fs::weakly_canonical(fs::absolute(file, ec), ec);
  if (ec) absolute = fs::absolute(file, ec).lexically_normal();
  PipelineSpec spec;
  if (absolute.extension() == ".pbtxt") {
    RETURN_IF_ERROR(base::ReadTextProto(absolute, &spec));
    spec.set_source_file(absolute.string());
  } else {
    ASSIGN_OR_RETURN(std::string text, base::ReadFile(absolute));
    ASSIGN_OR_RETURN(spec, ParseYaml(absolute, text, registry));
  }
  ApplyDefaults(spec);
  RETURN_IF_ERROR(ValidatePipeline(spec, registry));
  return spec;
}

void ApplyDefaults(PipelineSpec& spec) {
  if (spec.pipeline_root().empty())
    spec.set_pipeline_root((WeirHome() / "artifacts" / spec.name()).string());
  if (!spec.has_metadata())
    spec.mutable_metadata()->mutable_sqlite()->set_path((WeirHome() / "metadata.db").string());
}

}  // namespace weir::pipeline
