#include "weir/serving/batcher.h"

#include <algorithm>
#include <map>

#include "weir/base/parallel.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"
#include "weir/serving/config/batching_parameters.pb.h"
#include "weir/serving/serving_metrics.h"

namespace weir::serving {

data::RecordBatch ConcatenateRows(const std::vector<const data::RecordBatch*>& parts) {
  // Column names in order of first appearance, with their type.
  std::vector<std::pair<std::string, data::DataType>> columns;
  std::map<std::string, size_t> index;
  for (const data::RecordBatch* part : parts) {
    for (const data::Column& column : part->columns()) {
      auto [it, added] = index.emplace(column.name(), columns.size());
      if (added) {
        columns.emplace_back(column.name(), column.type());
      } else if (columns[it->second].second == data::DataType::kNull) {
        columns[it->second].second = column.type();
      }
    }
  }
  data::RecordBatch joined;
  for (const auto& [name, type] : columns) {
    data::Column& out = joined.AddColumn(name, type);
    for (const data::RecordBatch* part : parts) {
      const data::Column* in = part->FindColumn(name);
      for (size_t row = 0; row < part->num_rows(); ++row) {
        if (in == nullptr) {
          out.AppendMissing();
          continue;
        }
        for (uint32_t v = in->value_begin(row); v < in->value_end(row); ++v) {
          switch (in->type()) {
            case data::DataType::kInt64:
              out.AddInt64(in->int64_values()[v]);
              break;
            case data::DataType::kFloat:
              out.AddFloat(in->float_values()[v]);
              break;
            case data::DataType::kBytes:
              out.AddBytes(in->bytes_value(v));
              break;
            case data::DataType::kNull:
              break;
          }
        }
        out.FinishRow(in->presence(row));
      }
    }
  }
  return joined;
}

absl::StatusOr<BatcherOptions> ReadBatchingParameters(const std::filesystem::path& file,
                                                      BatcherOptions defaults) {
  tensorflow::serving::BatchingParameters parameters;
  RETURN_IF_ERROR(base::ReadTextProto(file, &parameters));
  auto refuse = [&](std::string_view field, std::string_view rule) {
    return absl::InvalidArgumentError(StrCat(file.string(), ": ", field, " ", rule));
  };
  BatcherOptions options = defaults;
  if (parameters.has_max_batch_size()) {
    if (parameters.max_batch_size().value() < 1) return refuse("max_batch_size", "must be >= 1");
    options.max_batch_rows = static_cast<size_t>(parameters.max_batch_size().value());
  }
  if (parameters.has_batch_timeout_micros()) {
    if (parameters.batch_timeout_micros().value() < 0)
      return refuse("batch_timeout_micros", "must be >= 0");
    options.timeout = std::chrono::microseconds(parameters.batch_timeout_micros().value());
  }
  if (parameters.has_max_enqueued_batches()) {
    if (parameters.max_enqueued_batches().value() < 1)
      return refuse("max_enqueued_batches", "must be >= 1");
    options.max_enqueued_batches = static_cast<size_t>(parameters.max_enqueued_batches().value());
  }
  if (parameters.has_num_batch_threads()) {
    const int64_t threads = parameters.num_batch_threads().value();
    if (threads < 1 || threads > 1024) return refuse("num_batch_threads", "must be 1 to 1024");
    options.threads = static_cast<int>(threads);
  }
  const auto& allowed = parameters.allowed_batch_sizes();
  for (int i = 0; i < allowed.size(); ++i) {
    if (allowed[i] < 1 || (i > 0 && allowed[i] <= allowed[i - 1]))
      return refuse("allowed_batch_sizes", "must be positive and increasing");
  }
  if (!allowed.empty() &&
      static_cast<size_t>(allowed[allowed.size() - 1]) != options.max_batch_rows) {
    return refuse("allowed_batch_sizes",
                  StrCat("must end with max_batch_size (", options.max_batch_rows, ")"));
  }
  return options;
}

PredictBatcher::PredictBatcher(BatcherOptions options) : options_(options) {
  const int threads = options_.threads > 0 ? options_.threads : base::DefaultThreadCount();
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

PredictBatcher::~PredictBatcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

absl::StatusOr<std::vector<float>> PredictBatcher::Predict(
    std::shared_ptr<const model::ServingModel> model, data::RecordBatch raw) {
  std::future<absl::StatusOr<std::vector<float>>> result;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t bound = options_.max_enqueued_batches * options_.max_batch_rows;
    if (bound > 0 && queued_rows_ > 0 && queued_rows_ + raw.num_rows() > bound) {
      return absl::UnavailableError(StrCat(
          "the batch queue is full: ", queued_rows_, " rows wait (max_enqueued_batches ",
          options_.max_enqueued_batches, " of max_batch_size ", options_.max_batch_rows, ")"));
    }
    queued_rows_ += raw.num_rows();
    Pending& pending = queue_.emplace_back();
    pending.model = std::move(model);
    pending.raw = std::move(raw);
    pending.arrived = std::chrono::steady_clock::now();
    result = pending.result.get_future();
  }
  wake_.notify_one();
  return result.get();
}

void PredictBatcher::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // Stopping, and nothing left to answer.
    // The oldest request opens the batch; requests for the same model join it until it is full
    // or the oldest has waited long enough.
    const auto deadline = queue_.front().arrived + options_.timeout;
    auto rows_ready = [&] {
      size_t rows = 0;
      for (const Pending& pending : queue_) {
        if (pending.model == queue_.front().model) rows += pending.raw.num_rows();
      }
      return rows;
    };
    while (!stopping_ && rows_ready() < options_.max_batch_rows &&
           std::chrono::steady_clock::now() < deadline) {
      wake_.wait_until(lock, deadline);
      if (queue_.empty()) break;  // Another worker took them.
    }
    if (queue_.empty()) continue;
    std::vector<Pending> batch;
    const auto model = queue_.front().model;
    size_t rows = 0;
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->model == model &&
          (batch.empty() || rows + it->raw.num_rows() <= options_.max_batch_rows)) {
        rows += it->raw.num_rows();
        queued_rows_ -= it->raw.num_rows();
        batch.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    Run(batch);
    lock.lock();
  }
}

size_t PredictBatcher::queued_rows() {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_rows_;
}

void PredictBatcher::Run(std::vector<Pending>& batch) {
  batches_ += 1;
  requests_ += batch.size();
  const model::ServingModel& model = *batch.front().model;
  if (batch.size() == 1) {
    batch.front().result.set_value(model.Predict(batch.front().raw));
    return;
  }
  std::vector<const data::RecordBatch*> parts;
  for (const Pending& pending : batch) parts.push_back(&pending.raw);
  absl::StatusOr<std::vector<float>> joined = model.Predict(ConcatenateRows(parts));
  if (!joined.ok()) {
    for (Pending& pending : batch) pending.result.set_value(model.Predict(pending.raw));
    return;
  }
  const size_t width = static_cast<size_t>(model::OutputsPerRow(model.spec()));
  size_t offset = 0;
  for (Pending& pending : batch) {
    const size_t values = pending.raw.num_rows() * width;
    pending.result.set_value(
        std::vector<float>(joined->begin() + static_cast<std::ptrdiff_t>(offset),
                           joined->begin() + static_cast<std::ptrdiff_t>(offset + values)));
    offset += values;
  }
}

}  // namespace weir::serving
