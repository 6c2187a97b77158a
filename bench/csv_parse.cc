// Parses CSV files into typed columns with weir's reader, types inferred as TFX infers them
// (ReadCsvInferringTypes: one pass when the first chunk's types hold, as they do for the
// generated taxi data; type_restarts counts the second passes), and prints rows, seconds and MB/s
// as one JSON line. Used by bench/examplegen_vs_pandas.sh.
//   weir_bench_csv_parse FILE [FILE...]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "weir/base/allocator.h"
#include "weir/io/csv/csv_reader.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [FILE...]\n", argv[0]);
    return 2;
  }
  weir::base::TuneAllocatorForBatches();
  std::vector<std::filesystem::path> files(argv + 1, argv + argc);
  auto start = std::chrono::steady_clock::now();
  weir::io::CsvOptions options;
  uint64_t rows = 0;
  uint64_t values = 0;
  int restarts = 0;
  auto schema = weir::io::ReadCsvInferringTypes(
      files, options,
      [&](weir::data::RecordBatch&& batch) {
        rows += batch.num_rows();
        for (const auto& column : batch.columns()) values += column.num_values();
        return absl::OkStatus();
      },
      [&] {
        rows = values = 0;
        ++restarts;
      });
  if (!schema.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(schema.status().message()).c_str());
    return 1;
  }
  auto end = std::chrono::steady_clock::now();
  double total = std::chrono::duration<double>(end - start).count();
  uint64_t bytes = 0;
  for (const auto& file : files) bytes += std::filesystem::file_size(file);
  double mb = static_cast<double>(bytes) / 1e6;
  std::printf(
      "{\"rows\": %llu, \"values\": %llu, \"mb\": %.1f, \"seconds\": %.3f, \"type_restarts\": %d, "
      "\"mb_per_s\": %.1f, \"rows_per_s\": %.0f}\n",
      static_cast<unsigned long long>(rows), static_cast<unsigned long long>(values), mb, total,
      restarts, mb / total, static_cast<double>(rows) / total);
  return 0;
}
