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

// A cheap guess at the schema: the types of the first chunk of the first file. Every guessed
// type is at most the true one, and equals it unless a later row does not fit (which ParseChunk
// reports with IsTypeMismatch), so a reader may parse with the guess in one pass and fall back to
// InferCsvSchema only when a mismatch shows up.
absl::StatusOr<CsvSchema> GuessCsvSchema(const std::vector<std::filesystem::path>& files,
                                         const CsvOptions& options);

// Pass 2: parses `files` with `schema` and calls `consume` with each batch, in file order.
// Skipped rows are added to `bad_rows` when it is not null.
absl::Status ReadCsv(const std::vector<std::filesystem::path>& files, const CsvSchema& schema,
                     const CsvOptions& options,
                     const std::function<absl::Status(data::RecordBatch&&)>& consume,
                     CsvBadRows* bad_rows = nullptr);

// Runs `pass` (one full pass over `files` with a schema) with the types InferCsvSchema would
// infer: first with GuessCsvSchema's guess, and if that pass fails with IsTypeMismatch, calls
// `restart` (the caller must forget what the failed pass produced), infers over all rows and runs
// `pass` again. Returns the schema of the successful pass.
absl::StatusOr<CsvSchema> WithInferredCsvTypes(
    const std::vector<std::filesystem::path>& files, const CsvOptions& options,
    const std::function<absl::Status(const CsvSchema&)>& pass, const std::function<void()>& restart);

// Reads `files` with the types InferCsvSchema would infer, in one pass when the types guessed
// from the first chunk hold for every row (GuessCsvSchema). Otherwise, at the first row that does
// not fit, `restart` is called (the consumer must forget the batches it was given) and the input
// is read again with the types inferred over all rows. Returns the schema of the batches.
absl::StatusOr<CsvSchema> ReadCsvInferringTypes(
    const std::vector<std::filesystem::path>& files, const CsvOptions& options,
    const std::function<absl::Status(data::RecordBatch&&)>& consume,
    const std::function<void()>& restart, CsvBadRows* bad_rows = nullptr);

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
