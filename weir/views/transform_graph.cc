#include "weir/views/transform_graph.h"

#include <cmath>
#include <fstream>

#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/transform/transform.h"

namespace weir::views {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

std::string OpName(const transform::Op& op) {
  const google::protobuf::FieldDescriptor* field =
      op.GetReflection()->GetOneofFieldDescriptor(op, op.GetDescriptor()->oneof_decl(0));
  return field != nullptr ? field->name() : "?";
}

}  // namespace

absl::StatusOr<TransformGraphView> LoadTransformGraph(const fs::path& uri) {
  TransformGraphView view;
  RETURN_IF_ERROR(base::ReadTextProto(uri / transform::kTransformGraphFileName, &view.graph));
  for (int i = 0; i < view.graph.spec().features_size() && i < view.graph.analyses_size(); ++i) {
    for (const transform::AnalyzerResult& result : view.graph.analyses(i).analyzers()) {
      if (!result.has_vocabulary()) continue;
      std::ifstream in(uri / transform::kAssetsDir / result.vocabulary().filename());
      std::vector<std::string>& tokens = view.vocabularies[view.graph.spec().features(i).name()];
      for (std::string line; tokens.size() < kVocabularyPreview && std::getline(in, line);)
        tokens.push_back(line);
    }
  }
  return view;
}

Json TransformGraphToJson(const TransformGraphView& view) {
  const transform::TransformGraph& graph = view.graph;
  Json features = Json::array();
  Json vocabularies = Json::object();
  for (int i = 0; i < graph.spec().features_size(); ++i) {
    const transform::FeatureSpec& feature = graph.spec().features(i);
    Json ops = Json::array();
    for (const transform::Op& op : feature.ops()) ops.push_back(OpName(op));
    Json entry = {
        {"name", feature.name()},
        {"input", feature.input().empty() ? Json(nullptr) : Json(feature.input())},
        {"expression", feature.expression().empty() ? Json(nullptr) : Json(feature.expression())},
        {"ops", ops},
        {"vocabulary_size", nullptr},
        {"boundaries", nullptr}};
    if (i < graph.analyses_size()) {
      for (const transform::AnalyzerResult& result : graph.analyses(i).analyzers()) {
        if (result.has_boundaries()) entry["boundaries"] = result.boundaries().values();
        if (result.has_vocabulary()) {
          entry["vocabulary_size"] = result.vocabulary().size();
          auto tokens = view.vocabularies.find(feature.name());
          vocabularies[feature.name()] =
              tokens == view.vocabularies.end() ? Json::array() : Json(tokens->second);
        }
      }
    }
    features.push_back(std::move(entry));
  }
  return Json{{"features", features}, {"vocabularies", vocabularies}, {"sample", Json::array()}};
}

std::string RenderTransformGraph(const TransformGraphView& view, const TextOptions& options) {
  const transform::TransformGraph& graph = view.graph;
  std::string out =
      Title(StrCat("Transform of ", graph.spec().features_size(), " features, analyzed over ",
                   graph.analyzed_examples(), " examples"),
            options) +
      "\n";
  Table table({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
               {"source", Align::kLeft, Fit::kTruncate},
               {"ops", Align::kLeft, Fit::kWrap},
               {"analyzed", Align::kLeft, Fit::kWrap}});
  for (int i = 0; i < graph.spec().features_size(); ++i) {
    const transform::FeatureSpec& feature = graph.spec().features(i);
    std::string source = feature.input();
    if (!feature.expression().empty()) source = StrCat("= ", feature.expression());
    for (const std::string& input : feature.inputs())
      source += StrCat(source.empty() ? "" : " × ", input);
    std::string ops;
    for (const transform::Op& op : feature.ops())
      ops += StrCat(ops.empty() ? "" : ", ", OpName(op));
    std::string analyzed;
    if (i < graph.analyses_size()) {
      for (const transform::AnalyzerResult& result : graph.analyses(i).analyzers()) {
        std::string part;
        if (result.has_moments()) {
          part = StrCat("mean ", FormatNumber(result.moments().mean()), ", std ",
                        FormatNumber(std::sqrt(result.moments().variance())));
        } else if (result.has_min_max()) {
          part = StrCat("range ", FormatNumber(result.min_max().min()), " to ",
                        FormatNumber(result.min_max().max()));
        } else if (result.has_boundaries()) {
          part = StrCat(result.boundaries().values_size() + 1, " buckets");
        } else if (result.has_vocabulary()) {
          part = StrCat(result.vocabulary().size(), " tokens");
        }
        analyzed += StrCat(analyzed.empty() ? "" : "; ", part);
      }
    }
    table.AddRow({feature.name(), source, ops, analyzed});
  }
  return out + table.Render(options);
}

}  // namespace weir::views
