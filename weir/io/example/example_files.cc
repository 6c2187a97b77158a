#include "weir/io/example/example_files.h"

#include <algorithm>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/example/example_codec.h"

namespace weir::io {
namespace fs = std::filesystem;

absl::StatusOr<data::RecordBatch> ExampleBlock::Decode() const {
  ExampleBatchBuilder builder;
  size_t begin = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    absl::Status status = builder.Add(std::string_view(bytes).substr(begin, ends[i] - begin));
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          StrCat(file, ": record ", first_record + i, ": ", status.message()));
    }
    begin = ends[i];
  }
  return builder.Finish();
}

absl::StatusOr<std::optional<ExampleBlock>> ExampleBlockReader::Next() {
  ExampleBlock block;
  while (block.ends.size() < kExamplesPerBlock) {
    if (reader_ == nullptr) {
      if (next_file_ == files_.size()) break;
      ASSIGN_OR_RETURN(reader_, TfRecordReader::Open(files_[next_file_++]));
      record_index_ = 0;
    }
    ASSIGN_OR_RETURN(std::optional<std::string_view> record, reader_->Next());
    if (!record) {
      reader_.reset();
      if (!block.ends.empty()) break;  // A block never spans two files.
      continue;
    }
    if (block.ends.empty()) {
      block.file = reader_->path().string();
      block.first_record = record_index_;
    }
    ++record_index_;
    block.bytes.append(*record);
    block.ends.push_back(block.bytes.size());
  }
  if (block.ends.empty()) return std::optional<ExampleBlock>();
  return std::optional<ExampleBlock>(std::move(block));
}

absl::StatusOr<std::vector<fs::path>> ExampleFiles(const fs::path& split_dir) {
  ASSIGN_OR_RETURN(std::vector<fs::path> files, base::Glob((split_dir / "*").string()));
  if (files.empty()) return absl::NotFoundError(StrCat(split_dir.string(), " holds no files"));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace weir::io
