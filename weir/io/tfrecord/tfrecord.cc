#include "weir/io/tfrecord/tfrecord.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "weir/base/coding.h"
#include "weir/base/hashing.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::io {
namespace fs = std::filesystem;

namespace {

constexpr size_t kHeaderBytes = 12;  // uint64 length + uint32 masked crc of the length.
constexpr size_t kFooterBytes = 4;   // uint32 masked crc of the data.
constexpr size_t kReadChunk = 1 << 20;

class PlainReader : public TfRecordReader {
 public:
  PlainReader(fs::path path, int fd)
      : TfRecordReader(std::move(path), Compression::kNone), fd_(fd) {}
  ~PlainReader() override { ::close(fd_); }

 protected:
  absl::StatusOr<size_t> Fill(std::string* buffer, size_t max_bytes) override {
    size_t old_size = buffer->size();
    buffer->resize(old_size + max_bytes);
    while (true) {
      ssize_t n = ::read(fd_, buffer->data() + old_size, max_bytes);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        buffer->resize(old_size);
        return absl::InternalError(
            weir::StrCat("cannot read ", path().string(), ": ", std::strerror(errno)));
      }
      buffer->resize(old_size + static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
};

// Inflates a gzip file made of one or more members.
class GzipReader : public TfRecordReader {
 public:
  GzipReader(fs::path path, int fd) : TfRecordReader(std::move(path), Compression::kGzip), fd_(fd) {
    std::memset(&stream_, 0, sizeof(stream_));
    inflateInit2(&stream_, 16 + MAX_WBITS);
    SkipGzipChecksum();
  }
  ~GzipReader() override {
    inflateEnd(&stream_);
    ::close(fd_);
  }

 protected:
  absl::StatusOr<size_t> Fill(std::string* buffer, size_t max_bytes) override {
    size_t old_size = buffer->size();
    buffer->resize(old_size + max_bytes);
    stream_.next_out = reinterpret_cast<Bytef*>(buffer->data() + old_size);
    stream_.avail_out = static_cast<uInt>(max_bytes);
    while (stream_.avail_out > 0) {
      if (stream_.avail_in == 0) {
        if (input_done_) break;
        input_.resize(kReadChunk);
        ssize_t n;
        do {
          n = ::read(fd_, input_.data(), input_.size());
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
          buffer->resize(old_size);
          return absl::InternalError(
              weir::StrCat("cannot read ", path().string(), ": ", std::strerror(errno)));
        }
        compressed_offset_ += static_cast<uint64_t>(n);
        if (n == 0) {
          input_done_ = true;
          if (!member_ended_) {
            buffer->resize(old_size);
            return absl::DataLossError(weir::StrCat(path().string(),
                                                    ": gzip stream is truncated (file ends after ",
                                                    compressed_offset_, " compressed bytes)"));
          }
          break;
        }
        stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
        stream_.avail_in = static_cast<uInt>(n);
      }
      member_ended_ = false;
      int rc = inflate(&stream_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        // Another gzip member may follow.
        member_ended_ = true;
        inflateReset(&stream_);
        SkipGzipChecksum();
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        buffer->resize(old_size);
        return absl::DataLossError(weir::StrCat(
            path().string(), ": corrupt gzip data near compressed byte ",
            compressed_offset_ - stream_.avail_in, ": ", stream_.msg ? stream_.msg : zError(rc)));
      }
    }
    size_t produced = max_bytes - stream_.avail_out;
    buffer->resize(old_size + produced);
    return produced;
  }

 private:
  // zlib's CRC-32 of the inflated bytes was a tenth of reading Examples, and it is redundant here:
  // every byte of a TFRecord file is covered by its records' CRC-32C checksums, which are checked.
  void SkipGzipChecksum() { inflateValidate(&stream_, 0); }

  int fd_;
  z_stream stream_;
  std::string input_;
  uint64_t compressed_offset_ = 0;
  bool input_done_ = false;
  bool member_ended_ = true;  // An empty file is an empty stream.
};

}  // namespace

void AppendFramedRecord(std::string_view record, std::string* out) {
  char length[8];
  base::EncodeFixed<uint64_t>(length, record.size());
  out->append(length, 8);
  base::PutFixed<uint32_t>(out, base::MaskCrc32c(base::Crc32c(std::string_view(length, 8))));
  out->append(record);
  base::PutFixed<uint32_t>(out, base::MaskCrc32c(base::Crc32c(record)));
}

size_t BeginFramedRecord(std::string* out) {
  out->append(kHeaderBytes, '\0');
  return out->size();
}

std::string_view FinishFramedRecord(size_t start, std::string* out) {
  const uint64_t size = out->size() - start;
  char* header = out->data() + start - kHeaderBytes;
  base::EncodeFixed<uint64_t>(header, size);
  base::EncodeFixed<uint32_t>(header + 8,
                              base::MaskCrc32c(base::Crc32c(std::string_view(header, 8))));
  base::PutFixed<uint32_t>(
      out, base::MaskCrc32c(base::Crc32c(std::string_view(out->data() + start, size))));
  return std::string_view(out->data() + start, size);
}

void AbandonFramedRecord(size_t start, std::string* out) { out->resize(start - kHeaderBytes); }

GzipCompressor::GzipCompressor(int level) : compressor_(libdeflate_alloc_compressor(level)) {}

GzipCompressor& GzipCompressor::ForThisThread(int level) {
  thread_local std::unique_ptr<GzipCompressor> compressor;
  thread_local int compressor_level = 0;
  if (!compressor || compressor_level != level) {
    compressor = std::make_unique<GzipCompressor>(level);
    compressor_level = level;
  }
  return *compressor;
}

GzipCompressor::~GzipCompressor() { libdeflate_free_compressor(compressor_); }

void GzipCompressor::CompressMember(std::string_view data, std::string* out) {
  size_t bound = libdeflate_gzip_compress_bound(compressor_, data.size());
  size_t old_size = out->size();
  out->resize(old_size + bound);
  size_t written = libdeflate_gzip_compress(compressor_, data.data(), data.size(),
                                            out->data() + old_size, bound);
  out->resize(old_size + written);
}

TfRecordWriter::TfRecordWriter(base::OutputFile file, Compression compression, int level)
    : file_(std::move(file)), compression_(compression) {
  if (compression_ == Compression::kGzip) compressor_ = std::make_unique<GzipCompressor>(level);
}

TfRecordWriter::TfRecordWriter(TfRecordWriter&&) noexcept = default;
TfRecordWriter::~TfRecordWriter() = default;

absl::StatusOr<TfRecordWriter> TfRecordWriter::Create(const fs::path& path, Compression compression,
                                                      int gzip_level) {
  ASSIGN_OR_RETURN(base::OutputFile file, base::OutputFile::Create(path));
  return TfRecordWriter(std::move(file), compression, gzip_level);
}

absl::Status TfRecordWriter::Write(std::string_view record) {
  AppendFramedRecord(record, &pending_);
  ++records_written_;
  if (pending_.size() >= kMemberBytes) return Flush();
  return absl::OkStatus();
}

absl::Status TfRecordWriter::WriteEncoded(std::string_view bytes) {
  RETURN_IF_ERROR(Flush());
  return file_.Append(bytes);
}

absl::Status TfRecordWriter::Flush() {
  if (pending_.empty()) return absl::OkStatus();
  absl::Status status;
  if (compression_ == Compression::kGzip) {
    compressed_.clear();
    compressor_->CompressMember(pending_, &compressed_);
    status = file_.Append(compressed_);
  } else {
    status = file_.Append(pending_);
  }
  pending_.clear();
  return status;
}

absl::Status TfRecordWriter::Close() {
  RETURN_IF_ERROR(Flush());
  return file_.Close();
}

absl::StatusOr<std::unique_ptr<TfRecordReader>> TfRecordReader::Open(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string message = weir::StrCat("cannot open ", path.string(), ": ", std::strerror(errno));
    return errno == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  }
  unsigned char magic[2] = {0, 0};
  ssize_t n = ::pread(fd, magic, 2, 0);
  if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    return std::unique_ptr<TfRecordReader>(new GzipReader(path, fd));
  }
  return std::unique_ptr<TfRecordReader>(new PlainReader(path, fd));
}

