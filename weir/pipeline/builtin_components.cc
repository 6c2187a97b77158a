// The executors of weir's own components: thin adapters from a node's parameters and artifact
// folders to the component libraries.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <variant>

#include "weir/base/files.h"
#include "weir/base/hashing.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/evaluator/evaluator_component.h"
#include "weir/components/example_gen/example_gen_component.h"
#include "weir/components/example_gen/request_log_example_gen.h"
#include "weir/components/example_validator/example_validator_component.h"
#include "weir/components/pusher/pusher_component.h"
#include "weir/components/schema_gen/schema_gen_component.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/components/trainer/trainer_component.h"
#include "weir/components/transform/transform_component.h"
#include "weir/metadata/run_records.h"
#include "weir/metadata/span_artifacts.h"
#include "weir/model/layout.h"
#include "weir/pipeline/component_registry.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/schema/schema_inference.h"

namespace weir::pipeline {
namespace {

std::string StringParam(const ExecutionContext& context, const std::string& name,
                        const std::string& fallback = "") {
  auto it = context.params.find(name);
  return it == context.params.end() ? fallback : it->second.string_value();
}

bool BoolParam(const ExecutionContext& context, const std::string& name, bool fallback) {
  auto it = context.params.find(name);
  return it == context.params.end() ? fallback : it->second.bool_value();
}

std::vector<std::string> ListParam(const ExecutionContext& context, const std::string& name) {
  std::vector<std::string> values;
  if (auto it = context.params.find(name); it != context.params.end()) {
    for (const Value& value : it->second.list_value().values())
      values.push_back(value.string_value());
  }
  return values;
}

std::optional<int64_t> OptionalIntParam(const ExecutionContext& context, const std::string& name) {
  auto it = context.params.find(name);
  return it == context.params.end() ? std::nullopt : std::optional<int64_t>(it->second.int_value());
}

// A structured parameter, unpacked into its message type (the default when absent).
template <typename Message>
absl::StatusOr<Message> MessageParam(const ExecutionContext& context, const std::string& name) {
  Message message;
  auto it = context.params.find(name);
  if (it != context.params.end() && !it->second.message_value().UnpackTo(&message)) {
    return absl::InvalidArgumentError(StrCat("parameter '", name, "' of node ", context.node_id,
                                             " is not a ", Message::descriptor()->full_name()));
  }
  return message;
}

// What ExampleGen reads: the folder, patterns and span; the same for the cache and the executor.
absl::StatusOr<components::ExampleGenOptions> ExampleGenInput(const ExecutionContext& context) {
  components::ExampleGenOptions options;
  options.input_base = StringParam(context, "input_base");
  options.input_pattern = StringParam(context, "input_pattern", "*");
  options.span = OptionalIntParam(context, "span");
  for (const std::string& text : ListParam(context, "input_splits")) {
    ASSIGN_OR_RETURN(components::InputSplit split,
                     components::ParseInputSplit(text, "input_splits entry"));
    options.input_splits.push_back(split);
  }
  // A scheduled run reads the span of its data interval's day (catch-up runs their own day's)
  // when the patterns name dates; otherwise the latest span.
  if (!options.span && context.data_interval_start_ms) {
    std::vector<std::string> patterns = {options.input_pattern};
    for (const components::InputSplit& split : options.input_splits)
      patterns.push_back(split.pattern);
    bool dated = false;
    for (const std::string& pattern : patterns) {
      ASSIGN_OR_RETURN(components::PatternSpecs specs, components::ParsePatternSpecs(pattern));
      dated = dated || specs.date;
    }
    constexpr int64_t kMsPerDay = 86'400'000;  // A date span is the day's number since 1970.
    if (dated) options.span = *context.data_interval_start_ms / kMsPerDay;
  }
  return options;
}

absl::Status RunExampleGen(const ExecutionContext& context) {
  ASSIGN_OR_RETURN(components::ExampleGenOptions options, ExampleGenInput(context));
  options.output = context.outputs.at("examples");
  options.partition_feature = StringParam(context, "partition_feature");
  options.csv.skip_bad_rows = BoolParam(context, "skip_bad_rows", false);
  std::vector<std::string> splits = ListParam(context, "splits");
  if (!splits.empty()) options.output_splits.clear();
  for (const std::string& text : splits) {
    ASSIGN_OR_RETURN(components::OutputSplit split,
                     components::ParseOutputSplit(text, "splits entry"));
    options.output_splits.push_back(split);
  }
  ASSIGN_OR_RETURN(components::ExampleGenResult result, components::RunCsvExampleGen(options));
  (*context.output_properties)["examples"] = result.properties;
  return absl::OkStatus();
}

absl::StatusOr<std::string> ExampleGenFingerprint(const ExecutionContext& context) {
  ASSIGN_OR_RETURN(components::ExampleGenOptions options, ExampleGenInput(context));
  return components::ComputeInputFingerprint(options);
}

absl::StatusOr<std::string> ImportedSchemaFingerprint(const ExecutionContext& context) {
  std::string file = StringParam(context, "schema_file");
  if (file.empty()) return std::string();
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(file));
  return StrCat(file, ":", base::Xxh3(text));
}

std::vector<std::filesystem::path> InputFolders(const ExecutionContext& context,
                                                const std::string& name) {
  std::vector<std::filesystem::path> folders;
  for (const ArtifactRef& artifact : context.inputs.at(name)) folders.push_back(artifact.uri);
  return folders;
}

components::StatisticsGenOptions StatisticsGenOptionsOf(const ExecutionContext& context) {
  components::StatisticsGenOptions options;
  options.examples = InputFolders(context, "examples");
  if (auto output = context.outputs.find("statistics"); output != context.outputs.end())
    options.output = output->second;  // A shard has none.
  return options;
}

absl::Status RecordStatisticsGen(const ExecutionContext& context,
                                 components::StatisticsGenResult& result) {
  // As TFX's ExampleStatistics: the span of the examples described (of one span), which finds
  // the previous span's statistics for drift.
  const std::vector<ArtifactRef>& examples = context.inputs.at("examples");
  if (std::optional<int64_t> span = metadata::SpanOf(examples.front().properties);
      span && examples.size() == 1) {
    result.properties["span"] = *span;
  }
  (*context.output_properties)["statistics"] = result.properties;
  return absl::OkStatus();
}

absl::Status RunStatisticsGenNode(const ExecutionContext& context) {
  ASSIGN_OR_RETURN(components::StatisticsGenResult result,
                   components::RunStatisticsGen(StatisticsGenOptionsOf(context)));
  return RecordStatisticsGen(context, result);
}

absl::Status ShardStatisticsGenNode(const ExecutionContext& context, int index, int count,
                                    const std::filesystem::path& part) {
  return components::RunStatisticsGenShard(StatisticsGenOptionsOf(context), index, count, part);
}

absl::Status MergeStatisticsGenNode(const ExecutionContext& context,
                                    const std::vector<std::filesystem::path>& parts) {
  ASSIGN_OR_RETURN(components::StatisticsGenResult result,
                   components::MergeStatisticsGenShards(StatisticsGenOptionsOf(context), parts));
  return RecordStatisticsGen(context, result);
}

bool ComparesSpans(const schema::tfmd::Schema& schema) {
  if (schema.dataset_constraints().has_num_examples_drift_comparator()) return true;
  return std::any_of(
      schema.feature().begin(), schema.feature().end(),
      [](const schema::tfmd::Feature& feature) { return feature.has_drift_comparator(); });
}

// ExampleValidator's previous_statistics, when the schema has drift comparators and nothing is
// wired: the statistics, made by the same node, of the latest span before the one validated (the
// newest of them when a span was read more than once).
absl::StatusOr<std::map<std::string, int64_t>> PreviousSpanStatistics(
    metadata::MetadataStore& store, const ExecutionContext& context) {
  std::map<std::string, int64_t> found;
  if (!context.has_input("statistics") || !context.has_input("schema")) return found;
  const ArtifactRef& current = context.input("statistics");
  const std::optional<int64_t> span = metadata::SpanOf(current.properties);
  if (!span) return found;
  ASSIGN_OR_RETURN(schema::tfmd::Schema rules, schema::ReadSchema(context.input("schema").uri));
  if (!ComparesSpans(rules)) return found;
  ASSIGN_OR_RETURN(std::vector<metadata::SpanArtifact> made,
                   metadata::ArtifactsBySpanOfProducer(store, current.id));
  // The latest span before this one, the newest artifact of it.
  const metadata::SpanArtifact* previous = nullptr;
  for (const metadata::SpanArtifact& artifact : made) {
    if (artifact.span < *span) previous = &artifact;
  }
  if (previous != nullptr) found["previous_statistics"] = previous->id;
  return found;
}

// SchemaGen and ImportSchemaGen: inferred when there is a statistics input, imported otherwise.
absl::Status RunSchemaGenNode(const ExecutionContext& context) {
  components::SchemaGenOptions options;
  if (context.has_input("statistics")) options.statistics = context.input("statistics").uri;
  options.import_schema = StringParam(context, "schema_file");
  options.output = context.outputs.at("schema");
  options.exclude_splits = ListParam(context, "exclude_splits");
  options.inference.infer_feature_shape = BoolParam(context, "infer_feature_shape", true);
  return components::RunSchemaGen(options).status();
}

absl::Status RunExampleValidatorNode(const ExecutionContext& context) {
  components::ExampleValidatorOptions options;
  options.statistics = context.input("statistics").uri;
  options.schema = context.input("schema").uri;
  options.output = context.outputs.at("anomalies");
  options.environment = StringParam(context, "environment");
  if (context.has_input("previous_statistics"))
    options.previous_statistics = context.input("previous_statistics").uri;
  if (context.has_input("serving_statistics"))
    options.serving_statistics = context.input("serving_statistics").uri;
  options.serving_environment = StringParam(context, "serving_environment");
  options.serving_baseline = StringParam(context, "serving_baseline", "train");
  ASSIGN_OR_RETURN(components::ExampleValidatorResult result,
                   components::RunExampleValidator(options));
  (*context.output_properties)["anomalies"] = result.properties;
  return absl::OkStatus();
}

absl::Status RunRequestLogExampleGenNode(const ExecutionContext& context) {
  components::RequestLogExampleGenOptions options;
  options.log_dir = StringParam(context, "log_dir");
  options.split = StringParam(context, "split", "serving");
  options.keep_log_fields = BoolParam(context, "keep_log_fields", false);
  options.output = context.outputs.at("examples");
  ASSIGN_OR_RETURN(components::RequestLogExampleGenResult result,
                   components::RunRequestLogExampleGen(options));
  (*context.output_properties)["examples"] = result.properties;
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequestLogFingerprintOfNode(const ExecutionContext& context) {
  return components::RequestLogFingerprint(StringParam(context, "log_dir"));
}

absl::Status RunTransformNode(const ExecutionContext& context) {
  components::TransformOptions options;
  options.examples = InputFolders(context, "examples");
  options.schema = context.input("schema").uri;
  ASSIGN_OR_RETURN(options.spec, MessageParam<transform::TransformSpec>(context, "spec"));
  options.analyze_split = StringParam(context, "analyze_split", "train");
  options.transform_graph = context.outputs.at("transform_graph");
  options.transformed_examples = context.outputs.at("transformed_examples");
  ASSIGN_OR_RETURN(components::TransformResult result, components::RunTransform(options));
  (*context.output_properties)["transformed_examples"] = result.transformed_examples_properties;
  return absl::OkStatus();
}

absl::Status RunTrainerNode(const ExecutionContext& context) {
  components::TrainerOptions options;
  options.examples = context.input("examples").uri;
  options.transform_graph = context.input("transform_graph").uri;
  if (context.has_input("base_model")) options.base_model = context.input("base_model").uri;
  ASSIGN_OR_RETURN(options.config, MessageParam<model::TrainerConfig>(context, "model"));
  options.model = context.outputs.at("model");
  options.model_run = context.outputs.at("model_run");
  ASSIGN_OR_RETURN(components::TrainerResult result, components::RunTrainer(options));
  (*context.output_properties)["model"] = result.model_properties;
  return absl::OkStatus();
}

// Before the run: what the Transform spec says without the schema.
absl::Status CheckTransformNode(const NodeSpec& node, const PipelineSpec& pipeline) {
  transform::TransformSpec spec;
  auto param = node.params().find("spec");
  if (param == node.params().end() || !param->second.message_value().UnpackTo(&spec))
    return absl::OkStatus();  // Reported by the parameter checks.
  return transform::CheckSpecWithoutSchema(spec);
}

absl::Status CheckPusherNode(const NodeSpec& node, const PipelineSpec& pipeline) {
  auto param = node.params().find("push_formats");
  if (param == node.params().end()) return absl::OkStatus();
  std::vector<std::string> formats;
  for (const Value& value : param->second.list_value().values())
    formats.push_back(value.string_value());
  return components::CheckPushFormats(formats);
}

// Before the run: the model config against the Transform spec upstream of it (when the
// transform graph comes from a Transform node of the pipeline).
absl::Status CheckTrainerNode(const NodeSpec& node, const PipelineSpec& pipeline) {
  model::TrainerConfig config;
  auto param = node.params().find("model");
  if (param == node.params().end() || !param->second.message_value().UnpackTo(&config))
    return absl::OkStatus();  // Reported by the parameter checks.
  if (node.inputs().contains("base_model") && !config.warm_start()) {
    return absl::InvalidArgumentError(
        "input 'base_model' is wired but model.warm_start is not set: set warm_start: true to "
        "start from it, or remove the input");
  }
  std::optional<transform::TransformSpec> spec;
  if (auto input = node.inputs().find("transform_graph"); input != node.inputs().end()) {
    const std::string upstream = input->second.substr(0, input->second.find('.'));
    for (const NodeSpec& other : pipeline.nodes()) {
      auto spec_param = other.params().find("spec");
      if (other.id() != upstream || other.component() != "Transform" ||
          spec_param == other.params().end()) {
        continue;
      }
      spec.emplace();
      if (!spec_param->second.message_value().UnpackTo(&*spec)) spec.reset();
    }
  }
  return model::CheckTrainerConfig(config, spec ? &*spec : nullptr);
}

absl::Status RunEvaluatorNode(const ExecutionContext& context) {
  components::EvaluatorOptions options;
  options.examples = context.input("examples").uri;
  options.model = context.input("model").uri;
  options.model_id = context.input("model").id;
  if (context.has_input("baseline_model")) {
    options.baseline_model = context.input("baseline_model").uri;
    options.baseline_model_id = context.input("baseline_model").id;
  }
  ASSIGN_OR_RETURN(options.config, MessageParam<eval::EvalConfig>(context, "eval_config"));
  options.evaluation = context.outputs.at("evaluation");
  options.blessing = context.outputs.at("blessing");
  ASSIGN_OR_RETURN(components::EvaluatorResult result, components::RunEvaluator(options));
  (*context.output_properties)["blessing"] = result.blessing_properties;
  return absl::OkStatus();
}

absl::Status RunPusherNode(const ExecutionContext& context) {
  components::PusherOptions options;
  options.model = context.input("model").uri;
  options.blessing = context.input("model_blessing").uri;
  options.base_directory = StringParam(context, "base_directory");
  if (options.base_directory.empty())
    options.base_directory = WeirHome() / "serving_model" / context.pipeline_name;
  options.pushed_model = context.outputs.at("pushed_model");
  if (context.params.contains("push_formats")) options.formats = ListParam(context, "push_formats");
  ASSIGN_OR_RETURN(components::PusherResult result, components::RunPusher(options));
  (*context.output_properties)["pushed_model"] = result.properties;
  return absl::OkStatus();
}

// The newest Model of this pipeline that an Evaluator blessed, with that blessing; nothing when
// no model has been blessed yet.
absl::StatusOr<std::map<std::string, std::vector<int64_t>>> ResolveLatestBlessedModel(
    metadata::MetadataStore& store, const PipelineSpec& pipeline, const ExecutionContext&) {
  ASSIGN_OR_RETURN(std::vector<metadata::Artifact> blessings,
                   store.GetArtifactsByType("ModelBlessing"));
  const std::string root = StrCat(pipeline.pipeline_root(), "/");
  int64_t best_model = 0, best_blessing = 0;
  for (const metadata::Artifact& blessing : blessings) {
    if (blessing.state != metadata::Artifact::State::kLive) continue;
    if (blessing.uri.rfind(root, 0) != 0) continue;  // Another pipeline's.
    auto get_int = [&](const char* name) -> int64_t {
      auto it = blessing.custom_properties.find(name);
      if (it == blessing.custom_properties.end()) return 0;
      const int64_t* value = std::get_if<int64_t>(&it->second);
      return value ? *value : 0;
    };
    const int64_t model_id = get_int("current_model_id");
    if (get_int("blessed") != 1 || model_id <= best_model) continue;
    absl::StatusOr<metadata::Artifact> model = store.GetArtifact(model_id);
    std::error_code ec;
    if (!model.ok() || model->state != metadata::Artifact::State::kLive ||
        !std::filesystem::exists(model->uri, ec)) {
      continue;
    }
    best_model = model_id;
    best_blessing = blessing.id;
  }
  std::map<std::string, std::vector<int64_t>> picked;
  if (best_model > 0) {
    picked["model"] = {best_model};
    picked["model_blessing"] = {best_blessing};
  }
  return picked;
}

// TFX's rolling range (SpanRangeStrategy): the Examples of the latest num_spans spans up to the
// input's span, made by the node that made the input, oldest first; the newest artifact of each
// span (its latest version, or its latest reading).
absl::StatusOr<std::map<std::string, std::vector<int64_t>>> ResolveSpanRange(
    metadata::MetadataStore& store, const PipelineSpec& pipeline, const ExecutionContext& context) {
  auto num_spans = context.params.find("num_spans");
  const int64_t wanted = num_spans == context.params.end() ? 1 : num_spans->second.int_value();
  if (wanted < 1) {
    return absl::InvalidArgumentError(
        StrCat("node ", context.node_id, ": num_spans must be at least 1, not ", wanted));
  }
  const ArtifactRef& latest = context.input("examples");
  const std::optional<int64_t> span = metadata::SpanOf(latest.properties);
  if (!span) {
    return absl::FailedPreconditionError(
        StrCat("node ", context.node_id, ": the examples (artifact ", latest.id,
               ") record no span; they must come from a CsvExampleGen"));
  }
  ASSIGN_OR_RETURN(std::vector<metadata::SpanArtifact> made,
                   metadata::ArtifactsBySpanOfProducer(store, latest.id));
  std::vector<int64_t> window;
  std::optional<int64_t> last_span;
  for (auto it = made.rbegin(); it != made.rend() && static_cast<int64_t>(window.size()) < wanted;
       ++it) {
    if (it->span > *span || it->span == last_span) continue;  // Later, or an older reading.
    window.push_back(it->id);
    last_span = it->span;
  }
  std::reverse(window.begin(), window.end());
  return std::map<std::string, std::vector<int64_t>>{{"examples", window}};
}

// Custom-op plug-ins are user code: the cache must notice when one changes.
absl::StatusOr<std::string> TransformPluginsFingerprint(const ExecutionContext& context) {
  ASSIGN_OR_RETURN(transform::TransformSpec spec,
                   MessageParam<transform::TransformSpec>(context, "spec"));
  std::string fingerprint;
  for (const std::string& plugin : spec.plugins()) {
    ASSIGN_OR_RETURN(std::string bytes, base::ReadFile(plugin));
    fingerprint += StrCat(plugin, ":", base::Xxh3(bytes), ";");
  }
  return fingerprint;
}

}  // namespace

void RegisterBuiltins(ComponentRegistry& registry) {
  registry.Register({
      .type = "CsvExampleGen",
      .version = "1",
      .description =
          "CSV files to Examples (gzip TFRecords of tf.Example), split by hash as TFX splits",
      .inputs = {},
      .outputs = {{"examples", "Examples"}},
      .params =
          {
              {"input_base", ParamType::kPath, true, "Folder of CSV files"},
              {"splits", ParamType::kStringList, false,
               "Output splits NAME:HASH_BUCKETS (default train:2, eval:1)"},
              {"input_pattern", ParamType::kString, false,
               "Glob of the files to read, relative to input_base (default *); may name the span "
               "as {SPAN} or {YYYY}{MM}{DD} and a version as {VERSION}: the latest is read"},
              {"span", ParamType::kInt, false,
               "Read this span instead of the latest (the patterns must name spans)"},
              {"input_splits", ParamType::kStringList, false,
               "Pre-split input NAME:GLOB, each glob as input_pattern"},
              {"partition_feature", ParamType::kString, false,
               "Hash this feature instead of the example"},
              {"skip_bad_rows", ParamType::kBool, false, "Skip malformed rows and count them"},
          },
      .executor = RunExampleGen,
      .fingerprint = ExampleGenFingerprint,
  });
  registry.Register({
      .type = "RequestLogExampleGen",
      .version = "1",
      .description = "The requests weir serve --request_log logged, as Examples of one split "
                     "(serving): what the model was sent, for training/serving skew",
      .inputs = {},
      .outputs = {{"examples", "Examples"}},
      .params =
          {
              {"log_dir", ParamType::kPath, true,
               "One model's log folder: <weir serve --request_log>/<model name>"},
              {"split", ParamType::kString, false, "The split's name (default serving)"},
              {"keep_log_fields", ParamType::kBool, false,
               "Keep __prediction, __model_version and __request_time_micros as features"},
          },
      .executor = RunRequestLogExampleGenNode,
      .fingerprint = RequestLogFingerprintOfNode,
  });
  registry.Register({
      .type = "StatisticsGen",
      // 2: top values with equal counts in TFDV's order. 3: the examples' span recorded.
      .version = "3",
      .description = "Per-feature statistics of every split (TFDV's FeatureStats.pb); of a window "
                     "of spans together when given several Examples",
      .inputs = {{"examples", "Examples", /*optional=*/false, /*multiple=*/true}},
      .outputs = {{"statistics", "ExampleStatistics"}},
      .params = {},
      .executor = RunStatisticsGenNode,
      .sharded = {.shard = ShardStatisticsGenNode, .merge = MergeStatisticsGenNode},
  });
  registry.Register({
      .type = "SchemaGen",
      .version = "2",  // 2: every split read (infer from the first, update with the others).
      .description = "schema.pbtxt inferred from statistics by TFDV's rules",
      .inputs = {{"statistics", "ExampleStatistics"}},
      .outputs = {{"schema", "Schema"}},
      .params =
          {
              {"infer_feature_shape", ParamType::kBool, false,
               "Fixed shapes for always-present features"},
              {"exclude_splits", ParamType::kStringList, false,
               "Splits to leave out (default: none; the first other split is inferred from, the "
               "rest update the schema)"},
          },
      .executor = RunSchemaGenNode,
  });
  registry.Register({
      .type = "ImportSchemaGen",
      .version = "1",
      .description = "A curated schema.pbtxt, imported byte for byte",
      .inputs = {},
      .outputs = {{"schema", "Schema"}},
      .params = {{"schema_file", ParamType::kPath, true, "The schema.pbtxt to import"}},
      .executor = RunSchemaGenNode,
      .fingerprint = ImportedSchemaFingerprint,
  });
  registry.Register({
      .type = "ExampleValidator",
      .version = "1",
      .description =
          "Anomalies of each split's statistics against the schema, with skew between splits and "
          "drift from the previous span (found in the store when the schema has drift "
          "comparators); with serving_statistics, training/serving skew too",
      .inputs = {{"statistics", "ExampleStatistics"},
                 {"schema", "Schema"},
                 {"previous_statistics", "ExampleStatistics", /*optional=*/true},
                 {"serving_statistics", "ExampleStatistics", /*optional=*/true}},
      .outputs = {{"anomalies", "ExampleAnomalies"}},
      .params = {{"environment", ParamType::kString, false, "Schema environment to validate in"},
                 {"serving_environment", ParamType::kString, false,
                  "Environment the serving statistics are validated in (default: SERVING when "
                  "the schema names it)"},
                 {"serving_baseline", ParamType::kString, false,
                  "The split serving statistics are compared with for skew (train)"}},
      .executor = RunExampleValidatorNode,
      .store_inputs = PreviousSpanStatistics,
  });
  registry.Register({
      .type = "Transform",
      .version = "1",
      .description = "Feature engineering: analyzers over one split, the transform applied to all; "
                     "several Examples (a window of spans) are analyzed and written as one",
      .inputs = {{"examples", "Examples", /*optional=*/false, /*multiple=*/true},
                 {"schema", "Schema"}},
      .outputs = {{"transform_graph", "TransformGraph"}, {"transformed_examples", "Examples"}},
      .params =
          {
              {"spec", ParamType::kMessage, true,
               "Output features and their ops (see docs/transform.md)",
               &transform::TransformSpec::default_instance()},
              {"analyze_split", ParamType::kString, false, "Split the analyzers read (train)"},
          },
      .executor = RunTransformNode,
      .fingerprint = TransformPluginsFingerprint,
      .check = CheckTransformNode,
  });
  registry.Register({
      .type = "Trainer",
      // 2: validation examples from the train split; regression in the label's units.
      .version = "2",
      .description = "Trains a model (gbdt, wide_deep or linear) on transformed examples",
      .inputs = {{"examples", "Examples"},
                 {"transform_graph", "TransformGraph"},
                 {"base_model", "Model", /*optional=*/true, /*multiple=*/false,
                  /*starting_point=*/true}},
      .outputs = {{"model", "Model"}, {"model_run", "ModelRun"}},
      .params = {{"model", ParamType::kMessage, true,
                  "family, label, train_steps, ... (see docs/trainer.md)",
                  &model::TrainerConfig::default_instance()}},
      .executor = RunTrainerNode,
      .check = CheckTrainerNode,
  });
  registry.Register({
      .type = "LatestBlessedModelResolver",
      .version = "1",
      .description = "The newest blessed Model of this pipeline (nothing on a first run)",
      .inputs = {},
      .outputs = {{"model", "Model"}, {"model_blessing", "ModelBlessing"}},
      .params = {},
      .resolver = ResolveLatestBlessedModel,
  });
  registry.Register({
      .type = "SpanRangeResolver",
      .version = "1",
      .description = "A rolling window: the Examples of the latest num_spans spans up to the "
                     "input's, oldest first (TFX's RollingRange)",
      .inputs = {{"examples", "Examples"}},
      .outputs = {{"examples", "Examples", /*optional=*/false, /*multiple=*/true}},
      .params = {{"num_spans", ParamType::kInt, false,
                  "How many spans (default 1: the input's span alone)"}},
      .resolver = ResolveSpanRange,
  });
  registry.Register({
      .type = "Evaluator",
      .version = "1",
      .description = "Sliced metrics of a model, compared with a baseline; blesses it or not",
      .inputs = {{"examples", "Examples"},
                 {"model", "Model"},
                 {"baseline_model", "Model", /*optional=*/true}},
      .outputs = {{"evaluation", "ModelEvaluation"}, {"blessing", "ModelBlessing"}},
      .params = {{"eval_config", ParamType::kMessage, false,
                  "label_key, slicing_specs, thresholds (see docs/evaluator.md)",
                  &eval::EvalConfig::default_instance()}},
      .executor = RunEvaluatorNode,
  });
  registry.Register({
      .type = "Pusher",
      .version = "1",
      .description = "Copies a blessed model to <base_directory>/<version>/ for serving",
      .inputs = {{"model", "Model"}, {"model_blessing", "ModelBlessing"}},
      .outputs = {{"pushed_model", "PushedModel"}},
      .params = {{"base_directory", ParamType::kPath, false,
                  "Default ${WEIR_HOME}/serving_model/<pipeline>"},
                 {"push_formats", ParamType::kStringList, false,
                  "What each version holds: weir (default; always) and onnx (model.onnx, as "
                  "weir export onnx writes it)"}},
      .executor = RunPusherNode,
      .check = CheckPusherNode,
  });
}

const ComponentRegistry& BuiltinRegistry() {
  static const ComponentRegistry* registry = [] {
    auto* builtins = new ComponentRegistry;
    RegisterBuiltins(*builtins);
    return builtins;
  }();
  return *registry;
}

}  // namespace weir::pipeline
