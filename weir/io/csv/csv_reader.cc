#include "weir/io/csv/csv_reader.h"

#include <sys/stat.h>

#include "weir/base/status.h"

namespace weir::io {
namespace fs = std::filesystem;

absl::StatusOr<CsvInference> InferCsvSchema(const std::vector<fs::path>& files,
                                            const CsvOptions& options) {
  CsvInference inference;
  std::unique_ptr<CsvChunker> header_reader;
  { ASSIGN_OR_RETURN(header_reader, CsvChunker::Open(files, options)); }
  inference.schema.names = header_reader->header();
  const size_t num_columns = inference.schema.names.size();
  inference.schema.types.assign(num_columns, data::DataType::kNull);
  RETURN_IF_ERROR(ForEachCsvChunk<CsvChunkTypes>(
      files, options,
      [&](CsvChunk&& chunk) { return InferChunkTypes(std::move(chunk), num_columns, options); },
      [&](CsvChunkTypes&& types) {
        for (size_t c = 0; c < num_columns; ++c) {
          inference.schema.types[c] = std::max(inference.schema.types[c], types.types[c]);
        }
        inference.num_rows += types.rows;
        inference.bad_rows.Merge(types.bad_rows);
        return absl::OkStatus();
      }));
  for (const fs::path& file : files) {
    std::error_code ec;
    inference.bytes += fs::file_size(file, ec);
  }
  return inference;
}

absl::StatusOr<CsvSchema> GuessCsvSchema(const std::vector<fs::path>& files,
                                         const CsvOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<CsvChunker> chunker, CsvChunker::Open(files, options));
  CsvSchema schema;
  schema.names = chunker->header();
  ASSIGN_OR_RETURN(std::optional<CsvChunk> chunk, chunker->Next());
  if (!chunk) {
    schema.types.assign(schema.names.size(), data::DataType::kNull);
    return schema;
  }
  // Rows of the sample that are bad fail (or are skipped) again in the real pass.
  CsvOptions sample_options = options;
  sample_options.skip_bad_rows = true;
  ASSIGN_OR_RETURN(CsvChunkTypes types,
                   InferChunkTypes(std::move(*chunk), schema.names.size(), sample_options));
  schema.types = std::move(types.types);
  return schema;
}

absl::Status ReadCsv(const std::vector<fs::path>& files, const CsvSchema& schema,
                     const CsvOptions& options,
                     const std::function<absl::Status(data::RecordBatch&&)>& consume,
                     CsvBadRows* bad_rows) {
  return ForEachCsvChunk<CsvParsedChunk>(
      files, options,
      [&](CsvChunk&& chunk) { return ParseChunk(std::move(chunk), schema, options); },
      [&](CsvParsedChunk&& parsed) {
        if (bad_rows != nullptr) bad_rows->Merge(parsed.bad_rows);
        return consume(std::move(parsed.batch));
      });
}

absl::StatusOr<CsvSchema> WithInferredCsvTypes(
    const std::vector<fs::path>& files, const CsvOptions& options,
    const std::function<absl::Status(const CsvSchema&)>& pass,
    const std::function<void()>& restart) {
  ASSIGN_OR_RETURN(CsvSchema schema, GuessCsvSchema(files, options));
  absl::Status status = pass(schema);
  if (status.ok()) return schema;
  if (!IsTypeMismatch(status)) return status;
  restart();
  ASSIGN_OR_RETURN(CsvInference inference, InferCsvSchema(files, options));
  RETURN_IF_ERROR(pass(inference.schema));
  return inference.schema;
}

absl::StatusOr<CsvSchema> ReadCsvInferringTypes(
    const std::vector<fs::path>& files, const CsvOptions& options,
    const std::function<absl::Status(data::RecordBatch&&)>& consume,
    const std::function<void()>& restart, CsvBadRows* bad_rows) {
  CsvBadRows pass_bad_rows;
  ASSIGN_OR_RETURN(CsvSchema schema, WithInferredCsvTypes(
                                         files, options,
                                         [&](const CsvSchema& schema) {
                                           pass_bad_rows = CsvBadRows();
                                           return ReadCsv(files, schema, options, consume,
                                                          &pass_bad_rows);
                                         },
                                         restart));
  if (bad_rows != nullptr) bad_rows->Merge(pass_bad_rows);
  return schema;
}

}  // namespace weir::io
