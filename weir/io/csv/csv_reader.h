// Reading CSV files into RecordBatches: pass 1 infers the column types over every row (as TFX
// does), pass 2 parses. Both passes stream the files in chunks on all cores, with memory bounded
// by a few chunks per thread whatever the file size.
#ifndef WEIR_IO_CSV_CSV_READER_H_
#define WEIR_IO_CSV_CSV_READER_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "weir/base/parallel.h"
#include "weir/io/csv/csv_parser.h"

namespace weir::io {

struct CsvInference {
  CsvSchema schema;
  uint64_t num_rows = 0;  // Good rows over all files.
  CsvBadRows bad_rows;    // Rows skipped (only with skip_bad_rows).
  uint64_t bytes = 0;
};

// Pass 1 over `files` (all with the same header). Errors name file and line.
absl::StatusOr<CsvInference> InferCsvSchema(const std::vector<std::filesystem::path>& files,
                                            const CsvOptions& options);

// Pass 2: parses `files` with `schema` and calls `consume` with each batch, in file order.
// Skipped rows are added to `bad_rows` when it is not null.
absl::Status ReadCsv(const std::vector<std::filesystem::path>& files, const CsvSchema& schema,
                     const CsvOptions& options,
                     const std::function<absl::Status(data::RecordBatch&&)>& consume,
                     CsvBadRows* bad_rows = nullptr);

// Runs `work` on every chunk of `files` on options.num_threads threads and hands the results to
// `consume` in file order. Errors are reported in file order too: an error in a later chunk is
// not reported while an earlier chunk is still being processed.
template <typename Out>
absl::Status ForEachCsvChunk(const std::vector<std::filesystem::path>& files,
                             const CsvOptions& options,
                             const std::function<absl::StatusOr<Out>(CsvChunk&&)>& work,
                             const std::function<absl::Status(Out&&)>& consume) {
  absl::StatusOr<std::unique_ptr<CsvChunker>> chunker = CsvChunker::Open(files, options);
  if (!chunker.ok()) return chunker.status();
  int threads = options.num_threads > 0 ? options.num_threads : base::DefaultThreadCount();
  return base::RunOrderedPipeline<CsvChunk, absl::StatusOr<Out>>(
      threads, 2 * static_cast<size_t>(threads) + 1, [&] { return (*chunker)->Next(); },
      [&](CsvChunk&& chunk) -> absl::StatusOr<absl::StatusOr<Out>> { return work(std::move(chunk)); },
      [&](absl::StatusOr<Out>&& out) -> absl::Status {
        if (!out.ok()) return out.status();
        return consume(std::move(*out));
      });
}

}  // namespace weir::io

#endif  // WEIR_IO_CSV_CSV_READER_H_
