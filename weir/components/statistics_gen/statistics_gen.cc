#include "weir/components/statistics_gen/statistics_gen.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "weir/base/files.h"
#include "weir/base/parallel.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/csv/csv_reader.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/tfrecord/tfrecord.h"

namespace weir::components {
namespace fs = std::filesystem;

namespace {

constexpr size_t kRecordsPerBlock = 4096;

// Serialized examples read from the files, handed to a worker to decode and accumulate.
struct RecordBlock {
  std::string bytes;
  std::vector<size_t> ends;
  std::string file;  // For error messages: the file of the first record.
  uint64_t first_record = 0;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> ListSplits(const fs::path& artifact) {
  std::error_code ec;
  if (!fs::is_directory(artifact, ec)) {
    return absl::NotFoundError(StrCat(artifact.string(), " is not a folder"));
  }
  std::vector<std::string> splits;
  for (const auto& entry : fs::directory_iterator(artifact, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("Split-", 0) == 0) splits.push_back(name.substr(6));
  }
  std::sort(splits.begin(), splits.end());
  if (splits.empty()) {
    return absl::NotFoundError(StrCat(artifact.string(), " has no Split-<name> folders"));
  }
  return splits;
}

namespace {

// Decodes serialized examples and adds them to `accumulator`; errors name the record.
absl::Status AccumulateRecords(std::string_view bytes, const std::vector<size_t>& ends,
                               const std::string& file, uint64_t first_record,
                               stats::DatasetAccumulator* accumulator) {
  io::ExampleBatchBuilder builder;
  size_t begin = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    absl::Status status = builder.Add(bytes.substr(begin, ends[i] - begin));
    if (!status.ok())
      return absl::InvalidArgumentError(
          StrCat(file, ": record ", first_record + i, ": ", status.message()));
    begin = ends[i];
  }
  absl::Status status = accumulator->Add(builder.Finish());
  if (!status.ok()) return absl::InvalidArgumentError(StrCat(file, ": ", status.message()));
  return absl::OkStatus();
}

// Reads records of `reader` into `block` until it holds kRecordsPerBlock or the file ends.
absl::Status FillBlock(io::TfRecordReader& reader, uint64_t* record_index, RecordBlock* block,
                       bool* file_done) {
  *file_done = false;
  while (block->ends.size() < kRecordsPerBlock) {
    ASSIGN_OR_RETURN(std::optional<std::string_view> record, reader.Next());
    if (!record) {
      *file_done = true;
      break;
    }
    if (block->ends.empty()) {
      block->file = reader.path().string();
      block->first_record = *record_index;
    }
    ++*record_index;
    block->bytes.append(*record);
    block->ends.push_back(block->bytes.size());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<tfmd::DatasetFeatureStatistics> ComputeExamplesStatistics(
    const fs::path& split_dir, const std::string& name, const stats::StatsOptions& options,
    int num_threads) {
  ASSIGN_OR_RETURN(std::vector<fs::path> files, base::Glob((split_dir / "*").string()));
  if (files.empty()) return absl::NotFoundError(StrCat(split_dir.string(), " holds no files"));
  // Each file (or block of records) gets its own accumulator; they are merged in file order, so
  // the result does not depend on which thread handled what.
  stats::DatasetAccumulator total;
  auto merge = [&](stats::DatasetAccumulator&& part) { return total.Merge(part); };
  const int threads = num_threads > 0 ? num_threads : base::DefaultThreadCount();
  if (files.size() >= 2) {
    // Several shards: each thread reads whole files, so decompression runs in parallel too.
    size_t next_file = 0;
    RETURN_IF_ERROR((base::RunOrderedPipeline<fs::path, stats::DatasetAccumulator>(
        threads, static_cast<size_t>(threads),
        [&]() -> absl::StatusOr<std::optional<fs::path>> {
          if (next_file == files.size()) return std::optional<fs::path>();
          return std::optional<fs::path>(files[next_file++]);
        },
        [&](fs::path&& file) -> absl::StatusOr<stats::DatasetAccumulator> {
          ASSIGN_OR_RETURN(std::unique_ptr<io::TfRecordReader> reader,
                           io::TfRecordReader::Open(file));
          stats::DatasetAccumulator accumulator;
          uint64_t record_index = 0;
          bool done = false;
          while (!done) {
            RecordBlock block;
            RETURN_IF_ERROR(FillBlock(*reader, &record_index, &block, &done));
            if (!block.ends.empty()) {
              RETURN_IF_ERROR(AccumulateRecords(block.bytes, block.ends, block.file,
                                                block.first_record, &accumulator));
            }
          }
          return accumulator;
        },
        merge)));
  } else {
    // One file: one thread reads and decompresses blocks of records, all threads decode them.
    ASSIGN_OR_RETURN(std::unique_ptr<io::TfRecordReader> reader,
                     io::TfRecordReader::Open(files.front()));
    uint64_t record_index = 0;
    bool done = false;
    RETURN_IF_ERROR((base::RunOrderedPipeline<RecordBlock, stats::DatasetAccumulator>(
        threads, 2 * static_cast<size_t>(threads) + 1,
        [&]() -> absl::StatusOr<std::optional<RecordBlock>> {
          RecordBlock block;
          if (!done) RETURN_IF_ERROR(FillBlock(*reader, &record_index, &block, &done));
          if (block.ends.empty()) return std::optional<RecordBlock>();
          return std::optional<RecordBlock>(std::move(block));
        },
        [&](RecordBlock&& block) -> absl::StatusOr<stats::DatasetAccumulator> {
          stats::DatasetAccumulator accumulator;
          RETURN_IF_ERROR(AccumulateRecords(block.bytes, block.ends, block.file, block.first_record,
                                            &accumulator));
          return accumulator;
        },
        merge)));
  }
  return total.ToProto(name, options);
}

absl::StatusOr<tfmd::DatasetFeatureStatistics> ComputeCsvStatistics(
    const std::vector<fs::path>& files, const std::string& name, const io::CsvOptions& csv,
    const stats::StatsOptions& options) {
  stats::DatasetAccumulator total;
  RETURN_IF_ERROR(io::WithInferredCsvTypes(
                      files, csv,
                      [&](const io::CsvSchema& schema) {
                        // One accumulator per chunk, merged in file order: deterministic.
                        return io::ForEachCsvChunk<stats::DatasetAccumulator>(
                            files, csv,
                            [&](io::CsvChunk&& chunk) -> absl::StatusOr<stats::DatasetAccumulator> {
                              ASSIGN_OR_RETURN(io::CsvParsedChunk parsed,
                                               io::ParseChunk(std::move(chunk), schema, csv));
                              stats::DatasetAccumulator accumulator;
                              RETURN_IF_ERROR(accumulator.Add(parsed.batch));
                              return accumulator;
                            },
                            [&](stats::DatasetAccumulator&& part) { return total.Merge(part); });
                      },
                      [&] { total = stats::DatasetAccumulator(); })
                      .status());
  return total.ToProto(name, options);
}

absl::StatusOr<tfmd::DatasetFeatureStatisticsList> ReadStatisticsFile(const fs::path& file) {
  tfmd::DatasetFeatureStatisticsList stats;
  RETURN_IF_ERROR(base::ReadBinaryProto(file, &stats));
  return stats;
}

absl::Status WriteStatisticsFile(const fs::path& file,
                                 const tfmd::DatasetFeatureStatisticsList& stats) {
  return base::WriteBinaryProto(file, stats);
}

absl::StatusOr<StatisticsGenResult> RunStatisticsGen(const StatisticsGenOptions& options) {
  if (options.examples.empty()) return absl::InvalidArgumentError("--examples is required");
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");
  StatisticsGenResult result;
  if (options.splits.empty()) {
    ASSIGN_OR_RETURN(result.split_names, ListSplits(options.examples));
  } else {
    result.split_names = options.splits;
  }
  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  for (const std::string& split : result.split_names) {
    fs::path split_dir = options.examples / StrCat("Split-", split);
    std::error_code ec;
    if (!fs::is_directory(split_dir, ec)) {
      return absl::NotFoundError(
          StrCat("split '", split, "': ", split_dir.string(), " is not a folder"));
    }
    ASSIGN_OR_RETURN(
        tfmd::DatasetFeatureStatistics dataset,
        ComputeExamplesStatistics(split_dir, split, options.stats, options.num_threads));
    result.examples_per_split.push_back(dataset.num_examples());
    tfmd::DatasetFeatureStatisticsList list;
    *list.add_datasets() = std::move(dataset);
    fs::path out_dir = staging.path() / StrCat("Split-", split);
    fs::create_directories(out_dir, ec);
    if (ec)
      return absl::InternalError(StrCat("cannot create ", out_dir.string(), ": ", ec.message()));
    RETURN_IF_ERROR(WriteStatisticsFile(out_dir / kStatisticsFileName, list));
  }
  RETURN_IF_ERROR(staging.Publish());
  result.properties["split_names"] = EncodeSplitNames(result.split_names);
  return result;
}

}  // namespace weir::components
