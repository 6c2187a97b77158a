// CSV parsing, chunk by chunk (RFC 4180: quoted fields, doubled quotes, newlines inside quotes,
// LF or CRLF line ends). A CsvChunker cuts files into chunks of whole records on one thread;
// chunks are then parsed on many threads. Cells are typed as TFX's CSV decoder types them.
#ifndef WEIR_IO_CSV_CSV_PARSER_H_
#define WEIR_IO_CSV_CSV_PARSER_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"

namespace weir::io {

struct CsvOptions {
  char delimiter = ',';
  // Skip rows with the wrong number of fields or invalid UTF-8 (and count them) instead of
  // failing. Broken quoting always fails: it makes every later row unreliable.
  bool skip_bad_rows = false;
  // Bytes of CSV handed to a worker at a time; memory use is a small multiple of this.
  size_t chunk_bytes = 4 << 20;
  int num_threads = 0;  // 0: all cores.
};

// A column's type, from what its non-empty cells parse as over all rows:
// kNull (every cell empty) < kInt64 < kFloat < kBytes. The order is TFX's: INT if every cell
// parses as a 64-bit integer, FLOAT if every cell parses as a number, otherwise STRING.
struct CsvSchema {
  std::vector<std::string> names;
  std::vector<data::DataType> types;
};

// A run of whole records from one file.
struct CsvChunk {
  std::string data;
  std::shared_ptr<const std::string> file;  // For error messages.
  uint64_t first_line = 0;                  // 1-based line number of data[0].
};

// Reads files in order, checks that each starts with the same header, and yields the rows after
// the headers in chunks. Empty files and files with a header but no rows are errors.
class CsvChunker {
 public:
  static absl::StatusOr<std::unique_ptr<CsvChunker>> Open(std::vector<std::filesystem::path> files,
                                                          const CsvOptions& options);
  ~CsvChunker();
  const std::vector<std::string>& header() const { return header_; }
  // The next chunk, or std::nullopt after the last file.
  absl::StatusOr<std::optional<CsvChunk>> Next();
  // Bytes read so far, over all files.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  CsvChunker(std::vector<std::filesystem::path> files, const CsvOptions& options)
      : files_(std::move(files)), options_(options) {}
  absl::Status OpenNextFile();
  absl::StatusOr<size_t> ReadMore(size_t bytes);  // Appends to pending_; 0 at end of file.

  std::vector<std::filesystem::path> files_;
  CsvOptions options_;
  std::vector<std::string> header_;
  size_t next_file_ = 0;
  int fd_ = -1;
  std::shared_ptr<const std::string> file_name_;
  bool file_has_rows_ = false;
  std::string pending_;  // Bytes read from the current file and not yet handed out.
  uint64_t pending_line_ = 1;
  bool eof_ = false;
  uint64_t bytes_read_ = 0;
};

// Rows of a chunk that were skipped, and why (the first few messages are kept).
struct CsvBadRows {
  uint64_t count = 0;
  std::vector<std::string> messages;
  void Add(std::string message);
  void Merge(const CsvBadRows& other);
  static constexpr size_t kMaxMessages = 10;
};

// Pass 1: the types of a chunk's cells, merged per column (see CsvSchema), and its row count.
struct CsvChunkTypes {
  std::vector<data::DataType> types;
  uint64_t rows = 0;
  CsvBadRows bad_rows;
};
absl::StatusOr<CsvChunkTypes> InferChunkTypes(CsvChunk chunk, size_t num_columns,
                                              const CsvOptions& options);

// Pass 2: a chunk's rows as a RecordBatch with the schema's columns. An empty cell is a present,
// empty list of the column's type; every cell of a kNull column is a feature with no kind. A cell
// that does not fit its column's type (a float in an int64 column, any value in a kNull column)
// is an error for which IsTypeMismatch is true: the schema was inferred from other rows.
struct CsvParsedChunk {
  data::RecordBatch batch;
  CsvBadRows bad_rows;
};
absl::StatusOr<CsvParsedChunk> ParseChunk(CsvChunk chunk, const CsvSchema& schema,
                                          const CsvOptions& options);

// One cell of a record, typed by its column's type in the schema. `empty`: an empty cell (the only
// kind a kNull column accepts); otherwise the field for the column's type holds the value.
struct CsvCell {
  std::string_view bytes_value;  // Points into the chunk.
  union {
    int64_t int64_value = 0;
    float float_value;  // Parsed as double, then rounded to float32 as TFX does.
  };
  bool empty = true;
};

// Good records' cells, a block of consecutive records at a time, row by row.
struct CsvCellRows {
  std::span<const CsvCell> cells;  // num_rows * num_columns.
  size_t num_rows = 0;
  size_t num_columns = 0;
  const CsvCell& at(size_t row, size_t column) const { return cells[row * num_columns + column]; }
};

// Pass 2 without building columns, for consumers that only summarize the values (statistics
// straight from CSV): `on_rows` gets the good records' cells in file order, a few dozen records
// at a time (so that a consumer can go column by column), valid until it returns. The typing,
// errors and bad-row handling are ParseChunk's.
absl::Status ParseTypedRecords(CsvChunk& chunk, const CsvSchema& schema, const CsvOptions& options,
                               CsvBadRows* bad_rows,
                               absl::FunctionRef<void(const CsvCellRows&)> on_rows);

bool IsTypeMismatch(const absl::Status& status);

// A cell as Python's int() reads it: optional surrounding ASCII whitespace and sign, then
// decimal digits. False for anything else, and for values outside int64.
bool ParseCsvInt64(std::string_view text, int64_t* value);

// A cell as Python's float() reads it: decimal, exponent, inf, nan, optional surrounding ASCII
// whitespace and sign. False for anything else (and for an empty cell).
bool ParseCsvDouble(std::string_view text, double* value);

// A float32 cell as TFX reads it: ParseCsvDouble's value rounded to float32 (Python float, then
// FloatList), which is not always what parsing straight to float32 gives. Same bits, faster.
bool ParseCsvFloat(std::string_view text, float* value);

// How TFX's CSV decoder would type one cell (kNull for an empty cell).
data::DataType ClassifyCell(std::string_view cell);

}  // namespace weir::io

#endif  // WEIR_IO_CSV_CSV_PARSER_H_
