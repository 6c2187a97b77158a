// `weir show`: statistics, schemas, anomalies and model evaluations as terminal tables or JSON,
// the way TFDV's visualize_statistics, display_schema and display_anomalies and TFMA's
// render_slicing_metrics show them in a notebook.
//
// Rendering functions take protos (or the evaluation read from evaluation.json) and return text,
// so they are testable without a terminal; loading functions resolve the paths users type
// (artifact folder, split folder or file).
#ifndef WEIR_CLI_SHOW_H_
#define WEIR_CLI_SHOW_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/eval/evaluation_result.h"
#include "weir/proto/anomalies.pb.h"
#include "weir/proto/schema.pb.h"
#include "weir/proto/statistics.pb.h"

namespace weir::cli {

namespace tfmd = ::tensorflow::metadata::v0;

struct ShowOptions {
  // ANSI bold titles and red/yellow severities. See ShouldUseColor.
  bool color = false;
  // Tables wrap or abbreviate their widest free-text column to stay within this many columns.
  int max_width = 120;
};

// True when `fd` is a terminal and the NO_COLOR environment variable is unset.
bool ShouldUseColor(int fd);

// One dataset's statistics and where they came from. `label` is what tables call it: the split
// name for an artifact, the dataset name (or file stem) otherwise.
struct LabeledStatistics {
  std::string label;
  std::filesystem::path file;
  tfmd::DatasetFeatureStatistics statistics;
};

// Statistics under `path`: a FeatureStats.pb file (every dataset in it), a folder holding one, or
// an artifact folder of Split-<name>/ folders (every split, in name order). A non-empty `split`
// picks one split of an artifact; it is an error when that split is absent, or when `path` is a
// file or split folder whose split is not `split`.
absl::StatusOr<std::vector<LabeledStatistics>> LoadStatistics(const std::filesystem::path& path,
                                                              std::string_view split);

// A Schema from a text-format file (binary if its name ends in .pb), or from the schema.pbtxt in
// a folder. Parse errors name the file and line.
absl::StatusOr<tfmd::Schema> LoadSchema(const std::filesystem::path& path);

struct LabeledAnomalies {
  std::string label;
  std::filesystem::path file;
  tfmd::Anomalies anomalies;
};

// Anomalies under `path`, resolved as LoadStatistics resolves statistics but for SchemaDiff.pb
// (binary Anomalies; text format if the file name ends in .pbtxt).
absl::StatusOr<std::vector<LabeledAnomalies>> LoadAnomalies(const std::filesystem::path& path,
                                                            std::string_view split);

// Tables of numeric features (with a text histogram of the equal-width buckets) and of string
// and bytes features, after a one-line summary. An empty dataset renders as its summary alone.
std::string RenderStatistics(const LabeledStatistics& statistics, const ShowOptions& options);

// Two datasets per feature, one row each, in the order of `left` then features only in `right`;
// a feature absent on one side shows "absent" there. Both histograms are redrawn over the union of
// their ranges so that their bars line up.
std::string RenderStatisticsComparison(const LabeledStatistics& left,
                                       const LabeledStatistics& right, const ShowOptions& options);

// Features (type, presence, valency, domain), then the named domains with their values
// (abbreviated when long), then dataset constraints when there are any.
std::string RenderSchema(const tfmd::Schema& schema, const ShowOptions& options);

// Feature and dataset anomalies with severity and descriptions, or "No anomalies found.", then
// drift and skew measurements when there are any.
std::string RenderAnomalies(const tfmd::Anomalies& anomalies, const ShowOptions& options);

// The same data as the tables, with stable field names (documented in docs/show.md):
// {"name", "num_examples", "features": [{"name", "type", "count", "missing", ...}]}.
nlohmann::ordered_json StatisticsToJson(const LabeledStatistics& statistics);
// {"features": [...], "domains": [...], "dataset_constraints": {...}}.
nlohmann::ordered_json SchemaToJson(const tfmd::Schema& schema);
// {"anomalies": [...], "data_missing", "drift_skew": [...]}; "anomalies" is empty when none.
nlohmann::ordered_json AnomaliesToJson(const tfmd::Anomalies& anomalies);

// A ModelEvaluation artifact, as the Evaluator wrote it to evaluation.json (weir/eval/
// evaluation_result.h), and the file it was read from. Slices come Overall first, then by
// feature and value, numbers in numeric order (hour 2 before hour 10). Confusion matrices and
// plot data are not shown.
struct ModelEvaluation : eval::ModelEvaluation {
  std::filesystem::path file;
};

// The evaluation in `path`: a ModelEvaluation artifact folder holding evaluation.json, or the
// file itself. Errors name the path: NotFound when there is no such file, InvalidArgument when it
// is not JSON, lacks a field or has a format_version newer than this weir reads.
absl::StatusOr<ModelEvaluation> LoadEvaluation(const std::filesystem::path& path);

// A header (model, baseline, split, label), a table of the task's headline metrics per slice
// (Overall first; cells of failed checks in red), the overall slice against the baseline when
// there is one, then BLESSED or NOT BLESSED with each failure's message.
std::string RenderEvaluation(const ModelEvaluation& evaluation, const ShowOptions& options);

// {"file", "model", "baseline_model", "split", "label_key", "blessed", "checks",
//  "change_thresholds_skipped", "overall": {metric: value}, "overall_baseline", "overall_change",
//  "slices": [{"slice", "features", "metrics", "baseline_metrics"}], "failures": [...]};
// baseline_model, overall_baseline, overall_change and baseline_metrics are null without a
// baseline, overall is {} without an overall slice.
nlohmann::ordered_json EvaluationToJson(const ModelEvaluation& evaluation);

}  // namespace weir::cli

#endif  // WEIR_CLI_SHOW_H_
