// TFRecord files: each record is framed as
//   uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)
// (little-endian), optionally inside a gzip stream. weir writes gzip as a series of gzip members,
// each compressed independently so that several threads can compress at once; gzip readers
// (zlib, Python's gzip, TensorFlow's ZlibInputStream) read concatenated members as one stream.
#ifndef WEIR_IO_TFRECORD_TFRECORD_H_
#define WEIR_IO_TFRECORD_TFRECORD_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "weir/base/files.h"

struct libdeflate_compressor;

namespace weir::io {

enum class Compression { kNone, kGzip };

// Appends `record`, framed, to `out`.
void AppendFramedRecord(std::string_view record, std::string* out);

// Framing in place, to encode a record straight into the output buffer: BeginFramedRecord
// reserves the header and returns the record's start; the caller appends the record's bytes;
// FinishFramedRecord fills in the header and appends the footer, and returns the record;
// AbandonFramedRecord removes the record and its header again.
size_t BeginFramedRecord(std::string* out);
std::string_view FinishFramedRecord(size_t start, std::string* out);
void AbandonFramedRecord(size_t start, std::string* out);

// Compresses whole buffers into gzip members with libdeflate. Not thread-safe: use one per
// thread. Levels 1 (fastest) to 12 (smallest).
class GzipCompressor {
 public:
  explicit GzipCompressor(int level = kDefaultLevel);
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;
  // Appends one complete gzip member holding `data` to `out`.
  void CompressMember(std::string_view data, std::string* out);
  // A compressor owned by the calling thread, for workers that compress in parallel.
  static GzipCompressor& ForThisThread(int level = kDefaultLevel);

  // libdeflate's fastest level. Serialized tf.Examples repeat every feature name in every record,
  // so they are ~4x the size of the CSV and compression dominates ExampleGen: on taxi-like
  // examples level 1 runs at ~480 MB/s per core with a 6.8x ratio, level 6 at ~160 MB/s with
  // 8.3x (bench/micro_bench, BM_GzipMember).
  static constexpr int kDefaultLevel = 1;

 private:
  libdeflate_compressor* compressor_;
};

// Writes records to one file. With kGzip, records are buffered and compressed one member per
// `member_bytes` of framed data. Not thread-safe.
class TfRecordWriter {
 public:
  static absl::StatusOr<TfRecordWriter> Create(const std::filesystem::path& path,
                                               Compression compression,
                                               int gzip_level = GzipCompressor::kDefaultLevel);
  TfRecordWriter(TfRecordWriter&&) noexcept;
  ~TfRecordWriter();

  absl::Status Write(std::string_view record);
  // Appends bytes that are already in the file's format: framed records for kNone, or complete
  // gzip members of framed records for kGzip (made by AppendFramedRecord + CompressMember on
  // another thread).
  absl::Status WriteEncoded(std::string_view bytes);
  // Flushes, fsyncs and closes.
  absl::Status Close();
  uint64_t records_written() const { return records_written_; }

 private:
  TfRecordWriter(base::OutputFile file, Compression compression, int level);
  absl::Status Flush();

  base::OutputFile file_;
  Compression compression_;
  std::unique_ptr<GzipCompressor> compressor_;
  std::string pending_;     // Framed records not yet written.
  std::string compressed_;  // Scratch for gzip members.
  uint64_t records_written_ = 0;
  static constexpr size_t kMemberBytes = 4 << 20;
};

// Reads records from one file, plain or gzip (detected from the file's first bytes). A corrupt or
// truncated record is a DataLoss error naming the file and the byte offset of the record in the
// (uncompressed) record stream; no partial record is ever returned.
class TfRecordReader {
 public:
  static absl::StatusOr<std::unique_ptr<TfRecordReader>> Open(const std::filesystem::path& path);
  virtual ~TfRecordReader() = default;

  // The next record, or std::nullopt at the end of the file. The view is valid until the next
  // call.
  absl::StatusOr<std::optional<std::string_view>> Next();
  Compression compression() const { return compression_; }
  const std::filesystem::path& path() const { return path_; }

 protected:
  TfRecordReader(std::filesystem::path path, Compression compression)
      : path_(std::move(path)), compression_(compression) {}
  // Appends up to `max_bytes` more of the uncompressed stream to `buffer`; returns the number of
  // bytes appended, 0 at the end of the stream.
  virtual absl::StatusOr<size_t> Fill(std::string* buffer, size_t max_bytes) = 0;

 private:
  // Ensures at least `n` unread bytes are buffered; false if the stream ends first.
  absl::StatusOr<bool> Ensure(size_t n);
  // "<file>: record at byte offset N", for error messages.
  std::string RecordLocation() const;

  std::filesystem::path path_;
  Compression compression_;
  std::string buffer_;
  size_t position_ = 0;         // Read position within buffer_.
  uint64_t stream_offset_ = 0;  // Offset of buffer_[position_] in the uncompressed stream.
};

// Reads every record of a file into memory (for tests and small files).
absl::StatusOr<std::vector<std::string>> ReadAllRecords(const std::filesystem::path& path);

}  // namespace weir::io

#endif  // WEIR_IO_TFRECORD_TFRECORD_H_
