#include "weir/components/statistics_gen/statistics_gen_component.h"

#include <algorithm>
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

absl::StatusOr<StatisticsGenResult> RunStatisticsGen(const StatisticsGenOptions& options) {
  if (options.examples.empty()) return absl::InvalidArgumentError("--examples is required");
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");
  StatisticsGenResult result;
  if (options.splits.empty()) {
    ASSIGN_OR_RETURN(result.split_names, ListCommonSplits(options.examples));
  } else {
    result.split_names = options.splits;
  }
  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  for (const std::string& split : result.split_names) {
    std::error_code ec;
    for (const fs::path& examples : options.examples) {
      const fs::path split_dir = SplitDir(examples, split);
      if (!fs::is_directory(split_dir, ec)) {
        return absl::NotFoundError(
            StrCat("split '", split, "': ", split_dir.string(), " is not a folder"));
      }
    }
    ASSIGN_OR_RETURN(std::vector<fs::path> files, SplitExampleFiles(options.examples, split));
    ASSIGN_OR_RETURN(tfmd::DatasetFeatureStatistics dataset,
                     stats::ExamplesStatistics(files, split, options.stats, options.num_threads));
    result.examples_per_split.push_back(dataset.num_examples());
    tfmd::DatasetFeatureStatisticsList list;
    *list.add_datasets() = std::move(dataset);
    fs::path out_dir = SplitDir(staging.path(), split);
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
