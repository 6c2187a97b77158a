// Learning curves of a training run, written as TensorBoard reads them and as weir's UI reads
// them, into a ModelRun folder:
//   <dir>/curves.jsonl                            {"curve": "train", "step": 100, "loss": ...}
//   <dir>/<curve>/events.out.tfevents.<secs>.<host>  TFRecords of tensorflow.Event scalars
#ifndef WEIR_MODEL_CURVES_H_
#define WEIR_MODEL_CURVES_H_

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "weir/io/tfrecord/tfrecord.h"
#include "weir/model/model.h"

namespace weir::model {

inline constexpr char kCurvesFileName[] = "curves.jsonl";

class CurveWriter : public CurveSink {
 public:
  static absl::StatusOr<std::unique_ptr<CurveWriter>> Create(const std::filesystem::path& dir);
  absl::Status Add(const std::string& curve, int64_t step,
                   const std::vector<std::pair<std::string, double>>& metrics) override;
  // Flushes and closes every file.
  absl::Status Close();

 private:
  explicit CurveWriter(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
  std::string json_lines_;
  std::map<std::string, std::unique_ptr<io::TfRecordWriter>> event_files_;  // By curve.
};

}  // namespace weir::model

#endif  // WEIR_MODEL_CURVES_H_
