// The statistics view: DatasetFeatureStatistics (FeatureStats.pb) as terminal tables and JSON,
// the way TFDV's visualize_statistics shows them in a notebook.
#ifndef WEIR_VIEWS_STATISTICS_H_
#define WEIR_VIEWS_STATISTICS_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/proto/statistics.pb.h"
#include "weir/views/text.h"

namespace weir::views {

namespace tfmd = ::tensorflow::metadata::v0;

// One dataset's statistics and where they came from. `label` is what tables call it: the split
// name for an artifact, the dataset name (or file stem) otherwise.
struct LabeledStatistics {
  std::string label;
  std::filesystem::path file;
  tfmd::DatasetFeatureStatistics statistics;
};

// Statistics under `path`: a FeatureStats.pb file (every dataset in it), a folder holding one, or
// an artifact folder of Split-<name>/ folders (every split: train, eval, then the others by
// name). A non-empty `split`
// picks one split of an artifact; it is an error when that split is absent, or when `path` is a
// file or split folder whose split is not `split`.
absl::StatusOr<std::vector<LabeledStatistics>> LoadStatistics(const std::filesystem::path& path,
                                                              std::string_view split);

// Tables of numeric features (with a text histogram of the equal-width buckets) and of string
// and bytes features, after a one-line summary. An empty dataset renders as its summary alone.
std::string RenderStatistics(const LabeledStatistics& statistics, const TextOptions& options);

// Two datasets per feature, one row each, in the order of `left` then features only in `right`;
// a feature absent on one side shows "absent" there. Both histograms are redrawn over the union of
// their ranges so that their bars line up.
std::string RenderStatisticsComparison(const LabeledStatistics& left,
                                       const LabeledStatistics& right, const TextOptions& options);

// The same data as the tables, with stable field names (documented in docs/show.md):
// {"name", "num_examples", "features": [{"name", "type", "count", "missing", ...}]}.
nlohmann::ordered_json StatisticsToJson(const LabeledStatistics& statistics);

}  // namespace weir::views

#endif  // WEIR_VIEWS_STATISTICS_H_
