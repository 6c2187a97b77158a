#include "weir/onnx/onnx_export.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <variant>

#include "absl/strings/str_join.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"
#include "weir/onnx/expression.h"
#include "weir/onnx/graph_builder.h"

namespace weir::onnx {
namespace {

using model::ModelInput;
using model::ModelSpec;
using proto::TensorProto;
using transform::AnalyzerResult;
using transform::FeatureSpec;
using transform::Op;
using transform::ValueType;

constexpr char kMissingRule[] =
    "A missing value is NaN in a float input, \"\" in a string input and "
    "-9223372036854775808 (the smallest int64) in an int input.";

ElementType InputType(ValueType type) {
  switch (type) {
    case transform::INT:
      return TensorProto::INT64;
    case transform::STRING:
      return TensorProto::STRING;
    default:
      return TensorProto::FLOAT;
  }
}

std::string MissingText(ValueType type) {
  switch (type) {
    case transform::INT:
      return "-9223372036854775808";
    case transform::STRING:
      return "\"\"";
    default:
      return "NaN";
  }
}

// All of `text` as a T, or 0 (fill_missing's rule: "" fills 0).
template <typename T>
T ParseOrZero(const std::string& text) {
  T value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() ? value : T(0);
}

// One feature's values while its ops are translated: [N, 1] values of the feature's type as
// weir's kernels hold them (DOUBLE for floats, INT64, STRING), and a BOOL [N, 1] mask of the
// missing values when some may be missing. one_hot leaves FLOAT [N, depth] with none missing.
struct Flow {
  std::string values;
  ValueType type = transform::FLOAT;
  std::string missing;  // Empty: no value is missing.
  int64_t one_hot_depth = 0;
  // The token fill_missing put in place of missing values, while no other op has changed them:
  // a vocabulary gives it its true OOV bucket (it is known now; other unseen tokens are not).
  std::optional<std::string> fill_token;
};

class Exporter {
 public:
  Exporter(const model::ServingModel& model, proto::GraphProto& graph)
      : model_(model), spec_(model.spec()), g_(graph) {}

  absl::Status Build() {
    for (const transform::RawFeature& raw : spec_.signature_inputs()) {
      g_.AddInput(raw.name(), InputType(raw.type()), 1,
                  StrCat("the raw feature '", raw.name(), "'; missing: ", MissingText(raw.type())));
      raw_types_[raw.name()] = raw.type();
    }
    if (raw_types_.empty()) return absl::FailedPreconditionError("the model reads no raw feature");
    ASSIGN_OR_RETURN(const model::ModelParts parts, model_.model().Parts());
    std::string logits;
    if (const auto* trees = std::get_if<model::TreeEnsembleParts>(&parts)) {
      ASSIGN_OR_RETURN(logits, Trees(*trees));
    } else {
      ASSIGN_OR_RETURN(logits, Network(std::get<model::NetworkParts>(parts)));
    }
    Outputs(logits, parts);
    return absl::OkStatus();
  }

  const std::vector<std::string>& caveats() const { return caveats_; }
  std::vector<ApproximatedVocabulary>& approximated() { return approximated_; }

 private:
  // ---------------------------------------------------------------------------------------------
  // The transform.

  // The values of a raw feature as the transform reads them (made once per feature).
  Flow Raw(const std::string& name) {
    auto [it, inserted] = raw_flows_.try_emplace(name);
    if (inserted) it->second = ReadRaw(name);
    return it->second;
  }

  Flow ReadRaw(const std::string& name) {
    const ValueType type = raw_types_.at(name);
    Flow flow{.values = name, .type = type};
    switch (type) {
      case transform::FLOAT:
        flow.values = g_.Cast(name, TensorProto::DOUBLE);
        flow.missing = g_.Add("IsNaN", {name});
        break;
      case transform::INT:
        flow.missing = g_.Add("Equal", {name, g_.Int64s(std::vector<int64_t>{kMissingInt}, {})});
        break;
      default: {
        // Equal takes strings only from opset 19: a one-entry lookup marks "".
        const std::vector<std::string> empty = {""};
        const std::vector<int64_t> one = {1};
        std::string marked =
            g_.Add("LabelEncoder", {name},
                   {StringsAttribute("keys_strings", empty), IntsAttribute("values_int64s", one),
                    IntAttribute("default_int64", 0)},
                   kMlDomain);
        flow.missing = g_.Cast(marked, TensorProto::BOOL);
        break;
      }
    }
    return flow;
  }

