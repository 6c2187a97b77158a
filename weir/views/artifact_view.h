// One table of views keyed by TFX artifact type name: what an artifact holds, as JSON (the web
// UI's artifact pages) and as terminal text (`weir artifact view`). Each type's view lives in a
// file of its own (statistics.h, schema.h, ..., pushed_model.h) with a Load, a ToJson and a
// Render; this table only names them.
#ifndef WEIR_VIEWS_ARTIFACT_VIEW_H_
#define WEIR_VIEWS_ARTIFACT_VIEW_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/metadata/metadata_store.h"
#include "weir/views/text.h"

namespace weir::views {

// What a view is asked for.
struct ViewRequest {
  const metadata::Artifact& artifact;
  // The store the artifact is in: views that follow lineage (a transform graph's sample of
  // transformed examples) read it.
  metadata::MetadataStore& store;
  // Options of the request: "split" (one split of a statistics artifact), "compare" (a split to
  // show beside it) and "compare_artifact" (the id of another statistics artifact whose split
  // `compare`, or `split`, is shown beside it).
  std::map<std::string, std::string> options = {};
  // Says whether files at a uri may be read (the web server reads only under its roots); empty:
  // any.
  std::function<absl::Status(const std::string& uri)> check_path = {};
};

struct ArtifactView {
  std::string type;  // The artifact type: ExampleStatistics, Schema, Model, ...
  std::string kind;  // What the web UI calls the view: statistics, schema, model, ...
  std::function<absl::StatusOr<nlohmann::ordered_json>(const ViewRequest&)> to_json;
  std::function<absl::StatusOr<std::string>(const ViewRequest&, const TextOptions&)> render;
};

// The view of artifacts of `type`; nullptr when there is none.
const ArtifactView* FindArtifactView(std::string_view type);
// Every view, in the order of the pipeline's steps.
const std::vector<ArtifactView>& ArtifactViews();

}  // namespace weir::views

#endif  // WEIR_VIEWS_ARTIFACT_VIEW_H_
