// The evaluation view: a ModelEvaluation (evaluation.json) as terminal tables and JSON, the way
// TFMA's render_slicing_metrics shows it in a notebook.
#ifndef WEIR_VIEWS_EVALUATION_H_
#define WEIR_VIEWS_EVALUATION_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/eval/evaluation_result.h"
#include "weir/views/text.h"

namespace weir::views {

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
std::string RenderEvaluation(const ModelEvaluation& evaluation, const TextOptions& options);

// {"file", "model", "baseline_model", "split", "label_key", "headline_metrics" (the columns of
//  the text table, in order: the task's headline metrics that the slices have), "blessed", "checks",
//  "change_thresholds_skipped", "overall": {metric: value}, "overall_baseline", "overall_change",
//  "slices": [{"slice", "features", "metrics", "baseline_metrics"}], "failures": [...]};
// baseline_model, overall_baseline, overall_change and baseline_metrics are null without a
// baseline, overall is {} without an overall slice.
nlohmann::ordered_json EvaluationToJson(const ModelEvaluation& evaluation);

}  // namespace weir::views

#endif  // WEIR_VIEWS_EVALUATION_H_
