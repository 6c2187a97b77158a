// RequestLogExampleGen: the request logs `weir serve --request_log` wrote (one model's folder of
// TFRecord files, io/example/request_log_format.h) as an Examples artifact of one split, laid out
// as CsvExampleGen lays its out:
//   <output>/Split-<split>/data_tfrecord-00000-of-00001.gz
// Each logged row is one example holding the features the request sent; the log's own fields
// (prediction, model version, request time) are left out unless asked for, so that the
// statistics of the split compare with the training data's feature for feature (training/serving
// skew, ExampleValidator's serving_statistics).
#ifndef WEIR_COMPONENTS_EXAMPLE_GEN_REQUEST_LOG_EXAMPLE_GEN_H_
#define WEIR_COMPONENTS_EXAMPLE_GEN_REQUEST_LOG_EXAMPLE_GEN_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"

namespace weir::components {

struct RequestLogExampleGenOptions {
  // The folder of one model's logs: <--request_log>/<model name>. Published files only
  // (requests-*.tfrecord), in name order, which is the order they were opened in.
  std::filesystem::path log_dir;
  std::filesystem::path output;  // Must not exist, or be empty.
  std::string split = "serving";
  bool keep_log_fields = false;  // Keep __prediction, __model_version, __request_time_micros.
};

struct RequestLogExampleGenResult {
  uint64_t examples = 0;
  std::vector<std::filesystem::path> files;  // The log files read.
  // split_names, payload_format, file_format, log_files, and when there were rows
  // first_request_time and last_request_time (microseconds since the Unix epoch) and
  // model_versions (a JSON list of the versions that answered).
  ArtifactProperties properties;
};

// Runs it. A folder with no log yet, or none at all (the server has logged nothing for the
// model), gives a split of no examples, which ExampleValidator reports as data missing. A corrupt
// record is an error naming the file and its offset. The output appears complete, by one rename,
// or not at all.
absl::StatusOr<RequestLogExampleGenResult> RunRequestLogExampleGen(
    const RequestLogExampleGenOptions& options);

// The published log files of `log_dir`, sorted by name: none when it does not exist.
absl::StatusOr<std::vector<std::filesystem::path>> ListRequestLogs(
    const std::filesystem::path& log_dir);

// A fingerprint of the logs for caching: "log_files:<n>,total_bytes:<b>,names:<xxh3>". A
// published log file never changes, so names and sizes tell new logs from the ones read before.
absl::StatusOr<std::string> RequestLogFingerprint(const std::filesystem::path& log_dir);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_EXAMPLE_GEN_REQUEST_LOG_EXAMPLE_GEN_H_
