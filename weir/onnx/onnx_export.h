// A trained model as one ONNX graph, from raw features to the model's outputs: the transform's
// ops and the model (gbdt as a tree ensemble; wide_deep and linear as matrix products), so that
// ONNX Runtime — in a browser, Node.js, Python or a phone app — takes the raw columns `weir serve`
// takes and gives the same outputs.
//
// Inputs are the model's serving signature (the raw features its inputs are computed from), one
// [N, 1] tensor each, typed as the schema says: float, int64 or string. A missing value is NaN
// for a float, "" for a string and kMissingInt for an int. Outputs are named as the model's
// (probabilities, classes, predictions), [N, width].
//
// What ONNX cannot express is refused, naming the feature and op (string hashes: hash_strings,
// cross; custom ops; trigonometry in expressions), with one exception that is reported instead:
// a vocabulary's out-of-vocabulary buckets. weir hashes an unseen token into one of them with
// FarmHash, which ONNX lacks; the graph gives every unseen token the first OOV bucket.
#ifndef WEIR_ONNX_ONNX_EXPORT_H_
#define WEIR_ONNX_ONNX_EXPORT_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"
#include "weir/model/serving_model.h"
#include "weir/onnx/onnx.pb.h"

namespace weir::onnx {

// What ONNX 1.12 (Debian's) defines, and every current runtime reads.
inline constexpr int64_t kIrVersion = 8;
inline constexpr int64_t kOpsetVersion = 17;   // ai.onnx
inline constexpr int64_t kMlOpsetVersion = 3;  // ai.onnx.ml
inline constexpr char kMlDomain[] = "ai.onnx.ml";

// An int input's value for "missing" (ONNX tensors have no missing values).
inline constexpr int64_t kMissingInt = std::numeric_limits<int64_t>::min();

// A vocabulary whose unseen tokens the graph sends to the first OOV bucket.
struct ApproximatedVocabulary {
  std::string feature;              // The transform feature.
  std::string input;                // The raw feature it reads.
  std::string vocabulary;           // Its file under the model's transform/transform_fn/assets/.
  std::optional<std::string> fill;  // fill_missing's token: exact, it gets its true bucket.
  int64_t size = 0;
  int64_t num_oov_buckets = 0;
};

struct OnnxExport {
  proto::ModelProto model;
  std::vector<ApproximatedVocabulary> approximated;
  // Where the graph may answer differently from weir serve, one sentence each (the OOV rule of
  // each vocabulary with OOV buckets). Also in the model's metadata.
  std::vector<std::string> caveats;
};

absl::StatusOr<OnnxExport> ExportOnnx(const model::ServingModel& model);

// What the OOV approximation does to some raw examples: rows holding a token outside an
// approximated vocabulary (other than its fill value), and those of them where weir's bucket is
// not the first one, the only rows whose outputs the graph can change.
struct ApproximatedRows {
  int64_t rows = 0;
  int64_t unseen = 0;
  int64_t other_bucket = 0;
};
ApproximatedRows CountApproximatedRows(const OnnxExport& exported, const model::ServingModel& model,
                                       const data::RecordBatch& raw);

}  // namespace weir::onnx

#endif  // WEIR_ONNX_ONNX_EXPORT_H_
