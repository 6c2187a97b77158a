// Statistics of whole datasets: the examples of one split (TFRecords of tf.Example) or CSV files,
// read on every core into accumulators that merge in file order, so the result does not depend on
// which thread read what.
#ifndef WEIR_STATS_DATASET_STATISTICS_H_
#define WEIR_STATS_DATASET_STATISTICS_H_

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/io/csv/csv_parser.h"
#include "weir/proto/statistics.pb.h"
#include "weir/stats/statistics.h"

namespace weir::stats {

// Statistics of the examples in `files` (gzip or plain TFRecords, as weir or TFX wrote them: a
// split's, or the same split's of several artifacts). Errors name the file and record.
// `num_threads` 0: all cores.
absl::StatusOr<tfmd::DatasetFeatureStatistics> ExamplesStatistics(
    const std::vector<std::filesystem::path>& files, const std::string& name,
    const StatsOptions& options, int num_threads);

// The accumulators ExamplesStatistics merges, handed to `part` in file order: one per file of
// files[begin, end) when `files` (all of a split's) holds several, else one for its single file
// (none when the range is empty). Merged in order into an empty accumulator, the parts of
// consecutive ranges give ExamplesStatistics' accumulator exactly, so shards that take a range
// each, on other machines, merge to the same statistics byte for byte.
absl::Status AccumulateExamples(const std::vector<std::filesystem::path>& files, size_t begin,
                                size_t end, int num_threads,
                                const std::function<absl::Status(DatasetAccumulator&&)>& part);

// Statistics of CSV files read as CsvExampleGen reads them (types inferred over all rows), as
// TFDV's generate_statistics_from_csv computes them.
absl::StatusOr<tfmd::DatasetFeatureStatistics> CsvStatistics(
    const std::vector<std::filesystem::path>& files, const std::string& name,
    const io::CsvOptions& csv, const StatsOptions& options);

}  // namespace weir::stats

#endif  // WEIR_STATS_DATASET_STATISTICS_H_
