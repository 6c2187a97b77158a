#include "weir/transform/transform.h"

#include <muParserDLL.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <unordered_map>

#include "absl/container/inlined_vector.h"
#include "weir/base/files.h"
#include "weir/base/plugin.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/schema/schema_inference.h"
#include "weir/stats/quantile_sketch.h"
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace fs = std::filesystem;
namespace tfmd = ::tensorflow::metadata::v0;

namespace {

std::string OpName(const Op& op) {
  const google::protobuf::FieldDescriptor* field =
      op.GetReflection()->GetOneofFieldDescriptor(op, op.GetDescriptor()->FindOneofByName("op"));
  if (field == nullptr) return "(empty op)";
  if (op.has_custom()) return StrCat("custom:", op.custom().name());
  return field->name();
}

bool Accepts(OpKernel::Takes takes, ValueType type) {
  switch (takes) {
    case OpKernel::Takes::kNumbers:
      return type != STRING;
    case OpKernel::Takes::kStringsOrInts:
      return type != FLOAT;
    case OpKernel::Takes::kInts:
      return type == INT;
    case OpKernel::Takes::kAnything:
      return true;
  }
  return true;
}

std::string TakesName(OpKernel::Takes takes) {
  switch (takes) {
    case OpKernel::Takes::kNumbers:
      return "numbers";
    case OpKernel::Takes::kStringsOrInts:
      return "strings or ints";
    case OpKernel::Takes::kInts:
      return "ints";
    case OpKernel::Takes::kAnything:
      return "anything";
  }
  return "anything";
}

struct CompiledFeature {
  const FeatureSpec* spec = nullptr;
  std::vector<std::string> sources;  // Raw columns read (for an expression: its variables).
  std::vector<size_t> source_ids;    // The same, as indices into Impl::raw_features.
  std::vector<CompiledOp> ops;
  int num_analyzers = 0;
};

// muparser's C API, from the library loaded the first time an expression is parsed rather than
// linked: with its OpenMP runtime it cost every weir command ~2 ms of start-up, and only
// `expression` features need it.
struct LibMuparser {
  decltype(&::mupCreate) mupCreate;
  decltype(&::mupRelease) mupRelease;
  decltype(&::mupSetExpr) mupSetExpr;
  decltype(&::mupSetVarFactory) mupSetVarFactory;
  decltype(&::mupDefineVar) mupDefineVar;
  decltype(&::mupGetExprVarNum) mupGetExprVarNum;
  decltype(&::mupGetExprVar) mupGetExprVar;
  decltype(&::mupEval) mupEval;
  decltype(&::mupError) mupError;
  decltype(&::mupGetErrorMsg) mupGetErrorMsg;
  decltype(&::mupGetErrorPos) mupGetErrorPos;
};

absl::StatusOr<const LibMuparser*> LoadLibMuparser() {
  return base::LoadLibraryOnce<LibMuparser>(
      "libmuparser.so.2", "expression features need muparser (Debian package libmuparser2v5)",
      [](base::LibraryBinder& bind, LibMuparser& lib) {
        bind("mupCreate", lib.mupCreate)("mupRelease", lib.mupRelease)("mupSetExpr",
                                                                       lib.mupSetExpr);
        bind("mupSetVarFactory", lib.mupSetVarFactory)("mupDefineVar", lib.mupDefineVar);
        bind("mupGetExprVarNum", lib.mupGetExprVarNum)("mupGetExprVar", lib.mupGetExprVar);
        bind("mupEval", lib.mupEval)("mupError", lib.mupError);
        bind("mupGetErrorMsg", lib.mupGetErrorMsg)("mupGetErrorPos", lib.mupGetErrorPos);
      });
}

// A muparser parser of doubles, released with it. The C API keeps a call's error in the parser:
// Error() says whether the calls since the last Error() failed.
class Parser {
 public:
  static absl::StatusOr<std::unique_ptr<Parser>> Create() {
    ASSIGN_OR_RETURN(const LibMuparser* lib, LoadLibMuparser());
    return std::unique_ptr<Parser>(new Parser(*lib, lib->mupCreate(muBASETYPE_FLOAT)));
  }
  ~Parser() { lib_.mupRelease(handle_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  const LibMuparser& lib() const { return lib_; }
  muParserHandle_t handle() const { return handle_; }
  // "<muparser's message> at position <1-based>", or nullopt when the calls went well.
  std::optional<std::string> Error() const {
    if (!lib_.mupError(handle_)) return std::nullopt;
    return StrCat(lib_.mupGetErrorMsg(handle_), " at position ", lib_.mupGetErrorPos(handle_) + 1);
  }

 private:
  Parser(const LibMuparser& lib, muParserHandle_t handle) : lib_(lib), handle_(handle) {}
  const LibMuparser& lib_;
  muParserHandle_t handle_;
};

// The muparser expression of one feature.
class Expression {
 public:
  // The raw columns an expression reads. Errors carry muparser's message.
  static absl::StatusOr<std::vector<std::string>> Variables(const std::string& text) {
    std::vector<std::unique_ptr<double>> slots;  // Outlives the parser that points into it.
    ASSIGN_OR_RETURN(std::unique_ptr<Parser> parser, Parser::Create());
    const LibMuparser& mu = parser->lib();
    mu.mupSetVarFactory(
        parser->handle(),
        [](const muChar_t*, void* storage) -> muFloat_t* {
          auto* owned = static_cast<std::vector<std::unique_ptr<double>>*>(storage);
          owned->push_back(std::make_unique<double>(0));
          return owned->back().get();
        },
        &slots);
    mu.mupSetExpr(parser->handle(), text.c_str());
    const int count = mu.mupGetExprVarNum(parser->handle());  // Parses the expression.
    if (std::optional<std::string> error = parser->Error()) {
      return absl::InvalidArgumentError(StrCat("cannot parse expression '", text, "': ", *error));
    }
    std::vector<std::string> names;
    for (int v = 0; v < count; ++v) {
      const muChar_t* name = nullptr;
      muFloat_t* slot = nullptr;
      mu.mupGetExprVar(parser->handle(), static_cast<unsigned>(v), &name, &slot);
      names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());  // As muparser's own map of them is.
    return names;
  }

  static absl::StatusOr<Values> Evaluate(const std::string& text,
                                         const std::vector<std::string>& names,
                                         std::span<const Values* const> inputs, size_t rows) {
    Values out = Values::Missing(FLOAT, rows);
    // Parsing costs more than evaluating a small batch (serving sends one example), so each
    // thread keeps its parsed expressions; a parser is not shared between threads.
    struct Parsed {
      std::unique_ptr<Parser> parser;
      std::vector<double> slots;  // The variables' values, where the parser reads them.
    };
    thread_local std::map<std::string, std::unique_ptr<Parsed>> cache;
    std::string key = text;
    for (const std::string& name : names) key += StrCat("\n", name);
    auto it = cache.find(key);
    if (it == cache.end()) {
      if (cache.size() >= 64) cache.clear();
      auto parsed = std::make_unique<Parsed>();
      ASSIGN_OR_RETURN(parsed->parser, Parser::Create());
      const LibMuparser& mu = parsed->parser->lib();
      parsed->slots.assign(names.size(), 0.0);
      for (size_t v = 0; v < names.size(); ++v)
        mu.mupDefineVar(parsed->parser->handle(), names[v].c_str(), &parsed->slots[v]);
      mu.mupSetExpr(parsed->parser->handle(), text.c_str());
      if (std::optional<std::string> error = parsed->parser->Error()) {
        return absl::InvalidArgumentError(StrCat("cannot parse expression '", text, "': ", *error));
      }
      it = cache.emplace(std::move(key), std::move(parsed)).first;
    }
    Parser& parser = *it->second->parser;
    const LibMuparser& mu = parser.lib();
    std::vector<double>& slots = it->second->slots;
    for (size_t i = 0; i < rows; ++i) {
      for (size_t v = 0; v < names.size(); ++v) {
        const Values& input = *inputs[v];
        slots[v] = input.is_missing(i)
                       ? std::numeric_limits<double>::quiet_NaN()
                       : (input.type == INT ? static_cast<double>(input.ints[i]) : input.floats[i]);
      }
      const double result = mu.mupEval(parser.handle());
      if (std::optional<std::string> error = parser.Error()) {
        return absl::InvalidArgumentError(
            StrCat("cannot evaluate expression '", text, "': ", *error));
      }
      out.floats[i] = result;
      out.missing[i] = std::isnan(result) ? 1 : 0;
    }
    return out;
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Transform::Impl {
  TransformGraph graph;
  std::vector<CompiledFeature> features;
  std::map<std::string, ValueType> raw_types;
  std::vector<RawFeature> raw_features;
  std::map<std::string, VocabularyLookup> vocabularies;  // By file name.

  // Checks the spec and resolves names. `graph.spec()` must be set.
  absl::Status Compile();
  // The raw values of one column of `batch`.
  absl::StatusOr<Values> RawValues(const data::RecordBatch& batch, const RawFeature& raw) const;
  // Raw values read from one batch, each column once, for the features that read it. The last
  // feature to read a column takes its values over rather than copying them.
  struct RawCache {
    std::vector<std::optional<Values>> values;  // By index in raw_features.
    std::vector<int> readers_left;
  };
  // For running the features `will_run` (indices into `features`) over one batch.
  RawCache NewRawCache(std::span<const size_t> will_run) const;
  // Runs feature `f`'s source and its ops before op index `end`.
  absl::StatusOr<Values> Run(size_t f, const data::RecordBatch& batch, RawCache& raw_cache,
                             size_t end) const;
  absl::Status ApplyOp(const CompiledFeature& feature, const CompiledOp& op, Values& values) const;
  // Sets each analysis's output type, size and cardinality (from a run over no examples).
  absl::Status DescribeOutputs();
  // The analyzer ops of each feature in phase `phase`: (feature, op index).
  std::vector<std::pair<size_t, size_t>> PhaseOps(int phase) const;
};

namespace {

absl::Status OpError(const FeatureSpec& feature, const Op& op, std::string_view message) {
  return absl::InvalidArgumentError(
      StrCat("transform feature '", feature.name(), "', op ", OpName(op), ": ", message));
}

}  // namespace

namespace {

// Checks an entry for many columns (each, each_matching), which needs no schema; returns its
// each_matching pattern, compiled, when it has one.
absl::StatusOr<std::optional<std::regex>> CheckTemplate(const FeatureSpec& feature) {
  const std::string where = StrCat("transform feature template '", feature.name(), "'");
  if (feature.name().find("{}") == std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat(where,
               ": with each or each_matching the name must hold {} for the column's name, e.g. "
               "\"{}_xf\""));
  }
  if (!feature.input().empty() || !feature.inputs().empty() || !feature.expression().empty()) {
    return absl::InvalidArgumentError(
        StrCat(where, ": each and each_matching replace input, inputs and expression"));
  }
  if (!feature.each().empty() && !feature.each_matching().empty()) {
    return absl::InvalidArgumentError(StrCat(where, ": give each or each_matching, not both"));
  }
  if (feature.each_matching().empty()) return std::nullopt;
  try {
    return std::regex(feature.each_matching(), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(StrCat(where, ": each_matching '", feature.each_matching(),
                                             "' is not a regular expression: ", e.what()));
  }
}

// Checks a feature for one column (a template expanded, or written so), as far as it can be
// without the schema: a name, one source, an expression that parses.
absl::Status CheckSingleFeature(const FeatureSpec& feature) {
  if (feature.name().empty()) return absl::InvalidArgumentError("a transform feature needs a name");
  const std::string where = StrCat("transform feature '", feature.name(), "'");
  if (!feature.except().empty()) {
    return absl::InvalidArgumentError(
        StrCat(where, ": except applies only with each or each_matching"));
  }
  const int sources =
      !feature.input().empty() + !feature.inputs().empty() + !feature.expression().empty();
  if (sources != 1) {
    return absl::InvalidArgumentError(
        StrCat(where, " needs exactly one of input, inputs (for cross) or expression"));
  }
  if (!feature.expression().empty()) {
    absl::Status parsed = Expression::Variables(feature.expression()).status();
    if (!parsed.ok()) return absl::InvalidArgumentError(StrCat(where, ": ", parsed.message()));
  }
  return absl::OkStatus();
}

bool IsTemplate(const FeatureSpec& feature) {
  return !feature.each().empty() || !feature.each_matching().empty();
}

// The spec with every entry for many columns (each, each_matching) replaced by one feature per
// column. Errors name the entry.
absl::StatusOr<TransformSpec> ExpandColumnTemplates(
    const TransformSpec& spec, const std::map<std::string, ValueType>& raw_types) {
  TransformSpec expanded = spec;
  expanded.clear_features();
  for (const FeatureSpec& feature : spec.features()) {
    if (!IsTemplate(feature)) {
      RETURN_IF_ERROR(CheckSingleFeature(feature));
      *expanded.add_features() = feature;
      continue;
    }
    const std::string where = StrCat("transform feature template '", feature.name(), "'");
    const size_t slot = feature.name().find("{}");
    ASSIGN_OR_RETURN(std::optional<std::regex> pattern, CheckTemplate(feature));
    std::vector<std::string> columns(feature.each().begin(), feature.each().end());
    if (pattern.has_value()) {
      for (const auto& [name, type] : raw_types) {
        if (std::regex_match(name, *pattern)) columns.push_back(name);
      }
    }
    const std::set<std::string> left_out(feature.except().begin(), feature.except().end());
    std::erase_if(columns, [&](const std::string& column) { return left_out.contains(column); });
    if (columns.empty()) {
      return absl::InvalidArgumentError(StrCat(where, ": each_matching '", feature.each_matching(),
                                               "' matches no raw feature of the schema",
                                               left_out.empty() ? "" : " but those in except"));
    }
    for (const std::string& column : columns) {
      FeatureSpec* one = expanded.add_features();
      *one = feature;
      one->clear_each();
      one->clear_each_matching();
      one->clear_except();
      one->set_name(feature.name().substr(0, slot) + column + feature.name().substr(slot + 2));
      one->set_input(column);
    }
  }
  return expanded;
}

}  // namespace

absl::Status CheckSpecWithoutSchema(const TransformSpec& spec) {
  if (spec.features().empty())
    return absl::InvalidArgumentError("the transform spec has no features");
  std::set<std::string> names;
  for (const FeatureSpec& feature : spec.features()) {
    if (IsTemplate(feature)) {
      RETURN_IF_ERROR(CheckTemplate(feature).status());
      continue;
    }
    RETURN_IF_ERROR(CheckSingleFeature(feature));
    if (!names.insert(feature.name()).second) {
      return absl::InvalidArgumentError(
          StrCat("transform feature '", feature.name(), "' is defined twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status Transform::Impl::Compile() {
  const TransformSpec& spec = graph.spec();
  for (const std::string& plugin : spec.plugins()) RETURN_IF_ERROR(LoadCustomOpPlugin(plugin));
  if (spec.features().empty())
    return absl::InvalidArgumentError("the transform spec has no features");
  std::set<std::string> names;
  std::set<std::string> used_raw;
  std::set<std::string> vocabulary_files;
  features.clear();
  for (const FeatureSpec& feature : spec.features()) {
    const std::string where = StrCat("transform feature '", feature.name(), "'");
    RETURN_IF_ERROR(CheckSingleFeature(feature));
    if (!names.insert(feature.name()).second)
      return absl::InvalidArgumentError(StrCat(where, " is defined twice"));
    CompiledFeature compiled;
    compiled.spec = &feature;
    ValueType type = VALUE_TYPE_UNSPECIFIED;
    int64_t cardinality = 0;
    if (!feature.expression().empty()) {
      absl::StatusOr<std::vector<std::string>> variables =
          Expression::Variables(feature.expression());
      if (!variables.ok())
        return absl::InvalidArgumentError(StrCat(where, ": ", variables.status().message()));
      compiled.sources = *variables;
      for (const std::string& name : compiled.sources) {
        auto it = raw_types.find(name);
        if (it == raw_types.end() || it->second == STRING) {
          return absl::InvalidArgumentError(StrCat(
              where, ": the expression uses '", name, "', which is not a numeric raw feature",
              it == raw_types.end() ? " (no such feature in the schema)" : " (it is a string)"));
        }
      }
      type = feature.expression_type() == INT ? INT : FLOAT;
    } else {
      if (!feature.input().empty()) {
        compiled.sources = {feature.input()};
      } else {
        compiled.sources.assign(feature.inputs().begin(), feature.inputs().end());
        const OpKernel* first =
            feature.ops().empty() ? nullptr : FindOpKernel(feature.ops(0).op_case());
        if (first == nullptr || !first->combines_sources()) {
          return absl::InvalidArgumentError(
              StrCat(where, ": several inputs are combined only by a first op 'cross'"));
        }
      }
      for (const std::string& name : compiled.sources) {
        auto it = raw_types.find(name);
        if (it == raw_types.end()) {
          std::string known;
          for (const auto& [raw, t] : raw_types) known += StrCat(known.empty() ? "" : ", ", raw);
          return absl::InvalidArgumentError(
              StrCat(where, ": no raw feature '", name, "' in the schema (it has: ", known, ")"));
        }
        type = it->second;
      }
    }
    used_raw.insert(compiled.sources.begin(), compiled.sources.end());

    // Walk the ops, tracking the type, to report mistakes before any data is read. After a
    // custom op the type is known only at run time, where ApplyOp checks it.
    CompileState state{.feature = feature,
                       .type = type,
                       .cardinality = cardinality,
                       .vocabulary_files = vocabulary_files};
    if (const OpKernel* first =
            feature.ops().empty() ? nullptr : FindOpKernel(feature.ops(0).op_case());
        first != nullptr && first->combines_sources() && feature.inputs().empty()) {
      return absl::InvalidArgumentError(
          StrCat(where, ": ", OpName(feature.ops(0)), " combines the columns of 'inputs'"));
    }
    for (int i = 0; i < feature.ops_size(); ++i) {
      const Op& op = feature.ops(i);
      CompiledOp step;
      step.op = &op;
      step.kernel = FindOpKernel(op.op_case());
      auto error = [&](std::string_view message) { return OpError(feature, op, message); };
      if (step.kernel == nullptr) return error("names no op");
      if (state.last) return error("follows a one_hot, which must be the last op");
      if (step.kernel->combines_sources() && i != 0) return error("must be the first op");
      if (state.known_type && !Accepts(step.kernel->takes(), state.type)) {
        return error(StrCat("takes ", TakesName(step.kernel->takes()), ", but the values are ",
                            TypeName(state.type), "s"));
      }
      if (absl::Status compiled_op = step.kernel->Compile(op, state, step); !compiled_op.ok())
        return error(std::string(compiled_op.message()));
      if (step.kernel->analyzer()) step.analyzer = compiled.num_analyzers++;
      compiled.ops.push_back(std::move(step));
    }
    features.push_back(std::move(compiled));
  }
  raw_features.clear();
  for (const std::string& name : used_raw) {
    RawFeature raw;
    raw.set_name(name);
    raw.set_type(raw_types.at(name));
    raw_features.push_back(raw);
  }
  for (CompiledFeature& feature : features) {
    for (const std::string& name : feature.sources) {
      feature.source_ids.push_back(
          static_cast<size_t>(std::distance(used_raw.begin(), used_raw.find(name))));
    }
  }
  return absl::OkStatus();
}

Transform::Impl::RawCache Transform::Impl::NewRawCache(std::span<const size_t> will_run) const {
  RawCache cache;
  cache.values.resize(raw_features.size());
  cache.readers_left.resize(raw_features.size());
  for (size_t f : will_run) {
    for (size_t id : features[f].source_ids) ++cache.readers_left[id];
  }
  return cache;
}

absl::StatusOr<Values> Transform::Impl::RawValues(const data::RecordBatch& batch,
                                                  const RawFeature& raw) const {
  const std::string& name = raw.name();
  const ValueType type = raw.type();
  const size_t rows = batch.num_rows();
  const data::Column* column = batch.FindColumn(name);
  if (column == nullptr || column->type() == data::DataType::kNull)
    return Values::Missing(type, rows);
  Values values = Values::Missing(type, rows);
  // Numbers cross between int and float where nothing is lost: an int read as a float, and a
  // whole float (a CSV span that wrote 480.0 where another wrote 480) read as an int.
  const bool int_as_float = type == FLOAT && column->type() == data::DataType::kInt64;
  const bool float_as_int = type == INT && column->type() == data::DataType::kFloat;
  const data::DataType expected = type == INT     ? data::DataType::kInt64
                                  : type == FLOAT ? data::DataType::kFloat
                                                  : data::DataType::kBytes;
  if (column->type() != expected && !int_as_float && !float_as_int) {
    return absl::InvalidArgumentError(
        StrCat("raw feature '", name, "' holds ", data::DataTypeName(column->type()),
               " values, but the transform reads it as ", TypeName(type)));
  }
  for (size_t row = 0; row < rows; ++row) {
    const uint32_t count = column->value_count(row);
    if (count == 0) continue;  // Missing, or a present empty list: no value.
    if (count > 1) {
      return absl::InvalidArgumentError(StrCat("raw feature '", name, "' has ", count,
                                               " values in example ", row,
                                               "; Transform ops take one value per example"));
    }
    const uint32_t index = column->value_begin(row);
    values.missing[row] = 0;
    switch (column->type()) {
      case data::DataType::kInt64:
        if (int_as_float) {
          values.floats[row] = static_cast<double>(column->int64_values()[index]);
        } else {
          values.ints[row] = column->int64_values()[index];
        }
        break;
      case data::DataType::kFloat:
        if (float_as_int) {
          const double value = column->float_values()[index];
          // 2^63 is exactly representable; every whole float below it fits an int64.
          if (!(value == std::trunc(value) && std::fabs(value) < 9223372036854775808.0)) {
            return absl::InvalidArgumentError(
                StrCat("raw feature '", name, "' holds ", value, " in example ", row,
                       ", but the transform reads it as int: only whole numbers can be"));
          }
          values.ints[row] = static_cast<int64_t>(value);
        } else {
          values.floats[row] = column->float_values()[index];
        }
        break;
      case data::DataType::kBytes:
        values.strings[row] = column->bytes_value(index);
        break;
      case data::DataType::kNull:
        break;
    }
  }
  return values;
}

absl::Status Transform::Impl::ApplyOp(const CompiledFeature& feature, const CompiledOp& step,
                                      Values& values) const {
  // Compile checked the types unless a custom op came first: check them here too.
  if (!Accepts(step.kernel->takes(), values.type)) {
    return OpError(*feature.spec, *step.op,
                   StrCat("takes ", TakesName(step.kernel->takes()), ", but the values are ",
                          TypeName(values.type), "s"));
  }
  const ApplyInputs inputs{
      .result = step.analyzer >= 0 ? &graph.analyses(static_cast<int>(&feature - features.data()))
                                          .analyzers(step.analyzer)
                                   : nullptr,
      .vocabularies = vocabularies};
  if (absl::Status applied = step.kernel->Apply(step, inputs, values); !applied.ok())
    return OpError(*feature.spec, *step.op, std::string(applied.message()));
  return absl::OkStatus();
}

absl::StatusOr<Values> Transform::Impl::Run(size_t f, const data::RecordBatch& batch,
                                            RawCache& raw_cache, size_t end) const {
  const CompiledFeature& feature = features[f];
  const FeatureSpec& spec = *feature.spec;
  absl::InlinedVector<const Values*, 4> sources;
  for (size_t id : feature.source_ids) {
    std::optional<Values>& cached = raw_cache.values[id];
    if (!cached) {
      ASSIGN_OR_RETURN(Values values, RawValues(batch, raw_features[id]));
      cached = std::move(values);
    }
    sources.push_back(&*cached);
  }
  // Once this feature is done with a column, does any other read it?
  absl::InlinedVector<bool, 4> last_reader;
  for (size_t id : feature.source_ids) last_reader.push_back(--raw_cache.readers_left[id] == 0);
  const size_t rows = batch.num_rows();
  Values values;
  if (!spec.expression().empty()) {
    absl::StatusOr<Values> evaluated =
        Expression::Evaluate(spec.expression(), feature.sources, sources, rows);
    if (!evaluated.ok())
      return absl::InvalidArgumentError(
          StrCat("transform feature '", spec.name(), "': ", evaluated.status().message()));
    values = *std::move(evaluated);
    if (spec.expression_type() == INT) {
      values.ints.resize(rows);
      for (size_t i = 0; i < rows; ++i) {
        // NaN is already missing; an infinity or a value out of int64's range becomes missing too.
        const double x = values.floats[i];
        if (!(x > -9.2e18 && x < 9.2e18)) {
          values.missing[i] = 1;
          continue;
        }
        values.ints[i] = static_cast<int64_t>(x);
      }
      values.floats.clear();
      values.type = INT;
    }
  } else if (!feature.ops.empty() && feature.ops.front().kernel->combines_sources()) {
    values = feature.ops.front().kernel->Combine(*feature.ops.front().op, sources, rows);
  } else if (last_reader.front()) {
    values = std::move(*raw_cache.values[feature.source_ids.front()]);
  } else {
    values = *sources.front();
  }
  for (size_t i = 0; i < end && i < feature.ops.size(); ++i)
    RETURN_IF_ERROR(ApplyOp(feature, feature.ops[i], values));
  return values;
}

std::vector<std::pair<size_t, size_t>> Transform::Impl::PhaseOps(int phase) const {
  std::vector<std::pair<size_t, size_t>> ops;
  for (size_t f = 0; f < features.size(); ++f) {
    for (size_t i = 0; i < features[f].ops.size(); ++i) {
      if (features[f].ops[i].analyzer == phase) ops.emplace_back(f, i);
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Analyzers.

struct AnalyzerState::Accumulators {
  int64_t rows = 0;
  std::vector<OpAccumulator> ops;  // Parallel to the phase's PhaseOps.
};

AnalyzerState::AnalyzerState() : accumulators_(std::make_unique<Accumulators>()) {}
AnalyzerState::AnalyzerState(AnalyzerState&&) noexcept = default;
AnalyzerState& AnalyzerState::operator=(AnalyzerState&&) noexcept = default;
AnalyzerState::~AnalyzerState() = default;

absl::Status AnalyzerState::Merge(AnalyzerState&& other) {
  Accumulators& mine = *accumulators_;
  Accumulators& theirs = *other.accumulators_;
  mine.rows += theirs.rows;
  if (mine.ops.empty()) {
    mine.ops = std::move(theirs.ops);
    return absl::OkStatus();
  }
  if (mine.ops.size() != theirs.ops.size())
    return absl::InternalError("merging analyzer states of different phases");
  for (size_t i = 0; i < theirs.ops.size(); ++i) mine.ops[i].Merge(std::move(theirs.ops[i]));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------

Transform::Transform(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transform::Transform(Transform&&) noexcept = default;
Transform& Transform::operator=(Transform&&) noexcept = default;
Transform::~Transform() = default;

const TransformGraph& Transform::graph() const { return impl_->graph; }
const std::vector<RawFeature>& Transform::raw_features() const { return impl_->raw_features; }
std::vector<RawFeature> Transform::RawFeaturesOf(const std::set<std::string>& outputs) const {
  std::vector<bool> read(impl_->raw_features.size(), false);
  for (const CompiledFeature& feature : impl_->features) {
    if (!outputs.contains(feature.spec->name())) continue;
    for (size_t id : feature.source_ids) read[id] = true;
  }
  std::vector<RawFeature> out;
  for (size_t id = 0; id < read.size(); ++id) {
    if (read[id]) out.push_back(impl_->raw_features[id]);
  }
  return out;
}

const std::vector<std::string>& Transform::vocabulary(const std::string& filename) const {
  return impl_->vocabularies.at(filename).tokens;
}

absl::StatusOr<Transform> Transform::Analyze(const TransformSpec& spec,
                                             const std::map<std::string, ValueType>& raw_types,
                                             const DataPass& pass) {
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(*impl->graph.mutable_spec(), ExpandColumnTemplates(spec, raw_types));
  impl->graph.set_format_version(kTransformGraphFormatVersion);
  impl->raw_types = raw_types;
  RETURN_IF_ERROR(impl->Compile());
  for (size_t f = 0; f < impl->features.size(); ++f) impl->graph.add_analyses();
  for (const RawFeature& raw : impl->raw_features) *impl->graph.add_raw_features() = raw;
  for (const auto& [name, type] : raw_types) {
    RawFeature* feature = impl->graph.add_schema_features();
    feature->set_name(name);
    feature->set_type(type);
  }

  int phases = 0;
  for (const CompiledFeature& feature : impl->features)
    phases = std::max(phases, feature.num_analyzers);
  int64_t analyzed_rows = 0;
  for (int phase = 0; phase < std::max(phases, 1); ++phase) {
    const std::vector<std::pair<size_t, size_t>> ops = impl->PhaseOps(phase);
    if (phases > 0 && ops.empty()) continue;
    const Impl& compiled = *impl;
    AnalyzerState total;
    RETURN_IF_ERROR(pass(
        [&](const data::RecordBatch& batch) -> absl::StatusOr<AnalyzerState> {
          AnalyzerState state;
          state.accumulators_->rows = static_cast<int64_t>(batch.num_rows());
          state.accumulators_->ops.resize(ops.size());
          std::vector<size_t> will_run;
          for (const auto& [f, op_index] : ops) will_run.push_back(f);
          Impl::RawCache raw_cache = compiled.NewRawCache(will_run);
          for (size_t k = 0; k < ops.size(); ++k) {
            const auto [f, op_index] = ops[k];
            const CompiledOp& step = compiled.features[f].ops[op_index];
            ASSIGN_OR_RETURN(Values values, compiled.Run(f, batch, raw_cache, op_index));
            step.kernel->Accumulate(values, state.accumulators_->ops[k]);
          }
          return state;
        },
        [&](AnalyzerState&& part) { return total.Merge(std::move(part)); }));
    analyzed_rows = std::max(analyzed_rows, total.accumulators_->rows);
    for (size_t k = 0; k < ops.size(); ++k) {
      const auto [f, op_index] = ops[k];
      const CompiledFeature& feature = impl->features[f];
      const CompiledOp& step = feature.ops[op_index];
      std::vector<std::string> tokens;
      OpAccumulator empty;
      OpAccumulator& acc =
          k < total.accumulators_->ops.size() ? total.accumulators_->ops[k] : empty;
      const AnalyzerResult result = step.kernel->Finish(*feature.spec, *step.op, acc, &tokens);
      *impl->graph.mutable_analyses(static_cast<int>(f))->add_analyzers() = result;
      if (result.has_vocabulary()) {
        VocabularyLookup& lookup = impl->vocabularies[result.vocabulary().filename()];
        lookup.tokens = std::move(tokens);
        for (size_t i = 0; i < lookup.tokens.size(); ++i)
          lookup.index.emplace(lookup.tokens[i], static_cast<int64_t>(i));
      }
    }
  }
  impl->graph.set_analyzed_examples(analyzed_rows);
  RETURN_IF_ERROR(impl->DescribeOutputs());
  return Transform(std::move(impl));
}

absl::StatusOr<data::RecordBatch> Transform::Apply(const data::RecordBatch& raw,
                                                   const std::set<std::string>* only) const {
  const Impl& impl = *impl_;
  data::RecordBatch out;
  absl::InlinedVector<size_t, 32> will_run;
  for (size_t f = 0; f < impl.features.size(); ++f) {
    if (only == nullptr || only->contains(impl.features[f].spec->name())) will_run.push_back(f);
  }
  Impl::RawCache raw_cache = impl.NewRawCache(will_run);
  const size_t rows = raw.num_rows();
  for (size_t f : will_run) {
    const FeatureSpec& spec = *impl.features[f].spec;
    ASSIGN_OR_RETURN(Values values, impl.Run(f, raw, raw_cache, impl.features[f].ops.size()));
    if (values.one_hot_depth > 0) {
      data::Column& column = out.AddColumn(spec.name(), data::DataType::kFloat);
      column.Reserve(rows, rows * static_cast<size_t>(values.one_hot_depth));
      for (size_t i = 0; i < rows; ++i) {
        const int64_t hot = values.is_missing(i) ? -1 : values.ints[i];
        for (int64_t d = 0; d < values.one_hot_depth; ++d) column.AddFloat(d == hot ? 1.f : 0.f);
        column.FinishRow(data::Presence::kPresent);
      }
      continue;
    }
    const data::DataType type = values.type == INT     ? data::DataType::kInt64
                                : values.type == FLOAT ? data::DataType::kFloat
                                                       : data::DataType::kBytes;
    data::Column& column = out.AddColumn(spec.name(), type);
    column.Reserve(rows, rows);
    for (size_t i = 0; i < rows; ++i) {
      if (values.is_missing(i)) {
        column.AppendMissing();
        continue;
      }
      if (values.type == INT) column.AddInt64(values.ints[i]);
      if (values.type == FLOAT) column.AddFloat(static_cast<float>(values.floats[i]));
      if (values.type == STRING) column.AddBytes(values.strings[i]);
      column.FinishRow(data::Presence::kPresent);
    }
  }
  return out;
}

absl::Status Transform::Impl::DescribeOutputs() {
  const data::RecordBatch empty;
  std::vector<size_t> all(features.size());
  std::iota(all.begin(), all.end(), 0);
  RawCache raw_cache = NewRawCache(all);
  for (size_t f = 0; f < features.size(); ++f) {
    ASSIGN_OR_RETURN(Values values, Run(f, empty, raw_cache, features[f].ops.size()));
    FeatureAnalysis* analysis = graph.mutable_analyses(static_cast<int>(f));
    const bool one_hot = values.one_hot_depth > 0;
    analysis->set_output_type(one_hot ? FLOAT : values.type);
    analysis->set_size(one_hot ? values.one_hot_depth : 1);
    analysis->set_cardinality(!one_hot && values.type == INT ? values.cardinality : 0);
    analysis->set_min_value(analysis->cardinality() > 0 ? values.min_value : 0);
  }
  return absl::OkStatus();
}

absl::StatusOr<Transform> Transform::FromGraph(
    TransformGraph graph, std::map<std::string, std::vector<std::string>> vocabularies) {
  if (graph.format_version() > kTransformGraphFormatVersion) {
    return absl::FailedPreconditionError(StrCat("the transform graph has format version ",
                                                graph.format_version(), "; this weir reads up to ",
                                                kTransformGraphFormatVersion, ": upgrade weir"));
  }
  auto impl = std::make_unique<Impl>();
  impl->graph = std::move(graph);
  for (const RawFeature& raw : impl->graph.raw_features()) impl->raw_types[raw.name()] = raw.type();
  RETURN_IF_ERROR(impl->Compile());
  if (impl->graph.analyses_size() != static_cast<int>(impl->features.size()))
    return absl::InvalidArgumentError("the transform graph has an analysis per feature missing");
  for (size_t f = 0; f < impl->features.size(); ++f) {
    const CompiledFeature& feature = impl->features[f];
    const FeatureAnalysis& analysis = impl->graph.analyses(static_cast<int>(f));
    if (analysis.analyzers_size() != feature.num_analyzers) {
      return absl::InvalidArgumentError(
          StrCat("transform feature '", feature.spec->name(), "' has ", analysis.analyzers_size(),
                 " analyzer results for ", feature.num_analyzers, " analyzer ops"));
    }
    for (const AnalyzerResult& result : analysis.analyzers()) {
      if (!result.has_vocabulary()) continue;
      const std::string& file = result.vocabulary().filename();
      auto it = vocabularies.find(file);
      if (it == vocabularies.end())
        return absl::NotFoundError(StrCat("the vocabulary '", file, "' is missing"));
      if (static_cast<int64_t>(it->second.size()) != result.vocabulary().size()) {
        return absl::InvalidArgumentError(StrCat("the vocabulary '", file, "' has ",
                                                 it->second.size(), " tokens; the graph says ",
                                                 result.vocabulary().size()));
      }
      VocabularyLookup& lookup = impl->vocabularies[file];
      lookup.tokens = std::move(it->second);
      for (size_t i = 0; i < lookup.tokens.size(); ++i)
        lookup.index.emplace(lookup.tokens[i], static_cast<int64_t>(i));
    }
  }
  RETURN_IF_ERROR(impl->DescribeOutputs());
  return Transform(std::move(impl));
}

absl::StatusOr<Transform> Transform::Load(const fs::path& dir) {
  TransformGraph graph;
  RETURN_IF_ERROR(base::ReadTextProto(dir / kTransformGraphFileName, &graph));
  std::map<std::string, std::vector<std::string>> vocabularies;
  for (const FeatureAnalysis& analysis : graph.analyses()) {
    for (const AnalyzerResult& result : analysis.analyzers()) {
      if (!result.has_vocabulary()) continue;
      const fs::path file = dir / kAssetsDir / result.vocabulary().filename();
      ASSIGN_OR_RETURN(std::string text, base::ReadFile(file));
      std::vector<std::string>& tokens = vocabularies[result.vocabulary().filename()];
      size_t begin = 0;
      while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        tokens.push_back(text.substr(begin, end - begin));
        begin = end + 1;
      }
    }
  }
  absl::StatusOr<Transform> transform = FromGraph(std::move(graph), std::move(vocabularies));
  if (!transform.ok()) {
    return absl::Status(transform.status().code(),
                        StrCat(dir.string(), ": ", transform.status().message()));
  }
  return transform;
}

absl::Status Transform::Save(const fs::path& dir) const {
  RETURN_IF_ERROR(base::WriteTextProto(dir / kTransformGraphFileName, impl_->graph));
  std::error_code ec;
  fs::create_directories(dir / kAssetsDir, ec);
  if (ec)
    return absl::InternalError(
        StrCat("cannot create ", (dir / kAssetsDir).string(), ": ", ec.message()));
  for (const auto& [filename, lookup] : impl_->vocabularies) {
    std::string text;
    for (const std::string& token : lookup.tokens) {
      text += token;  // One per line; analysis left out tokens with line breaks.
      text += '\n';
    }
    ASSIGN_OR_RETURN(base::OutputFile file, base::OutputFile::Create(dir / kAssetsDir / filename));
    RETURN_IF_ERROR(file.Append(text));
    RETURN_IF_ERROR(file.Close());
  }
  fs::create_directories(dir / kTransformedMetadataDir, ec);
  if (ec) {
    return absl::InternalError(
        StrCat("cannot create ", (dir / kTransformedMetadataDir).string(), ": ", ec.message()));
  }
  return schema::WriteSchemaFile(dir / kTransformedMetadataDir / "schema.pbtxt",
                                 TransformedSchema());
}

tfmd::Schema Transform::TransformedSchema() const {
  tfmd::Schema schema;
  for (int f = 0; f < impl_->graph.analyses_size(); ++f) {
    const FeatureAnalysis& analysis = impl_->graph.analyses(f);
    tfmd::Feature* feature = schema.add_feature();
    feature->set_name(impl_->graph.spec().features(f).name());
    feature->set_type(analysis.output_type() == INT     ? tfmd::INT
                      : analysis.output_type() == FLOAT ? tfmd::FLOAT
                                                        : tfmd::BYTES);
    if (analysis.size() > 1) {
      feature->mutable_shape()->add_dim()->set_size(analysis.size());  // one_hot: always there.
    } else {
      // One value when present; a missing input stays missing unless fill_missing fills it.
      feature->mutable_value_count()->set_min(1);
      feature->mutable_value_count()->set_max(1);
    }
    if (analysis.cardinality() > 0) {
      tfmd::IntDomain* domain = feature->mutable_int_domain();
      domain->set_min(analysis.min_value());
      domain->set_max(analysis.cardinality() - 1);
      domain->set_is_categorical(true);
    }
  }
  return schema;
}

absl::StatusOr<std::map<std::string, ValueType>> RawTypesFromSchema(const tfmd::Schema& schema) {
  std::map<std::string, ValueType> types;
  for (const tfmd::Feature& feature : schema.feature()) {
    switch (feature.type()) {
      case tfmd::INT:
        types[feature.name()] = INT;
        break;
      case tfmd::FLOAT:
        types[feature.name()] = FLOAT;
        break;
      case tfmd::BYTES:
        types[feature.name()] = STRING;
        break;
      default:
        break;  // A feature of unknown type (never present) cannot be transformed.
    }
  }
  return types;
}

}  // namespace weir::transform
