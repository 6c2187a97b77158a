#include "weir/components/statistics_gen/statistics_gen.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

#include "weir/base/files.h"
#include "weir/base/parallel.h"
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
  std::string file;        // For error messages: the file of the first record.
  uint64_t first_record = 0;
};

// Accumulators for the threads of one run; a worker borrows one for each block it handles.
class AccumulatorPool {
 public:
  stats::DatasetAccumulator* Borrow() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) {
      all_.push_back(std::make_unique<stats::DatasetAccumulator>());
      return all_.back().get();
    }
    stats::DatasetAccumulator* accumulator = free_.back();
    free_.pop_back();
    return accumulator;
  }
  void Return(stats::DatasetAccumulator* accumulator) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(accumulator);
  }
  // Merges every accumulator, in creation order.
  absl::StatusOr<stats::DatasetAccumulator> Merge() {
    stats::DatasetAccumulator merged;
    for (const auto& accumulator : all_) RETURN_IF_ERROR(merged.Merge(*accumulator));
    return merged;
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<stats::DatasetAccumulator>> all_;
  std::vector<stats::DatasetAccumulator*> free_;
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

absl::StatusOr<tfmd::DatasetFeatureStatistics> ComputeExamplesStatistics(
    const fs::path& split_dir, const std::string& name, const stats::StatsOptions& options, int num_threads) {
  ASSIGN_OR_RETURN(std::vector<fs::path> files, base::Glob((split_dir / "*").string()));
  if (files.empty()) return absl::NotFoundError(StrCat(split_dir.string(), " holds no files"));
  size_t file_index = 0;
  std::unique_ptr<io::TfRecordReader> reader;
  uint64_t record_index = 0;
  AccumulatorPool pool;
  int threads = num_threads > 0 ? num_threads : base::DefaultThreadCount();
  RETURN_IF_ERROR((base::RunOrderedPipeline<RecordBlock, bool>(
      threads, 2 * static_cast<size_t>(threads) + 1,
      [&]() -> absl::StatusOr<std::optional<RecordBlock>> {
        RecordBlock block;
        while (block.ends.size() < kRecordsPerBlock) {
          if (!reader) {
            if (file_index == files.size()) break;
            ASSIGN_OR_RETURN(reader, io::TfRecordReader::Open(files[file_index++]));
            record_index = 0;
          }
          ASSIGN_OR_RETURN(std::optional<std::string_view> record, reader->Next());
          if (!record) {
            reader.reset();
            continue;
          }
          if (block.ends.empty()) {
            block.file = reader->path().string();
            block.first_record = record_index;
          }
          ++record_index;
          block.bytes.append(*record);
          block.ends.push_back(block.bytes.size());
        }
        if (block.ends.empty()) return std::optional<RecordBlock>();
        return std::optional<RecordBlock>(std::move(block));
      },
      [&](RecordBlock&& block) -> absl::StatusOr<bool> {
        io::ExampleBatchBuilder builder;
        size_t begin = 0;
        for (size_t i = 0; i < block.ends.size(); ++i) {
          absl::Status status = builder.Add(std::string_view(block.bytes).substr(begin, block.ends[i] - begin));
          if (!status.ok()) {
            return absl::InvalidArgumentError(StrCat(block.file, ": record ", block.first_record + i, ": ",
                                                     status.message()));
          }
          begin = block.ends[i];
        }
        stats::DatasetAccumulator* accumulator = pool.Borrow();
        absl::Status status = accumulator->Add(builder.Finish());
        pool.Return(accumulator);
        if (!status.ok()) return absl::InvalidArgumentError(StrCat(split_dir.string(), ": ", status.message()));
        return true;
      },
      [](bool&&) { return absl::OkStatus(); })));
  ASSIGN_OR_RETURN(stats::DatasetAccumulator merged, pool.Merge());
  return merged.ToProto(name, options);
}

absl::StatusOr<tfmd::DatasetFeatureStatistics> ComputeCsvStatistics(const std::vector<fs::path>& files,
                                                                     const std::string& name,
                                                                     const io::CsvOptions& csv,
                                                                     const stats::StatsOptions& options) {
  std::unique_ptr<AccumulatorPool> pool = std::make_unique<AccumulatorPool>();
  ASSIGN_OR_RETURN(io::CsvSchema schema,
                   io::WithInferredCsvTypes(
                       files, csv,
                       [&](const io::CsvSchema& schema) {
                         return io::ForEachCsvChunk<bool>(
                             files, csv,
                             [&](io::CsvChunk&& chunk) -> absl::StatusOr<bool> {
                               ASSIGN_OR_RETURN(io::CsvParsedChunk parsed, io::ParseChunk(std::move(chunk), schema, csv));
                               stats::DatasetAccumulator* accumulator = pool->Borrow();
                               absl::Status status = accumulator->Add(parsed.batch);
                               pool->Return(accumulator);
                               if (!status.ok()) return status;
                               return true;
                             },
                             [](bool&&) { return absl::OkStatus(); });
                       },
                       [&] { pool = std::make_unique<AccumulatorPool>(); }));
  ASSIGN_OR_RETURN(stats::DatasetAccumulator merged, pool->Merge());
  return merged.ToProto(name, options);
}

absl::StatusOr<tfmd::DatasetFeatureStatisticsList> ReadStatisticsFile(const fs::path& file) {
  ASSIGN_OR_RETURN(std::string bytes, base::ReadFile(file));
  tfmd::DatasetFeatureStatisticsList stats;
  if (!stats.ParseFromString(bytes)) {
    return absl::DataLossError(StrCat(file.string(), " is not a binary DatasetFeatureStatisticsList"));
  }
  return stats;
}

absl::Status WriteStatisticsFile(const fs::path& file, const tfmd::DatasetFeatureStatisticsList& stats) {
  return base::WriteFileAtomically(file, stats.SerializeAsString());
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
      return absl::NotFoundError(StrCat("split '", split, "': ", split_dir.string(), " is not a folder"));
    }
    ASSIGN_OR_RETURN(tfmd::DatasetFeatureStatistics dataset,
                     ComputeExamplesStatistics(split_dir, split, options.stats, options.num_threads));
    result.examples_per_split.push_back(dataset.num_examples());
    tfmd::DatasetFeatureStatisticsList list;
    *list.add_datasets() = std::move(dataset);
    fs::path out_dir = staging.path() / StrCat("Split-", split);
    fs::create_directories(out_dir, ec);
    if (ec) return absl::InternalError(StrCat("cannot create ", out_dir.string(), ": ", ec.message()));
    RETURN_IF_ERROR(WriteStatisticsFile(out_dir / kStatisticsFileName, list));
  }
  RETURN_IF_ERROR(staging.Publish());
  result.properties["split_names"] = EncodeSplitNames(result.split_names);
  return result;
}

}  // namespace weir::components