  static absl::Status Refuse(const FeatureSpec& feature, std::string_view op,
                             std::string_view why) {
    return absl::UnimplementedError(
        StrCat("feature '", feature.name(), "': ", op, " cannot be exported to ONNX: ", why));
  }

  // Floats as weir's kernels compute them: ints become doubles.
  void ToDouble(Flow& flow) {
    if (flow.type != transform::INT) return;
    flow.values = g_.Cast(flow.values, TensorProto::DOUBLE);
    flow.type = transform::FLOAT;
  }

  std::string Double(double value) { return g_.Scalar(TensorProto::DOUBLE, value); }
  std::string Int(int64_t value) { return g_.Int64s(std::vector<int64_t>{value}, {}); }

  absl::StatusOr<Flow> Feature(const std::string& name) {
    const transform::TransformGraph& graph = model_.transform().graph();
    for (int f = 0; f < graph.spec().features_size(); ++f) {
      const FeatureSpec& feature = graph.spec().features(f);
      if (feature.name() != name) continue;
      if (!feature.inputs().empty())
        return Refuse(feature, "cross", "ONNX has no string hash (FarmHash Fingerprint64)");
      Flow flow;
      if (feature.expression().empty()) {
        flow = Raw(feature.input());
      } else {
        absl::StatusOr<Flow> evaluated = Expression(feature);
        if (!evaluated.ok()) {
          return absl::Status(
              evaluated.status().code(),
              StrCat("feature '", feature.name(), "': ", evaluated.status().message()));
        }
        flow = *std::move(evaluated);
      }
      int analyzer = 0;
      for (const Op& op : feature.ops()) {
        const bool analyzes = op.has_scale_to_z_score() || op.has_scale_to_0_1() ||
                              op.has_bucketize() || op.has_compute_and_apply_vocabulary();
        const AnalyzerResult* result =
            analyzes ? &graph.analyses(f).analyzers(analyzer++) : nullptr;
        RETURN_IF_ERROR(ApplyOp(feature, graph.analyses(f), op, result, flow));
        if (!op.has_fill_missing()) flow.fill_token.reset();
      }
      return flow;
    }
    return absl::NotFoundError(StrCat("the model input '", name, "' is not a transform feature"));
  }

  // An expression feature's values, as the transform evaluates them: doubles over the raw
  // values (NaN where missing), missing where NaN; as an int, truncated, and missing where out
  // of int64's range too.
  absl::StatusOr<Flow> Expression(const FeatureSpec& feature) {
    ASSIGN_OR_RETURN(std::string result,
                     TranslateExpression(feature.expression(), g_, [&](const std::string& name) {
                       Flow raw = Raw(name);
                       if (raw.type == transform::FLOAT)
                         return raw.values;  // NaN where missing already.
                       ToDouble(raw);
                       return g_.Add("Where", {raw.missing, Double(NAN), raw.values});
                     }));
    Flow flow{.values = result, .type = transform::FLOAT, .missing = g_.Add("IsNaN", {result})};
    if (feature.expression_type() == transform::INT) {
      std::string in_range = g_.Add("And", {g_.Add("Greater", {result, Double(-9.2e18)}),
                                            g_.Add("Less", {result, Double(9.2e18)})});
      flow.missing = g_.Add("Not", {in_range});
      flow.values = g_.Cast(g_.Add("Where", {in_range, result, Double(0)}), TensorProto::INT64);
      flow.type = transform::INT;
    }
    return flow;
  }

