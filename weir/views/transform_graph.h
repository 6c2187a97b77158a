// The transform graph view: the analyzed transform's features (source, ops, what the analyzers
// learned) and the start of each vocabulary.
#ifndef WEIR_VIEWS_TRANSFORM_GRAPH_H_
#define WEIR_VIEWS_TRANSFORM_GRAPH_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/proto/transform.pb.h"
#include "weir/views/text.h"

namespace weir::views {

struct TransformGraphView {
  transform::TransformGraph graph;
  // The first kVocabularyPreview tokens of each vocabulary, by output feature.
  std::map<std::string, std::vector<std::string>> vocabularies;
};
inline constexpr size_t kVocabularyPreview = 100;

// A TransformGraph artifact folder (transform_graph.pbtxt, transform_fn/assets/). Errors name the
// file.
absl::StatusOr<TransformGraphView> LoadTransformGraph(const std::filesystem::path& uri);

// {"features": [{"name", "input", "expression", "ops", "vocabulary_size", "boundaries"}],
//  "vocabularies": {feature: [token, ...]}, "sample": []}; input, expression, vocabulary_size and
// boundaries are null when the feature has none. "sample" is for transformed examples a caller
// adds.
nlohmann::ordered_json TransformGraphToJson(const TransformGraphView& view);

// One row per output feature: its source (column, columns or expression), its ops, and what
// the analyzers learned (vocabulary size, bucket count, mean and standard deviation, range).
std::string RenderTransformGraph(const TransformGraphView& view, const TextOptions& options);

}  // namespace weir::views

#endif  // WEIR_VIEWS_TRANSFORM_GRAPH_H_
