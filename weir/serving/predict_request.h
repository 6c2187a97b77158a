// A predict request's JSON body read straight into raw feature columns, and the response written
// straight from the predictions. This is the server's hot path: a general JSON document (a tree
// of maps and strings per request) cost several times the model call, so the body is scanned
// once, in place, knowing the one shape it may have.
//
// The request forms are TensorFlow Serving's:
//   rows:    {"instances": [{"feature": value, ...}, ...]}
//   columns: {"inputs": {"feature": [value per row, ...], ...}}  (a bare value is one row)
// A value is a JSON scalar, null (missing), [] (an empty list: present with no value, as an empty
// CSV cell is in training), or a list of one scalar. "signature_name" and
// other top-level keys are read past. An absent feature is missing in every row. The features
// the model accepts are its signature: the training schema's raw features less the label's;
// those it does not read are checked like the others and dropped.
#ifndef WEIR_SERVING_PREDICT_REQUEST_H_
#define WEIR_SERVING_PREDICT_REQUEST_H_

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"
#include "weir/proto/model.pb.h"

namespace weir::serving {

// One input's values, one per row, as a binary transport carries them (gRPC's TensorProto):
// integers, reals or strings (bytes, viewed: they must outlive the read).
struct TypedColumn {
  std::string_view name;
  std::variant<std::vector<int64_t>, std::vector<double>, std::vector<std::string_view>> values;
};

struct PredictRequest {
  data::RecordBatch raw;  // One column per input the model reads, in signature order.
  // One column per signature feature the model does not read: checked like the others, and
  // kept only for the request log.
  data::RecordBatch unread;
  bool columnar = false;  // Came in the columnar form (answered as "outputs").
};

class PredictRequestReader {
 public:
  explicit PredictRequestReader(const model::ModelSpec& spec);

  // Fails with InvalidArgument saying what is wrong: not JSON (and at which byte), not one of the
  // two forms, a feature the signature does not know, a value of the wrong type (JSON numbers
  // convert to the feature's type where exact), several values for one row, or columns of
  // different lengths.
  absl::StatusOr<PredictRequest> Read(std::string_view body) const;

  // The columnar form from typed columns, checked by the same rules: integers fit an integer or a
  // float feature, reals a float feature (an integer feature when whole; never NaN or infinite),
  // strings a string feature. A column "examples" of strings holds serialized tf.Examples (unless
  // the model has a feature of that name), one row each, and stands alone.
  absl::StatusOr<PredictRequest> Read(std::span<const TypedColumn> columns) const;

 private:
  friend class RequestColumns;
  struct Input {
    std::string name;
    transform::ValueType type;
    // Its column in PredictRequest::raw; for a feature the model does not read (checked, then
    // dropped), -1 - its index among those.
    int column;
  };
  std::vector<Input> inputs_;
  absl::flat_hash_map<std::string, size_t> index_;  // Input name -> position in inputs_.
  std::string known_;                               // "a, b, c": for the unknown-feature error.
};

// The response body: {"predictions": [...]} for the row form, {"outputs": [...]} for the
// columnar one; `width` values per row, a row a bare number when width is 1. Each float is
// written in its shortest form that reads back as the same float. With `class_names` (a
// multiclass model's, one per value of a row), each row also names its classes, as TF Serving
// writes a model with two outputs: rows {"probabilities": [...], "classes": [...]}, or columns
// {"outputs": {"probabilities": [[...], ...], "classes": [[...], ...]}}.
std::string WritePredictResponse(std::span<const float> predictions, int width, bool columnar,
                                 std::span<const std::string> class_names = {});

// :classify's and :regress's responses, as TF Serving writes them: {"result": [[[class, score],
// ...] per example]}, every class with its probability (a binary model's `width` 1 is the
// second class's: the first gets 1 - p; a class without a name is named by its id); and
// {"result": [value per example]}. Floats as above.
std::string WriteClassifyResponse(std::span<const float> predictions, int width,
                                  std::span<const std::string> class_names);
std::string WriteRegressResponse(std::span<const float> predictions);

}  // namespace weir::serving

#endif  // WEIR_SERVING_PREDICT_REQUEST_H_
