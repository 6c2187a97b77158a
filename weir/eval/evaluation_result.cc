#include "weir/eval/evaluation_result.h"

#include <cmath>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::eval {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

Json MetricsToJson(const Metrics& metrics) {
  Json out = Json::object();
  for (const auto& [name, value] : metrics) out[name] = value;
  return out;
}

Json FailureToJson(const ThresholdFailure& failure) {
  return {{"slice", failure.slice}, {"metric", failure.metric},
          {"check", failure.check}, {"threshold", failure.threshold},
          {"value", failure.value}, {"message", failure.message}};
}

namespace {

// Reads the fields of one evaluation.json; errors name the source and the field, as in
// "slices[2].metrics".
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  absl::Status Error(std::string_view field, std::string_view problem) const {
    return absl::InvalidArgumentError(
        StrCat(source_, ": ", field, " ", problem,
               "; is it the evaluation.json of a ModelEvaluation artifact?"));
  }

  // `object[key]`, which must have the type `is` checks; nullptr when it is null and `nullable`.
  absl::StatusOr<const Json*> Field(const Json& object, std::string_view where, const char* key,
                                    bool (Json::*is)() const noexcept, std::string_view what,
                                    bool nullable = false) const {
    const std::string field = where.empty() ? std::string(key) : StrCat(where, ".", key);
    auto it = object.find(key);
    if (it == object.end()) return Error(field, "is missing");
    if (nullable && it->is_null()) return nullptr;
    if (!((*it).*is)()) return Error(field, StrCat("is not ", what));
    return &*it;
  }
  absl::StatusOr<std::string> String(const Json& object, std::string_view where,
                                     const char* key) const {
    ASSIGN_OR_RETURN(const Json* value, Field(object, where, key, &Json::is_string, "a string"));
    return value->get<std::string>();
  }
  absl::StatusOr<bool> Bool(const Json& object, std::string_view where, const char* key) const {
    ASSIGN_OR_RETURN(const Json* value,
                     Field(object, where, key, &Json::is_boolean, "true or false"));
    return value->get<bool>();
  }
  // A number; null (how NaN is written) reads as NaN.
  absl::StatusOr<double> Number(const Json& object, std::string_view where, const char* key) const {
    ASSIGN_OR_RETURN(const Json* value,
                     Field(object, where, key, &Json::is_number, "a number", /*nullable=*/true));
    return value ? value->get<double>() : std::nan("");
  }
  absl::StatusOr<Metrics> MetricsOf(const Json& object, std::string_view where,
                                    const char* key) const {
    ASSIGN_OR_RETURN(const Json* metrics,
                     Field(object, where, key, &Json::is_object, "an object of metrics"));
    Metrics out;
    for (const auto& [name, value] : metrics->items()) {
      if (!value.is_number() && !value.is_null())
        return Error(StrCat(where, ".", key, ".", name), "is not a number");
      out.emplace_back(name, value.is_null() ? std::nan("") : value.get<double>());
    }
    return out;
  }
  // Each element of the array `object[key]` read by `read` (an object, and where it is).
  template <typename T, typename Read>
  absl::StatusOr<std::vector<T>> Array(const Json& object, std::string_view where, const char* key,
                                       Read read) const {
    ASSIGN_OR_RETURN(const Json* array, Field(object, where, key, &Json::is_array, "an array"));
    std::vector<T> out;
    for (size_t i = 0; i < array->size(); ++i) {
      const std::string at = StrCat(where.empty() ? "" : StrCat(where, "."), key, "[", i, "]");
      if (!(*array)[i].is_object()) return Error(at, "is not an object");
      ASSIGN_OR_RETURN(T element, read((*array)[i], at));
      out.push_back(std::move(element));
    }
    return out;
  }
  // Each element of the array `object[key]` read by Numbers.
  template <typename T>
  absl::StatusOr<std::vector<T>> NumberRecords(
      const Json& object, std::string_view where, const char* key,
      std::initializer_list<std::pair<const char*, double T::*>> fields) const {
    return Array<T>(object, where, key, [&](const Json& element, const std::string& at) {
      return Numbers<T>(element, at, fields);
    });
  }
  // The listed number fields of an object, into the members of T.
  template <typename T>
  absl::StatusOr<T> Numbers(
      const Json& object, std::string_view where,
      std::initializer_list<std::pair<const char*, double T::*>> fields) const {
    T out;
    for (const auto& [key, member] : fields) {
      ASSIGN_OR_RETURN(out.*member, Number(object, where, key));
    }
    return out;
  }

 private:
  std::string source_;
};

}  // namespace

