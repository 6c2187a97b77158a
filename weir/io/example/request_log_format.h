// The request logs `weir serve --request_log DIR` writes and RequestLogExampleGen reads: per
// model, a folder DIR/<model>/ of TFRecord files (uncompressed), one tf.Example per predicted
// row, holding the raw features the model read plus three fields of the log's own:
//   __prediction           float list: the row's outputs, as the predict response gives them
//   __model_version        int64: the version that answered
//   __request_time_micros  int64: when the request arrived, in microseconds since the Unix epoch
// A file is written under a hidden name (".requests-....tfrecord.inprogress") and published by
// one rename once it is closed, so a reader sees only whole files.
#ifndef WEIR_IO_EXAMPLE_REQUEST_LOG_FORMAT_H_
#define WEIR_IO_EXAMPLE_REQUEST_LOG_FORMAT_H_

#include <string_view>

namespace weir::io {

inline constexpr char kLoggedPrediction[] = "__prediction";
inline constexpr char kLoggedModelVersion[] = "__model_version";
inline constexpr char kLoggedRequestTime[] = "__request_time_micros";

inline constexpr std::string_view kRequestLogPrefix = "requests-";
inline constexpr std::string_view kRequestLogSuffix = ".tfrecord";
inline constexpr std::string_view kRequestLogInProgressSuffix = ".inprogress";

// A published log file's name: requests-*.tfrecord.
inline bool IsRequestLogFile(std::string_view file_name) {
  return file_name.starts_with(kRequestLogPrefix) && file_name.ends_with(kRequestLogSuffix);
}

// One of the log's own fields rather than a feature of the request.
inline bool IsLogField(std::string_view feature) {
  return feature == kLoggedPrediction || feature == kLoggedModelVersion ||
         feature == kLoggedRequestTime;
}

}  // namespace weir::io

#endif  // WEIR_IO_EXAMPLE_REQUEST_LOG_FORMAT_H_
