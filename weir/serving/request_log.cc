#include "weir/serving/request_log.h"

#include <unistd.h>

#include <ctime>
#include <iostream>
#include <random>

#include "absl/strings/str_split.h"
#include "weir/base/process_identity.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/example/request_log_format.h"
#include "weir/io/tfrecord/tfrecord.h"

namespace weir::serving {
namespace {

namespace fs = std::filesystem;

// A model's folder: its name with anything but letters, digits, '.', '-' and '_' as '_' (a name
// from a config file must not reach outside the log folder).
std::string FolderName(const std::string& model) {
  std::string folder = model;
  for (char& c : folder) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  }
  if (folder.empty() || folder == "." || folder == "..") folder = "_" + folder;
  return folder;
}

// "20261207T223636.123456Z": file names sort by the time their file was opened.
std::string UtcStamp(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm;
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%S", &tm);
  char fraction[16];
  std::snprintf(fraction, sizeof(fraction), ".%06lldZ", static_cast<long long>(micros % 1000000));
  return StrCat(text, fraction);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The in-progress name of a published one: hidden, and not a log file to readers.
fs::path InProgress(const fs::path& published) {
  return published.parent_path() /
         StrCat(".", published.filename().string(), io::kRequestLogInProgressSuffix);
}

// A file a server on this host left in progress when it was killed: its whole records are
// published under the name it would have had; a torn last record is cut off.
void RecoverInProgress(const fs::path& file) {
  std::string name = file.filename().string();
  // ".requests-<stamp>-<host>-<pid>-<n>.tfrecord.inprogress"
  if (!name.starts_with(StrCat(".", io::kRequestLogPrefix)) ||
      !name.ends_with(io::kRequestLogInProgressSuffix)) {
    return;
  }
  std::string published = name.substr(1, name.size() - 1 - io::kRequestLogInProgressSuffix.size());
  if (!io::IsRequestLogFile(published)) return;
  std::vector<std::string> parts =
      absl::StrSplit(published.substr(0, published.size() - io::kRequestLogSuffix.size()), '-');
  if (parts.size() < 5 || parts[parts.size() - 3] != base::HostTag()) return;
  const pid_t pid = static_cast<pid_t>(std::atoll(parts[parts.size() - 2].c_str()));
  if (pid <= 0 || base::LocalProcessIsAlive(pid)) return;
  uint64_t whole_bytes = 0;
  if (auto reader = io::TfRecordReader::Open(file); reader.ok()) {
    while (true) {
      absl::StatusOr<std::optional<std::string_view>> record = (*reader)->Next();
      if (!record.ok() || !record->has_value()) break;
      whole_bytes += (*record)->size() + 16;  // Length, its CRC, data, its CRC.
    }
  }
  std::error_code ec;
  if (whole_bytes == 0) {
    fs::remove(file, ec);
    return;
  }
  fs::resize_file(file, whole_bytes, ec);
  if (!ec) fs::rename(file, file.parent_path() / published, ec);
  if (ec) {
    std::cerr << "request log: cannot recover " << file.string() << ": " << ec.message()
              << std::endl;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RequestLog>> RequestLog::Open(RequestLogOptions options) {
  if (options.dir.empty()) return absl::InvalidArgumentError("the request log needs a folder");
  if (!(options.sample_rate >= 0 && options.sample_rate <= 1)) {
    return absl::InvalidArgumentError(
        StrCat("the request log's sample rate must be within [0, 1], "
               "not ",
               options.sample_rate));
  }
  if (options.max_file_bytes == 0 || options.max_file_age.count() <= 0) {
    return absl::InvalidArgumentError("the request log's file size and age limits must be > 0");
  }
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec || !fs::is_directory(options.dir)) {
    return absl::InvalidArgumentError(StrCat("cannot create the request log folder ",
                                             options.dir.string(), ": ",
                                             ec ? ec.message() : "not a folder"));
  }
  for (const fs::directory_entry& model : fs::directory_iterator(options.dir, ec)) {
    if (!model.is_directory()) continue;
    for (const fs::directory_entry& file : fs::directory_iterator(model.path(), ec))
      RecoverInProgress(file.path());
  }
  std::unique_ptr<RequestLog> log(new RequestLog(std::move(options)));
  log->writer_ = std::thread([raw = log.get()] { raw->Work(); });
  return log;
}

RequestLog::~RequestLog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

bool RequestLog::Sample() const {
  if (options_.sample_rate >= 1) return true;
  if (options_.sample_rate <= 0) return false;
  thread_local std::minstd_rand random(std::random_device{}());
  return std::uniform_real_distribution<double>(0, 1)(random) < options_.sample_rate;
}

void RequestLog::Log(const std::string& model, int64_t version, data::RecordBatch raw,
                     std::span<const float> predictions, int width) {
  const size_t rows = raw.num_rows();
  Entry entry{.model = model,
              .version = version,
              .time_micros = NowMicros(),
              .raw = std::move(raw),
              .predictions = std::vector<float>(predictions.begin(), predictions.end()),
              .width = width};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // An empty queue always takes a request, so a single large one is logged too.
    if (!queue_.empty() && queued_rows_ + rows > options_.max_queued_rows) {
      dropped_rows_ += rows;
      return;
    }
    queued_rows_ += rows;
    queue_.push_back(std::move(entry));
  }
  wake_.notify_one();
}

void RequestLog::Flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t ticket = ++flushes_asked_;
  wake_.notify_one();
  done_.wait(lock, [&] { return flushes_done_ >= ticket; });
}

void RequestLog::Work() {
  while (true) {
    std::deque<Entry> batch;
    uint64_t flush = 0;
    uint64_t flushed = 0;
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Wake at least every second to rotate files by age while no request comes.
      wake_.wait_for(lock, std::chrono::seconds(1), [&] {
        return stopping_ || !queue_.empty() || flushes_asked_ > flushes_done_;
      });
      batch.swap(queue_);
      queued_rows_ = 0;
      flush = flushes_asked_;
      flushed = flushes_done_;
      stop = stopping_;
    }
    for (const Entry& entry : batch) {
      const size_t rows = entry.raw.num_rows();
      if (absl::Status written = Write(entry); written.ok()) {
        logged_rows_ += rows;
      } else {
        dropped_rows_ += rows;
        // Once per failure spell (a full disk would otherwise print per request).
        if (!reported_error_) std::cerr << "request log: " << written.message() << std::endl;
        reported_error_ = true;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto it = open_.begin(); it != open_.end();) {
      if (now - it->second.opened >= options_.max_file_age) {
        if (absl::Status published = Publish(it->second); !published.ok())
          std::cerr << "request log: " << published.message() << std::endl;
        it = open_.erase(it);
      } else {
        ++it;
      }
    }
    // Files are closed (fsync) outside the lock: requests keep queueing meanwhile.
    if (stop || flush > flushed) {
      PublishAll();
      std::lock_guard<std::mutex> lock(mutex_);
      flushes_done_ = flush;
    }
    done_.notify_all();
    if (stop) return;
  }
}

absl::StatusOr<RequestLog::OpenFile*> RequestLog::FileFor(const std::string& model) {
  if (auto it = open_.find(model); it != open_.end()) return &it->second;
  const fs::path folder = options_.dir / FolderName(model);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return absl::InternalError(StrCat("cannot create ", folder.string(), ": ", ec.message()));
  const fs::path published =
      folder / StrCat(io::kRequestLogPrefix, UtcStamp(NowMicros()), "-", base::HostTag(), "-",
                      getpid(), "-", files_opened_++, io::kRequestLogSuffix);
  ASSIGN_OR_RETURN(base::OutputFile file, base::OutputFile::Create(InProgress(published)));
  auto [it, inserted] = open_.emplace(model, OpenFile{.file = std::move(file),
                                                      .published = published,
                                                      .opened = std::chrono::steady_clock::now()});
  return &it->second;
}

absl::Status RequestLog::Write(const Entry& entry) {
  const size_t rows = entry.raw.num_rows();
  if (entry.predictions.size() != rows * entry.width) {
    return absl::InternalError(StrCat("a request of ", rows, " rows came with ",
                                      entry.predictions.size(), " predictions, not ",
                                      rows * entry.width));
  }
  ASSIGN_OR_RETURN(OpenFile * open, FileFor(entry.model));
  // The request's columns and the log's own, encoded together: ExampleEncoder sorts by name.
  std::vector<data::Column> columns;
  for (const data::Column& column : entry.raw.columns()) {
    if (!io::IsLogField(column.name())) columns.push_back(column);
  }
  data::Column prediction(io::kLoggedPrediction, data::DataType::kFloat);
  data::Column version(io::kLoggedModelVersion, data::DataType::kInt64);
  data::Column time(io::kLoggedRequestTime, data::DataType::kInt64);
  for (size_t row = 0; row < rows; ++row) {
    for (int i = 0; i < entry.width; ++i)
      prediction.AddFloat(entry.predictions[row * entry.width + i]);
    prediction.FinishRow(data::Presence::kPresent);
    version.AddInt64(entry.version);
    version.FinishRow(data::Presence::kPresent);
    time.AddInt64(entry.time_micros);
    time.FinishRow(data::Presence::kPresent);
  }
  columns.push_back(std::move(prediction));
  columns.push_back(std::move(version));
  columns.push_back(std::move(time));
  const data::RecordBatch batch(std::move(columns));
  io::ExampleEncoder encoder(batch);
  std::string framed;
  for (size_t row = 0; row < rows; ++row) {
    const size_t start = io::BeginFramedRecord(&framed);
    encoder.Encode(row, &framed);
    io::FinishFramedRecord(start, &framed);
  }
  RETURN_IF_ERROR(open->file.Append(framed));
  reported_error_ = false;
  if (open->file.bytes_written() >= options_.max_file_bytes) {
    absl::Status published = Publish(*open);
    open_.erase(entry.model);
    return published;
  }
  return absl::OkStatus();
}

absl::Status RequestLog::Publish(OpenFile& open) {
  RETURN_IF_ERROR(open.file.Close());
  std::error_code ec;
  fs::rename(open.file.path(), open.published, ec);
  if (ec) {
    return absl::InternalError(
        StrCat("cannot publish ", open.published.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

void RequestLog::PublishAll() {
  for (auto& [model, open] : open_) {
    if (absl::Status published = Publish(open); !published.ok())
      std::cerr << "request log: " << published.message() << std::endl;
  }
  open_.clear();
}

}  // namespace weir::serving