Json ToJson(const ModelEvaluation& evaluation) {
  Json slices = Json::array();
  for (const SliceEvaluation& slice : evaluation.slices) {
    Json features = Json::object();
    for (const auto& [feature, value] : slice.features) features[feature] = value;
    Json out = {{"slice", slice.name}, {"features", features}};
    out["metrics"] = MetricsToJson(slice.metrics);
    if (slice.confusion_matrices) {
      Json matrices = Json::array();
      for (const ConfusionMatrix& c : *slice.confusion_matrices) {
        matrices.push_back({{"threshold", c.threshold},
                            {"true_positives", c.true_positives},
                            {"false_positives", c.false_positives},
                            {"true_negatives", c.true_negatives},
                            {"false_negatives", c.false_negatives},
                            {"precision", c.precision},
                            {"recall", c.recall}});
      }
      out["confusion_matrices"] = matrices;
    }
    if (slice.plots) {
      Json roc = Json::array(), precision_recall = Json::array(), calibration = Json::array();
      for (const RocPoint& p : slice.plots->roc) {
        roc.push_back({{"threshold", p.threshold},
                       {"false_positive_rate", p.false_positive_rate},
                       {"true_positive_rate", p.true_positive_rate}});
      }
      for (const PrecisionRecallPoint& p : slice.plots->precision_recall) {
        precision_recall.push_back(
            {{"threshold", p.threshold}, {"recall", p.recall}, {"precision", p.precision}});
      }
      for (const CalibrationBucket& b : slice.plots->calibration) {
        calibration.push_back({{"lower", b.lower},
                               {"upper", b.upper},
                               {"example_count", b.example_count},
                               {"mean_prediction", b.mean_prediction},
                               {"mean_label", b.mean_label}});
      }
      out["plots"] = {
          {"roc", roc}, {"precision_recall", precision_recall}, {"calibration", calibration}};
    }
    if (slice.baseline_metrics) out["baseline_metrics"] = MetricsToJson(*slice.baseline_metrics);
    slices.push_back(std::move(out));
  }
  Json failures = Json::array();
  for (const ThresholdFailure& failure : evaluation.failures)
    failures.push_back(FailureToJson(failure));
  return Json{{"format_version", evaluation.format_version},
              {"model", evaluation.model},
              {"baseline_model",
               evaluation.baseline_model.empty() ? Json(nullptr) : Json(evaluation.baseline_model)},
              {"split", evaluation.split},
              {"label_key", evaluation.label_key},
              {"slices", std::move(slices)},
              {"validation",
               {{"blessed", evaluation.blessed},
                {"checks", evaluation.checks},
                {"change_thresholds_skipped", evaluation.change_thresholds_skipped},
                {"failures", std::move(failures)}}}};
}

