#include "weir/components/example_gen/request_log_example_gen.h"

#include <algorithm>
#include <limits>
#include <set>

#include "weir/base/files.h"
#include "weir/base/hashing.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/example/example_files.h"
#include "weir/io/example/request_log_format.h"
#include "weir/io/tfrecord/tfrecord.h"

namespace weir::components {
namespace {

namespace fs = std::filesystem;

// The int64 values of a log field in `batch`, if it has the column.
void ForEachInt(const data::RecordBatch& batch, const char* field,
                const std::function<void(int64_t)>& visit) {
  const data::Column* column = batch.FindColumn(field);
  if (column == nullptr || column->type() != data::DataType::kInt64) return;
  for (int64_t value : column->int64_values()) visit(value);
}

}  // namespace

absl::StatusOr<std::vector<fs::path>> ListRequestLogs(const fs::path& log_dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  // Not there yet: the server has logged nothing for the model (a pipeline's first runs train
  // the model the server is to serve).
  if (!fs::exists(log_dir, ec)) return files;
  if (!fs::is_directory(log_dir, ec)) {
    return absl::InvalidArgumentError(StrCat("the request log folder ", log_dir.string(),
                                             " is not a folder (weir serve --request_log DIR "
                                             "writes DIR/<model name>/)"));
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(log_dir, ec)) {
    if (entry.is_regular_file() && io::IsRequestLogFile(entry.path().filename().string()))
      files.push_back(entry.path());
  }
  if (ec) return absl::InternalError(StrCat("cannot list ", log_dir.string(), ": ", ec.message()));
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<std::string> RequestLogFingerprint(const fs::path& log_dir) {
  ASSIGN_OR_RETURN(std::vector<fs::path> files, ListRequestLogs(log_dir));
  uint64_t total_bytes = 0;
  std::string names;
  for (const fs::path& file : files) {
    std::error_code ec;
    const uint64_t size = fs::file_size(file, ec);
    if (ec) return absl::InternalError(StrCat("cannot read ", file.string(), ": ", ec.message()));
    total_bytes += size;
    names += StrCat(file.filename().string(), ":", size, "\n");
  }
  return StrCat("log_files:", files.size(), ",total_bytes:", total_bytes,
                ",names:", base::Xxh3(names));
}

absl::StatusOr<RequestLogExampleGenResult> RunRequestLogExampleGen(
    const RequestLogExampleGenOptions& options) {
  if (options.log_dir.empty()) return absl::InvalidArgumentError("--log_dir is required");
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");
  if (options.split.empty()) return absl::InvalidArgumentError("the split needs a name");
  RequestLogExampleGenResult result;
  ASSIGN_OR_RETURN(result.files, ListRequestLogs(options.log_dir));

  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  const fs::path split_dir = SplitDir(staging.path(), options.split);
  std::error_code ec;
  fs::create_directories(split_dir, ec);
  if (ec)
    return absl::InternalError(StrCat("cannot create ", split_dir.string(), ": ", ec.message()));
  ASSIGN_OR_RETURN(io::TfRecordWriter writer,
                   io::TfRecordWriter::Create(split_dir / "data_tfrecord-00000-of-00001.gz",
                                              io::Compression::kGzip));
  int64_t first_time = std::numeric_limits<int64_t>::max();
  int64_t last_time = std::numeric_limits<int64_t>::min();
  std::set<int64_t> versions;
  io::ExampleBlockReader reader(result.files);
  std::string record;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<io::ExampleBlock> block, reader.Next());
    if (!block) break;
    ASSIGN_OR_RETURN(data::RecordBatch logged, block->Decode());
    ForEachInt(logged, io::kLoggedRequestTime, [&](int64_t micros) {
      first_time = std::min(first_time, micros);
      last_time = std::max(last_time, micros);
    });
    ForEachInt(logged, io::kLoggedModelVersion, [&](int64_t version) { versions.insert(version); });
    const size_t rows = logged.num_rows();  // Before its columns move.
    std::vector<data::Column> kept;
    for (size_t i = 0; i < logged.num_columns(); ++i) {
      if (options.keep_log_fields || !io::IsLogField(logged.column(i).name()))
        kept.push_back(std::move(logged.mutable_column(i)));
    }
    const data::RecordBatch examples(std::move(kept));
    io::ExampleEncoder encoder(examples);
    for (size_t row = 0; row < rows; ++row) {
      record.clear();
      encoder.Encode(row, &record);
      RETURN_IF_ERROR(writer.Write(record));
    }
    result.examples += rows;
  }
  RETURN_IF_ERROR(writer.Close());
  RETURN_IF_ERROR(staging.Publish());

  result.properties["split_names"] = EncodeSplitNames({options.split});
  result.properties["payload_format"] = std::string("FORMAT_TF_EXAMPLE");
  result.properties["file_format"] = std::string("tfrecords_gzip");
  result.properties["log_files"] = static_cast<int64_t>(result.files.size());
  if (result.examples > 0 && first_time <= last_time) {
    result.properties["first_request_time"] = first_time;
    result.properties["last_request_time"] = last_time;
  }
  if (!versions.empty()) {
    std::string list;
    for (int64_t version : versions) list += StrCat(list.empty() ? "[" : ", ", version);
    result.properties["model_versions"] = list + "]";
  }
  return result;
}

}  // namespace weir::components
