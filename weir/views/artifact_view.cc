#include "weir/views/artifact_view.h"

#include <optional>
#include <variant>

#include "absl/strings/numbers.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/span_artifacts.h"
#include "weir/views/anomalies.h"
#include "weir/views/evaluation.h"
#include "weir/views/examples.h"
#include "weir/views/model.h"
#include "weir/views/schema.h"
#include "weir/views/statistics.h"
#include "weir/views/transform_graph.h"

namespace weir::views {
namespace {
using Json = nlohmann::ordered_json;

std::string Option(const ViewRequest& request, const std::string& name) {
  auto it = request.options.find(name);
  return it == request.options.end() ? "" : it->second;
}

absl::Status CheckPath(const ViewRequest& request, const std::string& uri) {
  return request.check_path ? request.check_path(uri) : absl::OkStatus();
}

// The statistics to show beside `split`'s, if asked: another split of the same artifact
// (`compare`), or a split of another statistics artifact (`compare_artifact`, its id: say the
// previous span's; the split named `compare`, or else `split`).
absl::StatusOr<std::optional<LabeledStatistics>> ComparedStatistics(const ViewRequest& request,
                                                                    const std::string& split) {
  const std::string compare = Option(request, "compare");
  const std::string other_id = Option(request, "compare_artifact");
  if (compare.empty() && other_id.empty()) return std::nullopt;
  if (split.empty()) {
    return absl::InvalidArgumentError(
        "a comparison needs split, the split to compare: ?split=train&compare=eval");
  }
  std::string uri = request.artifact.uri;
  if (!other_id.empty()) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(other_id, &id)) {
      return absl::InvalidArgumentError(
          StrCat("compare_artifact must be an artifact id, not '", other_id, "'"));
    }
    ASSIGN_OR_RETURN(metadata::Artifact other, request.store.GetArtifact(id));
    if (other.type_name != request.artifact.type_name) {
      return absl::InvalidArgumentError(
          StrCat("artifact ", id, " is ", other.type_name, ", not ", request.artifact.type_name));
    }
    RETURN_IF_ERROR(CheckPath(request, other.uri));
    uri = other.uri;
  }
  ASSIGN_OR_RETURN(std::vector<LabeledStatistics> found,
                   LoadStatistics(uri, compare.empty() ? split : compare));
  return std::move(found.front());
}

// Statistics: every split, one split (`split`), or one beside another (`split` and `compare` or
// `compare_artifact`, as `weir show stats --split A --compare B`). Statistics of a span also list
// the statistics their node made of each span, for the comparison with another span.
absl::StatusOr<Json> StatisticsJson(const ViewRequest& request) {
  const std::string split = Option(request, "split");
  ASSIGN_OR_RETURN(std::optional<LabeledStatistics> compared, ComparedStatistics(request, split));
  if (compared.has_value()) {
    ASSIGN_OR_RETURN(std::vector<LabeledStatistics> left,
                     LoadStatistics(request.artifact.uri, split));
    return Json{{"comparisons", Json::array({{{"left", StatisticsToJson(left.front())},
                                              {"right", StatisticsToJson(*compared)}}})}};
  }
  ASSIGN_OR_RETURN(std::vector<LabeledStatistics> all, LoadStatistics(request.artifact.uri, split));
  Json datasets = Json::array();
  for (const LabeledStatistics& statistics : all) datasets.push_back(StatisticsToJson(statistics));
  Json out = {{"datasets", std::move(datasets)}};
  if (const std::optional<int64_t> span = metadata::SpanOf(request.artifact.custom_properties)) {
    out["span"] = *span;
    ASSIGN_OR_RETURN(std::vector<metadata::SpanArtifact> made,
                     metadata::ArtifactsBySpanOfProducer(request.store, request.artifact.id));
    // The newest of each span: the last of it in the sorted list.
    Json spans = Json::array();
    for (size_t i = 0; i < made.size(); ++i) {
      if (i + 1 < made.size() && made[i + 1].span == made[i].span) continue;
      spans.push_back({{"span", made[i].span}, {"artifact_id", made[i].id}});
    }
    out["spans"] = std::move(spans);
  }
  return out;
}

absl::StatusOr<std::string> StatisticsText(const ViewRequest& request, const TextOptions& options) {
  const std::string split = Option(request, "split");
  ASSIGN_OR_RETURN(std::vector<LabeledStatistics> all, LoadStatistics(request.artifact.uri, split));
  ASSIGN_OR_RETURN(std::optional<LabeledStatistics> compared, ComparedStatistics(request, split));
  if (compared.has_value()) return RenderStatisticsComparison(all.front(), *compared, options);
  std::string out;
  for (const LabeledStatistics& statistics : all)
    out += StrCat(out.empty() ? "" : "\n", RenderStatistics(statistics, options));
  return out;
}

absl::StatusOr<Json> AnomaliesJson(const ViewRequest& request) {
  ASSIGN_OR_RETURN(std::vector<LabeledAnomalies> all, LoadAnomalies(request.artifact.uri, ""));
  Json splits = Json::array();
  for (const LabeledAnomalies& anomalies : all) {
    Json split = AnomaliesToJson(anomalies.anomalies);
    split["name"] = anomalies.label;
    split["file"] = anomalies.file.string();
    splits.push_back(std::move(split));
  }
  return Json{{"splits", std::move(splits)}};
}

