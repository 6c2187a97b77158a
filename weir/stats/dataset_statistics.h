// Statistics of whole datasets: the examples of one split (TFRecords of tf.Example) or CSV files,
// read on every core into accumulators that merge in file order, so the result does not depend on
// which thread read what.
#ifndef WEIR_STATS_DATASET_STATISTICS_H_
#define WEIR_STATS_DATASET_STATISTICS_H_

#include <filesystem>
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

// Statistics of CSV files read as CsvExampleGen reads them (types inferred over all rows), as
// TFDV's generate_statistics_from_csv computes them.
absl::StatusOr<tfmd::DatasetFeatureStatistics> CsvStatistics(
    const std::vector<std::filesystem::path>& files, const std::string& name,
    const io::CsvOptions& csv, const StatsOptions& options);

}  // namespace weir::stats

#endif  // WEIR_STATS_DATASET_STATISTICS_H_
