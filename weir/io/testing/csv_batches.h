// For tests: a CSV file read whole into record batches. Include from tests only: it needs
// GoogleTest.
#ifndef WEIR_IO_TESTING_CSV_BATCHES_H_
#define WEIR_IO_TESTING_CSV_BATCHES_H_

#include <filesystem>
#include <vector>

#include "gtest/gtest.h"
#include "weir/data/record_batch.h"
#include "weir/io/csv/csv_reader.h"

namespace weir::io::testing {

// `file` in batches of about `chunk_bytes` of CSV each (several, for tests of merging), with the
// column types CsvExampleGen infers. A read error fails the test and gives no batches.
inline std::vector<data::RecordBatch> ReadCsvBatches(const std::filesystem::path& file,
                                                     size_t chunk_bytes) {
  CsvOptions options;
  options.chunk_bytes = chunk_bytes;
  std::vector<data::RecordBatch> batches;
  auto schema = ReadCsvInferringTypes(
      {file}, options,
      [&](data::RecordBatch&& batch) {
        batches.push_back(std::move(batch));
        return absl::OkStatus();
      },
      [&] { batches.clear(); });
  EXPECT_TRUE(schema.ok()) << schema.status();
  if (!schema.ok()) batches.clear();
  return batches;
}

}  // namespace weir::io::testing

#endif  // WEIR_IO_TESTING_CSV_BATCHES_H_