absl::StatusOr<std::string> AnomaliesText(const ViewRequest& request, const TextOptions& options) {
  ASSIGN_OR_RETURN(std::vector<LabeledAnomalies> all, LoadAnomalies(request.artifact.uri, ""));
  std::string out;
  for (const LabeledAnomalies& anomalies : all) {
    out += StrCat(out.empty() ? "" : "\n", Title(anomalies.label, options), "\n",
                  RenderAnomalies(anomalies.anomalies, options));
  }
  return out;
}

// The transformed examples that the execution which wrote this transform graph wrote beside it.
absl::StatusOr<std::optional<metadata::Artifact>> TransformedExamplesOf(
    const ViewRequest& request) {
  ASSIGN_OR_RETURN(std::vector<metadata::Event> made,
                   request.store.GetEventsByArtifact(request.artifact.id));
  for (const metadata::Event& event : made) {
    if (event.type != metadata::Event::Type::kOutput) continue;
    ASSIGN_OR_RETURN(std::vector<metadata::Event> outputs,
                     request.store.GetEventsByExecution(event.execution_id));
    for (const metadata::Event& output : outputs) {
      const auto* name =
          output.path.empty() ? nullptr : std::get_if<std::string>(&output.path.front());
      if (output.type == metadata::Event::Type::kOutput && name != nullptr &&
          *name == "transformed_examples") {
        ASSIGN_OR_RETURN(metadata::Artifact examples,
                         request.store.GetArtifact(output.artifact_id));
        return std::optional<metadata::Artifact>(std::move(examples));
      }
    }
    break;
  }
  return std::optional<metadata::Artifact>();
}

absl::StatusOr<Json> TransformGraphJson(const ViewRequest& request) {
  ASSIGN_OR_RETURN(TransformGraphView view, LoadTransformGraph(request.artifact.uri));
  Json data = TransformGraphToJson(view);
  ASSIGN_OR_RETURN(std::optional<metadata::Artifact> examples, TransformedExamplesOf(request));
  if (examples) {
    RETURN_IF_ERROR(CheckPath(request, examples->uri));
    ASSIGN_OR_RETURN(data["sample"], SampleRows(examples->uri, kSampleRows));
  }
  return data;
}

// The views of types whose view needs nothing but the artifact's folder (or its properties).
template <typename View, typename Load, typename ToJson, typename Render>
ArtifactView Simple(std::string type, std::string kind, Load load, ToJson to_json, Render render) {
  return {.type = std::move(type),
          .kind = std::move(kind),
          .to_json = [load, to_json](const ViewRequest& request) -> absl::StatusOr<Json> {
            ASSIGN_OR_RETURN(View view, load(request));
            return to_json(view);
          },
          .render = [load, render](const ViewRequest& request,
                                   const TextOptions& options) -> absl::StatusOr<std::string> {
            ASSIGN_OR_RETURN(View view, load(request));
            return render(view, options);
          }};
}

std::vector<ArtifactView> MakeViews() {
  std::vector<ArtifactView> views;
  views.push_back(Simple<ExamplesView>(
      "Examples", "examples", [](const ViewRequest& r) { return LoadExamples(r.artifact.uri); },
      ExamplesToJson, RenderExamples));
  views.push_back({.type = "ExampleStatistics",
                   .kind = "statistics",
                   .to_json = StatisticsJson,
                   .render = StatisticsText});
  views.push_back(Simple<tfmd::Schema>(
      "Schema", "schema", [](const ViewRequest& r) { return LoadSchema(r.artifact.uri); },
      SchemaToJson, RenderSchema));
  views.push_back({.type = "ExampleAnomalies",
                   .kind = "anomalies",
                   .to_json = AnomaliesJson,
                   .render = AnomaliesText});
  ArtifactView transform = Simple<TransformGraphView>(
      "TransformGraph", "transform",
      [](const ViewRequest& r) { return LoadTransformGraph(r.artifact.uri); }, TransformGraphToJson,
      RenderTransformGraph);
  transform.to_json = TransformGraphJson;  // With a sample of the transformed examples.
  views.push_back(std::move(transform));
  views.push_back(Simple<ModelView>(
      "Model", "model", [](const ViewRequest& r) { return LoadModel(r.artifact.uri); }, ModelToJson,
      RenderModel));
  views.push_back(Simple<std::vector<CurvePoint>>(
      "ModelRun", "training", [](const ViewRequest& r) { return LoadModelRun(r.artifact.uri); },
      ModelRunToJson, RenderModelRun));
  views.push_back(Simple<ModelEvaluation>(
      "ModelEvaluation", "evaluation",
      [](const ViewRequest& r) { return LoadEvaluation(r.artifact.uri); }, EvaluationToJson,
      RenderEvaluation));
  views.push_back(Simple<BlessingView>(
      "ModelBlessing", "blessing",
      [](const ViewRequest& r) -> absl::StatusOr<BlessingView> { return LoadBlessing(r.artifact); },
      BlessingToJson, RenderBlessing));
  views.push_back(Simple<PushedModelView>(
      "PushedModel", "pushed_model",
      [](const ViewRequest& r) -> absl::StatusOr<PushedModelView> {
        return LoadPushedModel(r.artifact);
      },
      PushedModelToJson, RenderPushedModel));
  return views;
}

}  // namespace

const std::vector<ArtifactView>& ArtifactViews() {
  static const std::vector<ArtifactView>* views = new std::vector<ArtifactView>(MakeViews());
  return *views;
}

const ArtifactView* FindArtifactView(std::string_view type) {
  for (const ArtifactView& view : ArtifactViews()) {
    if (view.type == type) return &view;
  }
  return nullptr;
}

}  // namespace weir::views
