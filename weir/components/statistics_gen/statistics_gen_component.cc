#include "weir/components/statistics_gen/statistics_gen_component.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include "weir/base/bytes.h"
#include "weir/base/files.h"
#include "weir/base/parallel.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/csv/csv_reader.h"
#include "weir/io/example/example_files.h"
#include "weir/io/tfrecord/tfrecord.h"
#include "weir/stats/dataset_statistics.h"

namespace weir::components {
namespace fs = std::filesystem;

absl::StatusOr<tfmd::DatasetFeatureStatisticsList> ReadStatisticsFile(const fs::path& file) {
  tfmd::DatasetFeatureStatisticsList stats;
  RETURN_IF_ERROR(base::ReadBinaryProto(file, &stats));
  return stats;
}

absl::StatusOr<std::vector<SplitStatistics>> ReadStatisticsArtifact(const fs::path& path) {
  ASSIGN_OR_RETURN(std::vector<SplitFile> files,
                   ResolveSplitFiles(path, /*split=*/"", kStatisticsFileName));
  std::vector<SplitStatistics> out;
  for (SplitFile& file : files) {
    ASSIGN_OR_RETURN(tfmd::DatasetFeatureStatisticsList list, ReadStatisticsFile(file.file));
    if (list.datasets_size() != 1) {
      return absl::InvalidArgumentError(StrCat(file.file.string(), " holds ", list.datasets_size(),
                                               " datasets; expected the statistics of one split"));
    }
    out.push_back(
        {std::move(file.split), std::move(file.file), std::move(*list.mutable_datasets(0))});
  }
  return out;
}

absl::Status WriteStatisticsFile(const fs::path& file,
                                 const tfmd::DatasetFeatureStatisticsList& stats) {
  return base::WriteBinaryProto(file, stats);
}

namespace {

// Where a shard keeps its part of one split: the accumulators of its files, one record each.
constexpr char kShardPartFile[] = "accumulators.tfrecord";

struct SplitInput {
  std::string name;
  std::vector<fs::path> files;
};

// The splits to describe, each with its example files (of every artifact, in order).
absl::StatusOr<std::vector<SplitInput>> SplitInputs(const StatisticsGenOptions& options) {
  if (options.examples.empty()) return absl::InvalidArgumentError("--examples is required");
  std::vector<std::string> names = options.splits;
  if (names.empty()) {
    ASSIGN_OR_RETURN(names, ListCommonSplits(options.examples));
  }
  std::vector<SplitInput> splits;
  for (std::string& name : names) {
    std::error_code ec;
    for (const fs::path& examples : options.examples) {
      const fs::path split_dir = SplitDir(examples, name);
      if (!fs::is_directory(split_dir, ec)) {
        return absl::NotFoundError(
            StrCat("split '", name, "': ", split_dir.string(), " is not a folder"));
      }
    }
    ASSIGN_OR_RETURN(std::vector<fs::path> files, SplitExampleFiles(options.examples, name));
    splits.push_back({std::move(name), std::move(files)});
  }
  return splits;
}

// Writes the statistics artifact, one FeatureStats.pb per split, from each split's merged
// accumulator (`accumulate` fills it), published at once.
absl::StatusOr<StatisticsGenResult> WriteStatisticsArtifact(
    const StatisticsGenOptions& options, const std::vector<SplitInput>& splits,
    const std::function<absl::Status(size_t split, stats::DatasetAccumulator& total)>& accumulate) {
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");
  StatisticsGenResult result;
  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  for (size_t s = 0; s < splits.size(); ++s) {
    stats::DatasetAccumulator total;
    RETURN_IF_ERROR(accumulate(s, total));
    tfmd::DatasetFeatureStatisticsList list;
    *list.add_datasets() = total.ToProto(splits[s].name, options.stats);
    result.split_names.push_back(splits[s].name);
    result.examples_per_split.push_back(total.num_examples());
    const fs::path out_dir = SplitDir(staging.path(), splits[s].name);
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec)
      return absl::InternalError(StrCat("cannot create ", out_dir.string(), ": ", ec.message()));
    RETURN_IF_ERROR(WriteStatisticsFile(out_dir / kStatisticsFileName, list));
  }
  RETURN_IF_ERROR(staging.Publish());
  result.properties["split_names"] = EncodeSplitNames(result.split_names);
  return result;
}

}  // namespace

absl::StatusOr<StatisticsGenResult> RunStatisticsGen(const StatisticsGenOptions& options) {
  ASSIGN_OR_RETURN(const std::vector<SplitInput> splits, SplitInputs(options));
  return WriteStatisticsArtifact(options, splits, [&](size_t s, stats::DatasetAccumulator& total) {
    const std::vector<fs::path>& files = splits[s].files;
    return stats::AccumulateExamples(
        files, 0, files.size(), options.num_threads,
        [&](stats::DatasetAccumulator&& part) { return total.Merge(part); });
  });
}

absl::Status RunStatisticsGenShard(const StatisticsGenOptions& options, int index, int count,
                                   const fs::path& part) {
  if (count < 1 || index < 0 || index >= count) {
    return absl::InvalidArgumentError(StrCat("shard ", index, " of ", count, " does not exist"));
  }
  ASSIGN_OR_RETURN(const std::vector<SplitInput> splits, SplitInputs(options));
  for (const SplitInput& split : splits) {
    // Consecutive files per shard, so that the parts merged in shard order are in file order.
    const size_t files = split.files.size();
    const size_t begin = files * static_cast<size_t>(index) / static_cast<size_t>(count);
    const size_t end = files * static_cast<size_t>(index + 1) / static_cast<size_t>(count);
    const fs::path dir = SplitDir(part, split.name);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return absl::InternalError(StrCat("cannot create ", dir.string(), ": ", ec.message()));
    ASSIGN_OR_RETURN(io::TfRecordWriter writer,
                     io::TfRecordWriter::Create(dir / kShardPartFile, io::Compression::kNone));
    RETURN_IF_ERROR(stats::AccumulateExamples(split.files, begin, end, options.num_threads,
                                              [&](stats::DatasetAccumulator&& accumulator) {
                                                return writer.Write(accumulator.Serialize());
                                              }));
    RETURN_IF_ERROR(writer.Close());
  }
  return absl::OkStatus();
}

absl::StatusOr<StatisticsGenResult> MergeStatisticsGenShards(const StatisticsGenOptions& options,
                                                             const std::vector<fs::path>& parts) {
  ASSIGN_OR_RETURN(const std::vector<SplitInput> splits, SplitInputs(options));
  return WriteStatisticsArtifact(
      options, splits, [&](size_t s, stats::DatasetAccumulator& total) -> absl::Status {
        for (const fs::path& part : parts) {
          const fs::path file = SplitDir(part, splits[s].name) / kShardPartFile;
          ASSIGN_OR_RETURN(std::unique_ptr<io::TfRecordReader> reader,
                           io::TfRecordReader::Open(file));
          for (size_t r = 1;; ++r) {
            ASSIGN_OR_RETURN(std::optional<std::string_view> record, reader->Next());
            if (!record) break;
            absl::StatusOr<stats::DatasetAccumulator> accumulator =
                stats::DatasetAccumulator::Deserialize(*record);
            if (!accumulator.ok()) {
              return absl::DataLossError(
                  StrCat(file.string(), ": record ", r, ": ", accumulator.status().message()));
            }
            RETURN_IF_ERROR(total.Merge(*accumulator));
          }
        }
        return absl::OkStatus();
      });
}

}  // namespace weir::components
