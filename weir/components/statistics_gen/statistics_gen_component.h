// StatisticsGen: statistics of every split of an Examples artifact, written as TFX writes them:
//   <output>/Split-<name>/FeatureStats.pb   (binary DatasetFeatureStatisticsList, one dataset)
#ifndef WEIR_COMPONENTS_STATISTICS_GEN_STATISTICS_GEN_COMPONENT_H_
#define WEIR_COMPONENTS_STATISTICS_GEN_STATISTICS_GEN_COMPONENT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"
#include "weir/io/csv/csv_parser.h"
#include "weir/proto/statistics.pb.h"
#include "weir/stats/statistics.h"

namespace weir::components {

namespace tfmd = ::tensorflow::metadata::v0;

inline constexpr char kStatisticsFileName[] = "FeatureStats.pb";

struct StatisticsGenOptions {
  // An Examples artifact (Split-<name>/ folders of TFRecords), or several with the same splits
  // (a window of spans), whose splits are described together.
  std::vector<std::filesystem::path> examples;
  std::filesystem::path output;     // Must not exist, or be empty.
  std::vector<std::string> splits;  // Empty: every Split-* folder.
  stats::StatsOptions stats;
  int num_threads = 0;  // 0: all cores.
};

struct StatisticsGenResult {
  std::vector<std::string> split_names;
  std::vector<uint64_t> examples_per_split;
  ArtifactProperties properties;  // split_names.
};

absl::StatusOr<StatisticsGenResult> RunStatisticsGen(const StatisticsGenOptions& options);

// StatisticsGen as `count` shards and a merge, on as many machines (docs/scale-out.md). Shard
// `index` accumulates its share of each split's example files (consecutive files; a split of one
// file is all one shard's) into the new folder `part`; the merge reads every shard's part, in
// shard order, and writes the artifact RunStatisticsGen writes, byte for byte. Errors name the
// part file.
absl::Status RunStatisticsGenShard(const StatisticsGenOptions& options, int index, int count,
                                   const std::filesystem::path& part);
absl::StatusOr<StatisticsGenResult> MergeStatisticsGenShards(
    const StatisticsGenOptions& options, const std::vector<std::filesystem::path>& parts);

// One split's statistics.
struct SplitStatistics {
  std::string split;  // Empty for a file outside any Split-<name> folder.
  std::filesystem::path file;
  tfmd::DatasetFeatureStatistics dataset;
};

// The statistics `path` designates, each file holding one dataset: a statistics artifact (one
// per Split-<name> folder, train first), a folder holding FeatureStats.pb (what `weir
// statisticsgen --csv` writes), or a FeatureStats.pb file. Errors name the file.
absl::StatusOr<std::vector<SplitStatistics>> ReadStatisticsArtifact(
    const std::filesystem::path& path);

// Reads and writes FeatureStats.pb files. Read errors name the file.
absl::StatusOr<tfmd::DatasetFeatureStatisticsList> ReadStatisticsFile(
    const std::filesystem::path& file);
absl::Status WriteStatisticsFile(const std::filesystem::path& file,
                                 const tfmd::DatasetFeatureStatisticsList& stats);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_STATISTICS_GEN_STATISTICS_GEN_COMPONENT_H_