absl::StatusOr<bool> TfRecordReader::Ensure(size_t n) {
  if (buffer_.size() - position_ >= n) return true;
  // Compact, then fill until enough bytes are buffered or the stream ends.
  buffer_.erase(0, position_);
  position_ = 0;
  while (buffer_.size() < n) {
    ASSIGN_OR_RETURN(size_t added, Fill(&buffer_, std::max(kReadChunk, n - buffer_.size())));
    if (added == 0) return false;
  }
  return true;
}

std::string TfRecordReader::RecordLocation() const {
  return weir::StrCat(path_.string(), ": record at byte offset ", stream_offset_,
                      compression_ == Compression::kGzip ? " of the uncompressed stream" : "");
}

absl::StatusOr<std::optional<std::string_view>> TfRecordReader::Next() {
  ASSIGN_OR_RETURN(bool have_header, Ensure(kHeaderBytes));
  if (!have_header) {
    if (buffer_.size() == position_) return std::optional<std::string_view>();
    return absl::DataLossError(weir::StrCat(RecordLocation(), ": truncated record header: ",
                                            buffer_.size() - position_, " of 12 bytes present"));
  }
  const char* header = buffer_.data() + position_;
  uint64_t length = base::DecodeFixed<uint64_t>(header);
  uint32_t length_crc = base::DecodeFixed<uint32_t>(header + 8);
  if (base::MaskCrc32c(base::Crc32c(std::string_view(header, 8))) != length_crc) {
    return absl::DataLossError(
        weir::StrCat(RecordLocation(), ": corrupt record: length checksum mismatch"));
  }
  if (length > (uint64_t{1} << 40)) {
    return absl::DataLossError(
        weir::StrCat(RecordLocation(), ": corrupt record: implausible length ", length));
  }
  size_t total = kHeaderBytes + static_cast<size_t>(length) + kFooterBytes;
  ASSIGN_OR_RETURN(bool have_record, Ensure(total));
  if (!have_record) {
    return absl::DataLossError(weir::StrCat(RecordLocation(), ": truncated record: expected ",
                                            total, " bytes, found ", buffer_.size() - position_));
  }
  const char* data = buffer_.data() + position_ + kHeaderBytes;
  std::string_view record(data, static_cast<size_t>(length));
  if (base::MaskCrc32c(base::Crc32c(record)) != base::DecodeFixed<uint32_t>(data + length)) {
    return absl::DataLossError(
        weir::StrCat(RecordLocation(), ": corrupt record: data checksum mismatch"));
  }
  position_ += total;
  stream_offset_ += total;
  return std::optional<std::string_view>(record);
}

absl::StatusOr<std::vector<std::string>> ReadAllRecords(const fs::path& path) {
  ASSIGN_OR_RETURN(auto reader, TfRecordReader::Open(path));
  std::vector<std::string> records;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<std::string_view> record, reader->Next());
    if (!record) break;
    records.emplace_back(*record);
  }
  return records;
}

}  // namespace weir::io
