// Request logging (weir serve --request_log DIR): a sample of the requests a server answers,
// written as TFRecord files of tf.Examples (the format is io/example/request_log_format.h) that a
// pipeline reads back as Examples (RequestLogExampleGen) to measure training/serving skew.
//
// Logging never holds a request up: the request thread copies its rows into a bounded queue and
// goes on; one writer thread encodes and writes them. When the queue is full, rows are dropped
// and counted rather than waited for. Files rotate by size and by age, each published by a rename
// once closed; a file left in progress by a killed server is recovered (its whole records
// published) when a server next opens the folder on the same host.
#ifndef WEIR_SERVING_REQUEST_LOG_H_
#define WEIR_SERVING_REQUEST_LOG_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/base/files.h"
#include "weir/data/record_batch.h"

namespace weir::serving {

struct RequestLogOptions {
  std::filesystem::path dir;  // Each model's files go to dir/<model name>/.
  double sample_rate = 1.0;   // The share of requests logged, each drawn at random.
  uint64_t max_file_bytes = uint64_t{64} << 20;
  std::chrono::seconds max_file_age{3600};
  size_t max_queued_rows = 100000;  // Rows waiting for the writer; beyond: dropped.
};

class RequestLog {
 public:
  // Creates the folder (and recovers what a killed server left in progress in it). Errors: a
  // folder that cannot be created, a sample rate outside [0, 1], a zero size or age.
  static absl::StatusOr<std::unique_ptr<RequestLog>> Open(RequestLogOptions options);
  // Writes what is queued and publishes the open files.
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Whether to log the request about to be answered (a draw at the sample rate).
  bool Sample() const;
  // Queues one answered request: its raw rows, `width` predictions per row, and the version that
  // answered. Never blocks on the writer.
  void Log(const std::string& model, int64_t version, data::RecordBatch raw,
           std::span<const float> predictions, int width);
  // Writes everything queued so far and publishes the open files; returns once that is done.
  void Flush();

  uint64_t logged_rows() const { return logged_rows_.load(); }
  uint64_t dropped_rows() const { return dropped_rows_.load(); }

 private:
  struct Entry {
    std::string model;
    int64_t version = 0;
    int64_t time_micros = 0;
    data::RecordBatch raw;
    std::vector<float> predictions;
    int width = 1;
  };
  struct OpenFile {
    base::OutputFile file;
    std::filesystem::path published;
    std::chrono::steady_clock::time_point opened;
  };

  explicit RequestLog(RequestLogOptions options) : options_(std::move(options)) {}
  void Work();
  absl::Status Write(const Entry& entry);
  absl::StatusOr<OpenFile*> FileFor(const std::string& model);
  absl::Status Publish(OpenFile& open);
  void PublishAll();

  const RequestLogOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;  // The writer: work queued, a flush asked for, or stopping.
  std::condition_variable done_;  // Flush callers: a flush finished.
  std::deque<Entry> queue_;
  size_t queued_rows_ = 0;
  uint64_t flushes_asked_ = 0;
  uint64_t flushes_done_ = 0;
  bool stopping_ = false;
  std::thread writer_;
  // The writer's alone.
  std::map<std::string, OpenFile> open_;
  uint64_t files_opened_ = 0;
  bool reported_error_ = false;

  std::atomic<uint64_t> logged_rows_{0};
  std::atomic<uint64_t> dropped_rows_{0};
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_REQUEST_LOG_H_
