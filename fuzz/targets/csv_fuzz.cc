// CsvExampleGen's reader: type inference over a file, then the read with those types. The first
// byte picks the options (skipping bad rows, the chunk size), the rest is the file.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/io/csv/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  weir::io::CsvOptions options;
  options.skip_bad_rows = (data[0] & 1) != 0;
  options.chunk_bytes = (data[0] & 2) != 0 ? 7 : 1 << 20;  // Tiny chunks split records anywhere.
  options.num_threads = 1;
  const auto file =
      weir::fuzz::WriteScratchFile("data.csv", weir::fuzz::AsText(data + 1, size - 1));
  absl::StatusOr<weir::io::CsvInference> inferred = weir::io::InferCsvSchema({file}, options);
  if (!inferred.ok()) return 0;
  weir::io::ReadCsv({file}, inferred->schema, options, [](weir::data::RecordBatch&& batch) {
    return absl::OkStatus();
  }).IgnoreError();
  return 0;
}