  // `analysis`: the feature's; `result`: the op's analyzer result (null for other ops).
  absl::Status ApplyOp(const FeatureSpec& feature, const transform::FeatureAnalysis& analysis,
                       const Op& op, const AnalyzerResult* result, Flow& flow) {
    switch (op.op_case()) {
      case Op::kFillMissing: {
        if (flow.missing.empty()) return absl::OkStatus();
        const std::string& text = op.fill_missing().value();
        std::string fill;
        if (flow.type == transform::INT) {
          const int64_t value = ParseOrZero<int64_t>(text);
          fill = Int(value);
          flow.fill_token = std::to_string(value);
        }
        if (flow.type == transform::FLOAT) fill = Double(ParseOrZero<double>(text));
        if (flow.type == transform::STRING) {
          fill = g_.Strings(std::vector<std::string>{text}, {});
          flow.fill_token = text;
        }
        flow.values = g_.Add("Where", {flow.missing, fill, flow.values});
        flow.missing.clear();
        return absl::OkStatus();
      }
      case Op::kScaleToZScore: {
        ToDouble(flow);
        const double variance = result->moments().variance();
        const double scale = variance > 0 ? 1.0 / std::sqrt(variance) : 1.0;
        flow.values = g_.Add(
            "Mul", {g_.Add("Sub", {flow.values, Double(result->moments().mean())}), Double(scale)});
        return absl::OkStatus();
      }
      case Op::kScaleTo01: {
        ToDouble(flow);
        const double min = result->min_max().min();
        const double range = result->min_max().max() - min;
        flow.values =
            range > 0 ? g_.Add("Div", {g_.Add("Sub", {flow.values, Double(min)}), Double(range)})
                      : g_.Add("Sigmoid", {flow.values});
        return absl::OkStatus();
      }
      case Op::kBucketize: {
        ToDouble(flow);
        const auto& bounds = result->boundaries().values();
        const int64_t size = bounds.size();
        std::string below;  // How many boundaries are <= x.
        if (size == 0) {
          below = g_.Add("ConstantOfShape", {g_.Add("Shape", {flow.values})},
                         {ScalarTensorAttribute("value", TensorProto::INT64, 0)});
        } else {
          std::string at_or_below =
              g_.Add("LessOrEqual",
                     {g_.Doubles(std::vector<double>(bounds.begin(), bounds.end()), {1, size}),
                      flow.values});
          below = g_.Add(
              "ReduceSum",
              {g_.Cast(at_or_below, TensorProto::INT64), g_.Int64s(std::vector<int64_t>{1}, {1})},
              {IntAttribute("keepdims", 1)});
        }
        // NaN compares false with every boundary but goes to the last bucket.
        flow.values = g_.Add("Where", {g_.Add("IsNaN", {flow.values}), Int(size), below});
        flow.type = transform::INT;
        return absl::OkStatus();
      }
      case Op::kComputeAndApplyVocabulary: {
        const transform::Vocabulary& spec = op.compute_and_apply_vocabulary();
        const std::vector<std::string>& tokens =
            model_.transform().vocabulary(result->vocabulary().filename());
        const int64_t size = static_cast<int64_t>(tokens.size());
        const int64_t oov = spec.num_oov_buckets() > 0 ? size : -1;
        std::vector<std::string> keys = tokens;
        std::vector<int64_t> ids(tokens.size());
        std::iota(ids.begin(), ids.end(), 0);
        if (spec.num_oov_buckets() > 0) {
          std::string known;
          if (flow.fill_token &&
              std::find(tokens.begin(), tokens.end(), *flow.fill_token) == tokens.end()) {
            keys.push_back(*flow.fill_token);
            ids.push_back(transform::OovBucketId(*flow.fill_token, size, spec.num_oov_buckets()));
            known = StrCat(" other than the fill value '", *flow.fill_token, "'");
          }
          caveats_.push_back(StrCat("feature '", feature.name(),
                                    "': a token outside its vocabulary", known, " gets id ", size,
                                    ", the first of its ", spec.num_oov_buckets(),
                                    " OOV buckets, where weir hashes it into one of them "
                                    "(FarmHash, which ONNX lacks)"));
          approximated_.push_back({.feature = feature.name(),
                                   .input = feature.input(),
                                   .vocabulary = result->vocabulary().filename(),
                                   .fill = flow.fill_token,
                                   .size = size,
                                   .num_oov_buckets = spec.num_oov_buckets()});
        }
        // Ints are looked up by their decimal text.
        std::string text =
            flow.type == transform::INT ? g_.Cast(flow.values, TensorProto::STRING) : flow.values;
        if (keys.empty()) {
          flow.values = g_.Add(
              "ConstantOfShape", {g_.Add("Shape", {text})},
              {ScalarTensorAttribute("value", TensorProto::INT64, static_cast<double>(oov))});
        } else {
          flow.values =
              g_.Add("LabelEncoder", {text},
                     {StringsAttribute("keys_strings", keys), IntsAttribute("values_int64s", ids),
                      IntAttribute("default_int64", oov)},
                     kMlDomain);
        }
        flow.type = transform::INT;
        return absl::OkStatus();
      }
      case Op::kHashStrings:
        return Refuse(feature, "hash_strings", "ONNX has no string hash (FarmHash Fingerprint64)");
      case Op::kCross:
        return Refuse(feature, "cross", "ONNX has no string hash (FarmHash Fingerprint64)");
      case Op::kCustom:
        return Refuse(feature, StrCat("the custom op '", op.custom().name(), "'"),
                      "it is code in a plug-in");
      case Op::kCategoricalIdentity: {
        const transform::CategoricalIdentity& identity = op.categorical_identity();
        std::string outside =
            g_.Add("Or", {g_.Add("Less", {flow.values, Int(0)}),
                          g_.Add("GreaterOrEqual", {flow.values, Int(identity.num_buckets())})});
        flow.values = g_.Add("Where", {outside, Int(identity.default_value()), flow.values});
        return absl::OkStatus();
      }
      case Op::kOneHot: {
        const int64_t depth = analysis.size();  // The op's depth, or the categorical's.
        std::vector<int64_t> indices(static_cast<size_t>(depth));
        std::iota(indices.begin(), indices.end(), 0);
        // A missing value matches no index: all zeros.
        std::string ids = flow.missing.empty()
                              ? flow.values
                              : g_.Add("Where", {flow.missing, Int(-1), flow.values});
        flow.values =
            g_.Cast(g_.Add("Equal", {ids, g_.Int64s(indices, {1, depth})}), TensorProto::FLOAT);
        flow.missing.clear();
        flow.one_hot_depth = depth;
        return absl::OkStatus();
      }
      case Op::kLog1P:
        // log(1 + x): ONNX has no log1p; the two differ by ~1e-16 in double.
        ToDouble(flow);
        flow.values = g_.Add("Log", {g_.Add("Add", {flow.values, Double(1)})});
        return absl::OkStatus();
      case Op::kClip: {
        const transform::Clip& clip = op.clip();
        const bool ints = flow.type == transform::INT;
        ToDouble(flow);
        flow.values = g_.Add("Clip", {flow.values, clip.has_min() ? Double(clip.min()) : "",
                                      clip.has_max() ? Double(clip.max()) : ""});
        if (ints) {
          flow.values = g_.Cast(flow.values, TensorProto::INT64);  // Truncates, as weir does.
          flow.type = transform::INT;
        }
        return absl::OkStatus();
      }
      case Op::OP_NOT_SET:
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // ---------------------------------------------------------------------------------------------
  // The model's inputs: dense FLOAT [N, size] values (missing: 0) and categorical INT64 [N, 1]
  // ids (missing or out of range: -1), in the spec's order, as layout.h's ToBatch makes them.

  struct Inputs {
    std::vector<std::string> dense;
    int64_t num_dense = 0;
    std::vector<std::string> ids;
    std::vector<int64_t> cardinalities;
  };

  absl::StatusOr<Inputs> ModelInputs() {
    Inputs inputs;
    for (const ModelInput& input : spec_.inputs()) {
      ASSIGN_OR_RETURN(Flow flow, Feature(input.name()));
      if (input.cardinality() > 0) {
        std::string outside =
            g_.Add("Or", {g_.Add("Less", {flow.values, Int(0)}),
                          g_.Add("GreaterOrEqual", {flow.values, Int(input.cardinality())})});
        if (!flow.missing.empty()) outside = g_.Add("Or", {outside, flow.missing});
        inputs.ids.push_back(g_.Add("Where", {outside, Int(-1), flow.values}));
        inputs.cardinalities.push_back(input.cardinality());
        continue;
      }
      std::string dense = flow.values;
      if (flow.one_hot_depth == 0) {
        if (flow.type == transform::STRING)
          return absl::InvalidArgumentError(
              StrCat("the model input '", input.name(), "' holds strings"));
        if (flow.type == transform::INT) dense = g_.Cast(dense, TensorProto::DOUBLE);
        dense = g_.Cast(dense, TensorProto::FLOAT);
        if (!flow.missing.empty())
          dense = g_.Add("Where", {flow.missing, g_.Scalar(TensorProto::FLOAT, 0), dense});
      }
      inputs.dense.push_back(dense);
      inputs.num_dense += input.size();
    }
    return inputs;
  }

  std::string Concat(const std::vector<std::string>& parts) {
    if (parts.size() == 1) return parts.front();
    return g_.Add("Concat", parts, {IntAttribute("axis", 1)});
  }

  // ---------------------------------------------------------------------------------------------
  // The model.

  absl::StatusOr<std::string> Trees(const model::TreeEnsembleParts& parts) {
    ASSIGN_OR_RETURN(Inputs inputs, ModelInputs());
    std::vector<std::string> columns = inputs.dense;
    for (const std::string& ids : inputs.ids) {
      columns.push_back(
          g_.Add("Where", {g_.Add("Less", {ids, Int(0)}), g_.Scalar(TensorProto::FLOAT, NAN),
                           g_.Cast(ids, TensorProto::FLOAT)}));
    }
    if (parts.trees.empty()) return absl::FailedPreconditionError("the model has no trees");
    std::vector<int64_t> tree_ids, node_ids, features, true_ids, false_ids, missing_true;
    std::vector<int64_t> target_tree_ids, target_node_ids, target_ids;
    std::vector<float> values, weights;
    std::vector<std::string> modes;
    for (size_t t = 0; t < parts.trees.size(); ++t) {
      const model::TreeEnsembleParts::Tree& tree = parts.trees[t];
      for (size_t n = 0; n < tree.nodes.size(); ++n) {
        const model::TreeEnsembleParts::Node& node = tree.nodes[n];
        const bool leaf = node.left < 0;
        tree_ids.push_back(static_cast<int64_t>(t));
        node_ids.push_back(static_cast<int64_t>(n));
        features.push_back(leaf ? 0 : node.feature);
        values.push_back(leaf ? 0.f : node.value);
        modes.push_back(leaf ? "LEAF" : "BRANCH_LT");
        true_ids.push_back(leaf ? 0 : node.left);
        false_ids.push_back(leaf ? 0 : node.right);
        missing_true.push_back(!leaf && node.default_left ? 1 : 0);
        if (leaf) {
          target_tree_ids.push_back(static_cast<int64_t>(t));
          target_node_ids.push_back(static_cast<int64_t>(n));
          target_ids.push_back(tree.output);
          weights.push_back(node.value);
        }
      }
    }
    // Double features make ONNX Runtime sum the leaves in double, as weir does: summed in float,
    // the order of the sum (its threads split the trees) moved regressions by 1e-6.
    const std::vector<float> base(static_cast<size_t>(model::OutputsPerRow(spec_)),
                                  parts.base_margin);
    return g_.Add(
        "TreeEnsembleRegressor", {g_.Cast(Concat(columns), TensorProto::DOUBLE)},
        {IntAttribute("n_targets", model::OutputsPerRow(spec_)),
         StringAttribute("aggregate_function", "SUM"), StringAttribute("post_transform", "NONE"),
         IntsAttribute("nodes_treeids", tree_ids), IntsAttribute("nodes_nodeids", node_ids),
         IntsAttribute("nodes_featureids", features), FloatsAttribute("nodes_values", values),
         StringsAttribute("nodes_modes", modes), IntsAttribute("nodes_truenodeids", true_ids),
         IntsAttribute("nodes_falsenodeids", false_ids),
         IntsAttribute("nodes_missing_value_tracks_true", missing_true),
         IntsAttribute("target_treeids", target_tree_ids),
         IntsAttribute("target_nodeids", target_node_ids), IntsAttribute("target_ids", target_ids),
         FloatsAttribute("target_weights", weights), FloatsAttribute("base_values", base)},
        kMlDomain);
  }

  // y = x W^T + b in double, for x DOUBLE [N, in].
  std::string Dense(const model::DenseLayer& layer, const std::string& x) {
    std::vector<double> transposed(static_cast<size_t>(layer.in * layer.out));
    for (int64_t j = 0; j < layer.out; ++j)
      for (int64_t k = 0; k < layer.in; ++k)
        transposed[static_cast<size_t>(k * layer.out + j)] =
            layer.weight[static_cast<size_t>(j * layer.in + k)];
    return g_.Add("Add", {g_.Add("MatMul", {x, g_.Doubles(transposed, {layer.in, layer.out})}),
                          g_.Doubles(std::vector<double>(layer.bias.begin(), layer.bias.end()),
                                     {layer.out})});
  }

  absl::StatusOr<std::string> Network(const model::NetworkParts& parts) {
    ASSIGN_OR_RETURN(Inputs inputs, ModelInputs());
    // Without dense values the network reads a single 0.
    std::string dense =
        inputs.dense.empty()
            ? g_.Add("ConstantOfShape", {g_.Add("Shape", {spec_.signature_inputs(0).name()})},
                     {ScalarTensorAttribute("value", TensorProto::FLOAT, 0)})
            : Concat(inputs.dense);
    std::string logits = Dense(parts.wide_dense, g_.Cast(dense, TensorProto::DOUBLE));
    std::string rows;  // [N, categoricals]: each one's row of the tables.
    if (!inputs.ids.empty()) {
      std::vector<std::string> columns;
      for (size_t j = 0; j < inputs.ids.size(); ++j) {
        const std::string& ids = inputs.ids[j];
        std::string id =
            g_.Add("Where", {g_.Add("Less", {ids, Int(0)}), Int(inputs.cardinalities[j]), ids});
        columns.push_back(g_.Add("Add", {id, Int(parts.offsets[j])}));
      }
      rows = Concat(columns);
      std::vector<double> table(parts.wide_table.begin(), parts.wide_table.end());
      std::string gathered =
          g_.Add("Gather", {g_.Doubles(table, {parts.table_rows, parts.outputs}), rows});
      logits = g_.Add(
          "Add", {logits, g_.Add("ReduceSum", {gathered, g_.Int64s(std::vector<int64_t>{1}, {1})},
                                 {IntAttribute("keepdims", 0)})});
    }
    if (!parts.tower.empty()) {
      std::string x = dense;
      if (parts.embedding_dim > 0 && !rows.empty()) {
        std::string embedded = g_.Add(
            "Gather", {g_.Floats(parts.deep_table, {parts.table_rows, parts.embedding_dim}), rows});
        const int64_t width = static_cast<int64_t>(inputs.ids.size()) * parts.embedding_dim;
        embedded = g_.Add("Reshape", {embedded, g_.Int64s(std::vector<int64_t>{-1, width}, {2})});
        x = inputs.dense.empty() ? embedded
                                 : g_.Add("Concat", {dense, embedded}, {IntAttribute("axis", 1)});
      }
      for (size_t l = 0; l < parts.tower.size(); ++l) {
        std::string y = Dense(parts.tower[l], g_.Cast(x, TensorProto::DOUBLE));
        if (l + 1 < parts.tower.size()) y = g_.Add("Relu", {y});
        x = g_.Cast(y, TensorProto::FLOAT);  // Each layer's result is rounded to float.
      }
      logits = g_.Add("Add", {logits, g_.Cast(x, TensorProto::DOUBLE)});
    }
    return g_.Cast(logits, TensorProto::FLOAT);
  }

  // ---------------------------------------------------------------------------------------------
  // Outputs.

  void Outputs(const std::string& logits, const model::ModelParts& parts) {
    const int64_t width = model::OutputsPerRow(spec_);
    switch (spec_.config().task()) {
      case model::BINARY_CLASSIFICATION:
        g_.AddOutput(spec_.outputs(0), g_.Add("Sigmoid", {logits}), TensorProto::FLOAT, 1,
                     "P(label = 1) per row");
        break;
      case model::MULTICLASS_CLASSIFICATION: {
        std::string probabilities = g_.Add("Softmax", {logits}, {IntAttribute("axis", 1)});
        g_.AddOutput(spec_.outputs(0), probabilities, TensorProto::FLOAT, width,
                     "each class's probability per row");
        std::vector<std::string> names(spec_.class_names().begin(), spec_.class_names().end());
        g_.AddOutput(
            model::kClassesOutput,
            g_.Add("Expand", {g_.Strings(names, {1, width}), g_.Add("Shape", {probabilities})}),
            TensorProto::STRING, width, "the class names beside the probabilities");
        break;
      }
      default: {
        std::string predictions = logits;
        if (const auto* network = std::get_if<model::NetworkParts>(&parts)) {
          predictions = g_.Cast(g_.Add("Add", {g_.Add("Mul", {g_.Cast(logits, TensorProto::DOUBLE),
                                                              Double(network->output_scale)}),
                                               Double(network->output_shift)}),
                                TensorProto::FLOAT);
        }
        g_.AddOutput(spec_.outputs(0), predictions, TensorProto::FLOAT, 1,
                     "the prediction per row, in the label's units");
        break;
      }
    }
  }

  const model::ServingModel& model_;
  const ModelSpec& spec_;
  GraphBuilder g_;
  std::map<std::string, ValueType> raw_types_;
  std::map<std::string, Flow> raw_flows_;
  std::vector<std::string> caveats_;
  std::vector<ApproximatedVocabulary> approximated_;
};

}  // namespace

absl::StatusOr<OnnxExport> ExportOnnx(const model::ServingModel& model) {
  OnnxExport out;
  proto::ModelProto& proto = out.model;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name("weir");
  proto.set_producer_version(WEIR_VERSION);
  proto.set_doc_string(StrCat("A weir ", model.spec().config().family(),
                              " model with its transform: raw features in. ", kMissingRule));
  proto::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpsetVersion);
  opset = proto.add_opset_import();
  opset->set_domain(kMlDomain);
  opset->set_version(kMlOpsetVersion);
  proto::GraphProto& graph = *proto.mutable_graph();
  graph.set_name(StrCat("weir_", model.spec().config().family()));
  Exporter exporter(model, graph);
  RETURN_IF_ERROR(exporter.Build());
  out.caveats = exporter.caveats();
  out.approximated = std::move(exporter.approximated());
  auto add_metadata = [&](std::string key, std::string value) {
    proto::StringStringEntryProto* entry = proto.add_metadata_props();
    entry->set_key(std::move(key));
    entry->set_value(std::move(value));
  };
  add_metadata("weir.family", model.spec().config().family());
  add_metadata("weir.task", model::Task_Name(model.spec().config().task()));
  add_metadata("weir.label", model.spec().config().label());
  add_metadata("weir.missing_values", kMissingRule);
  if (!out.caveats.empty()) {
    add_metadata("weir.caveats", absl::StrJoin(out.caveats, "\n"));
    // The same for programs: which raw input feeds each vocabulary (a file in the model's
    // transform/transform_fn/assets/) whose unseen tokens the graph approximates.
    nlohmann::json approximated = nlohmann::json::array();
    for (const ApproximatedVocabulary& vocabulary : out.approximated) {
      nlohmann::json& entry = approximated.emplace_back();
      entry["feature"] = vocabulary.feature;
      entry["input"] = vocabulary.input;
      entry["vocabulary"] = vocabulary.vocabulary;
      if (vocabulary.fill) entry["fill"] = *vocabulary.fill;
    }
    add_metadata("weir.approximated_oov", approximated.dump());
  }
  return out;
}

ApproximatedRows CountApproximatedRows(const OnnxExport& exported, const model::ServingModel& model,
                                       const data::RecordBatch& raw) {
  ApproximatedRows count{.rows = static_cast<int64_t>(raw.num_rows())};
  std::vector<uint8_t> unseen(raw.num_rows()), other_bucket(raw.num_rows());
  for (const ApproximatedVocabulary& vocabulary : exported.approximated) {
    const std::vector<std::string>& tokens = model.transform().vocabulary(vocabulary.vocabulary);
    const std::set<std::string_view> known(tokens.begin(), tokens.end());
    const data::Column* column = raw.FindColumn(vocabulary.input);
    for (size_t row = 0; column != nullptr && row < raw.num_rows(); ++row) {
      if (column->value_count(row) != 1) continue;  // Missing: the fill value, exact.
      const uint32_t index = column->value_begin(row);
      std::string token;
      if (column->type() == data::DataType::kBytes) token = column->bytes_value(index);
      if (column->type() == data::DataType::kInt64)
        token = std::to_string(column->int64_values()[index]);
      if (known.contains(token) || token == vocabulary.fill) continue;
      unseen[row] = 1;
      if (transform::OovBucketId(token, vocabulary.size, vocabulary.num_oov_buckets) !=
          vocabulary.size)
        other_bucket[row] = 1;
    }
  }
  for (size_t row = 0; row < raw.num_rows(); ++row) {
    count.unseen += unseen[row];
    count.other_bucket += other_bucket[row];
  }
  return count;
}

}  // namespace weir::onnx
