// The anomalies view: tensorflow_metadata Anomalies (SchemaDiff.pb) as terminal tables and JSON,
// the way TFDV's display_anomalies shows them in a notebook.
#ifndef WEIR_VIEWS_ANOMALIES_H_
#define WEIR_VIEWS_ANOMALIES_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/proto/anomalies.pb.h"
#include "weir/views/text.h"

namespace weir::views {

namespace tfmd = ::tensorflow::metadata::v0;

struct LabeledAnomalies {
  std::string label;
  std::filesystem::path file;
  tfmd::Anomalies anomalies;
};

// Anomalies under `path`, resolved as LoadStatistics resolves statistics but for SchemaDiff.pb
// (binary Anomalies; text format if the file name ends in .pbtxt).
absl::StatusOr<std::vector<LabeledAnomalies>> LoadAnomalies(const std::filesystem::path& path,
                                                            std::string_view split);

// Feature and dataset anomalies with severity and descriptions, or "No anomalies found.", then
// drift and skew measurements when there are any.
std::string RenderAnomalies(const tfmd::Anomalies& anomalies, const TextOptions& options);

// {"anomalies": [...], "data_missing", "drift_skew": [...]}; "anomalies" is empty when none.
nlohmann::ordered_json AnomaliesToJson(const tfmd::Anomalies& anomalies);

}  // namespace weir::views

#endif  // WEIR_VIEWS_ANOMALIES_H_
