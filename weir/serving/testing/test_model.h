// For serving tests: a small model of made-up taxi-like trips, trained in memory through the
// model library (no pipeline, no trainer component, no data files). Raw features fare (float),
// company (string) and trip_start_hour (int); the model predicts whether a tip is big.
#ifndef WEIR_SERVING_TESTING_TEST_MODEL_H_
#define WEIR_SERVING_TESTING_TEST_MODEL_H_

#include <cstdint>
#include <filesystem>

#include "absl/status/status.h"
#include "weir/data/record_batch.h"
#include "weir/proto/model.pb.h"

namespace weir::serving::testing {

// `rows` raw examples (fare, company, trip_start_hour and the label's column, tips), the same for
// the same seed; about one in twenty lacks its company.
data::RecordBatch TestRows(size_t rows, uint64_t seed);

// Writes a Format-Serving folder at `dir` (created): a gbdt model of `rounds` boosting rounds over
// 400 TestRows, with its transform and model_spec.pbtxt. It predicts whether the tip is big
// (binary) or, for REGRESSION, the tip. The schema it was trained with also has payment_type,
// which the model does not read.
absl::Status WriteTestModel(const std::filesystem::path& dir, int rounds,
                            model::Task task = model::BINARY_CLASSIFICATION);

}  // namespace weir::serving::testing

#endif  // WEIR_SERVING_TESTING_TEST_MODEL_H_