absl::StatusOr<ModelEvaluation> FromJson(const Json& root, std::string_view source) {
  if (!root.is_object()) {
    return absl::InvalidArgumentError(StrCat(
        source, " is not a JSON object; is it the evaluation.json of a ModelEvaluation artifact?"));
  }
  const Reader reader(source);
  ModelEvaluation evaluation;
  ASSIGN_OR_RETURN(double version, reader.Number(root, "", "format_version"));
  if (!(version >= 1 && version == std::floor(version))) {
    return reader.Error("format_version", StrCat("is ", version, ", not a version number"));
  }
  if (version > kEvaluationFormatVersion) {
    return absl::InvalidArgumentError(
        StrCat(source, " has format_version ", static_cast<int64_t>(version),
               ", newer than this weir reads (", kEvaluationFormatVersion,
               "); read it with the weir that wrote it, or upgrade weir"));
  }
  evaluation.format_version = static_cast<int>(version);
  ASSIGN_OR_RETURN(evaluation.model, reader.String(root, "", "model"));
  ASSIGN_OR_RETURN(const Json* baseline,
                   reader.Field(root, "", "baseline_model", &Json::is_string, "a string or null",
                                /*nullable=*/true));
  if (baseline != nullptr) evaluation.baseline_model = baseline->get<std::string>();
  ASSIGN_OR_RETURN(evaluation.split, reader.String(root, "", "split"));
  ASSIGN_OR_RETURN(evaluation.label_key, reader.String(root, "", "label_key"));

  auto read_slice = [&](const Json& json,
                        const std::string& where) -> absl::StatusOr<SliceEvaluation> {
    SliceEvaluation slice;
    ASSIGN_OR_RETURN(slice.name, reader.String(json, where, "slice"));
    ASSIGN_OR_RETURN(const Json* features,
                     reader.Field(json, where, "features", &Json::is_object, "an object"));
    for (const auto& [feature, value] : features->items()) {
      if (!value.is_string())
        return reader.Error(StrCat(where, ".features.", feature), "is not a string");
      slice.features.emplace_back(feature, value.get<std::string>());
    }
    ASSIGN_OR_RETURN(slice.metrics, reader.MetricsOf(json, where, "metrics"));
    if (json.contains("confusion_matrices")) {
      ASSIGN_OR_RETURN(slice.confusion_matrices,
                       reader.NumberRecords<ConfusionMatrix>(
                           json, where, "confusion_matrices",
                           {{"threshold", &ConfusionMatrix::threshold},
                            {"true_positives", &ConfusionMatrix::true_positives},
                            {"false_positives", &ConfusionMatrix::false_positives},
                            {"true_negatives", &ConfusionMatrix::true_negatives},
                            {"false_negatives", &ConfusionMatrix::false_negatives},
                            {"precision", &ConfusionMatrix::precision},
                            {"recall", &ConfusionMatrix::recall}}));
    }
    if (json.contains("plots")) {
      const std::string at = StrCat(where, ".plots");
      ASSIGN_OR_RETURN(const Json* plots,
                       reader.Field(json, where, "plots", &Json::is_object, "an object"));
      Plots out;
      ASSIGN_OR_RETURN(out.roc, reader.NumberRecords<RocPoint>(
                                    *plots, at, "roc",
                                    {{"threshold", &RocPoint::threshold},
                                     {"false_positive_rate", &RocPoint::false_positive_rate},
                                     {"true_positive_rate", &RocPoint::true_positive_rate}}));
      ASSIGN_OR_RETURN(out.precision_recall,
                       reader.NumberRecords<PrecisionRecallPoint>(
                           *plots, at, "precision_recall",
                           {{"threshold", &PrecisionRecallPoint::threshold},
                            {"recall", &PrecisionRecallPoint::recall},
                            {"precision", &PrecisionRecallPoint::precision}}));
      ASSIGN_OR_RETURN(out.calibration,
                       reader.NumberRecords<CalibrationBucket>(
                           *plots, at, "calibration",
                           {{"lower", &CalibrationBucket::lower},
                            {"upper", &CalibrationBucket::upper},
                            {"example_count", &CalibrationBucket::example_count},
                            {"mean_prediction", &CalibrationBucket::mean_prediction},
                            {"mean_label", &CalibrationBucket::mean_label}}));
      slice.plots = std::move(out);
    }
    if (json.contains("baseline_metrics")) {
      ASSIGN_OR_RETURN(slice.baseline_metrics, reader.MetricsOf(json, where, "baseline_metrics"));
    }
    return slice;
  };
  ASSIGN_OR_RETURN(evaluation.slices,
                   reader.Array<SliceEvaluation>(root, "", "slices", read_slice));

  ASSIGN_OR_RETURN(const Json* validation,
                   reader.Field(root, "", "validation", &Json::is_object, "an object"));
  ASSIGN_OR_RETURN(evaluation.blessed, reader.Bool(*validation, "validation", "blessed"));
  ASSIGN_OR_RETURN(double checks, reader.Number(*validation, "validation", "checks"));
  evaluation.checks = std::isnan(checks) ? 0 : static_cast<int>(checks);
  if (validation->contains("change_thresholds_skipped")) {
    ASSIGN_OR_RETURN(evaluation.change_thresholds_skipped,
                     reader.Bool(*validation, "validation", "change_thresholds_skipped"));
  } else {
    evaluation.change_thresholds_skipped = evaluation.baseline_model.empty();
  }
  ASSIGN_OR_RETURN(
      evaluation.failures,
      reader.Array<ThresholdFailure>(
          *validation, "validation", "failures",
          [&](const Json& json, const std::string& where) -> absl::StatusOr<ThresholdFailure> {
            ThresholdFailure failure;
            ASSIGN_OR_RETURN(failure.slice, reader.String(json, where, "slice"));
            ASSIGN_OR_RETURN(failure.metric, reader.String(json, where, "metric"));
            ASSIGN_OR_RETURN(failure.check, reader.String(json, where, "check"));
            ASSIGN_OR_RETURN(failure.threshold, reader.Number(json, where, "threshold"));
            ASSIGN_OR_RETURN(failure.value, reader.Number(json, where, "value"));
            ASSIGN_OR_RETURN(failure.message, reader.String(json, where, "message"));
            return failure;
          }));
  return evaluation;
}

fs::path EvaluationFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) ? path / kEvaluationFileName : path;
}

absl::Status WriteEvaluation(const fs::path& dir, const ModelEvaluation& evaluation) {
  return base::WriteFileAtomically(dir / kEvaluationFileName, ToJson(evaluation).dump(1) + "\n");
}

absl::StatusOr<ModelEvaluation> ReadEvaluation(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return absl::NotFoundError(StrCat(path.string(), " does not exist"));
  const fs::path file = EvaluationFile(path);
  if (!fs::is_regular_file(file, ec)) {
    return absl::NotFoundError(StrCat(path.string(), " holds no ", kEvaluationFileName,
                                      "; give a ModelEvaluation artifact folder (an Evaluator's "
                                      "evaluation output) or its evaluation.json"));
  }
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(file));
  const Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return absl::InvalidArgumentError(
        StrCat(file.string(),
               " is not a JSON object; is it the evaluation.json of a ModelEvaluation "
               "artifact?"));
  }
  return FromJson(root, file.string());
}

}  // namespace weir::eval
