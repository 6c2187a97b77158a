// Parses CSV files into columns with weir's reader (type inference pass + parse pass) and
// prints rows, seconds and MB/s as one JSON line. Used by bench/examplegen_vs_pandas.sh.
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
  auto inference = weir::io::InferCsvSchema(files, options);
  if (!inference.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(inference.status().message()).c_str());
    return 1;
  }
  auto inferred = std::chrono::steady_clock::now();
  uint64_t rows = 0;
  uint64_t values = 0;
  absl::Status status = weir::io::ReadCsv(files, inference->schema, options, [&](weir::data::RecordBatch&& batch) {
    rows += batch.num_rows();
    for (const auto& column : batch.columns()) values += column.num_values();
    return absl::OkStatus();
  });
  if (!status.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  auto end = std::chrono::steady_clock::now();
  double total = std::chrono::duration<double>(end - start).count();
  double infer = std::chrono::duration<double>(inferred - start).count();
  double mb = static_cast<double>(inference->bytes) / 1e6;
  std::printf("{\"rows\": %llu, \"values\": %llu, \"mb\": %.1f, \"seconds\": %.3f, \"infer_seconds\": %.3f, "
              "\"mb_per_s\": %.1f, \"rows_per_s\": %.0f}\n",
              static_cast<unsigned long long>(rows), static_cast<unsigned long long>(values), mb, total, infer,
              mb / total, static_cast<double>(rows) / total);
  return 0;
}
