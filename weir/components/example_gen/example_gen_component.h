// CsvExampleGen: CSV files in, an Examples artifact out, laid out exactly as TFX 1.x writes it:
//   <output>/Split-<name>/data_tfrecord-SSSSS-of-NNNNN.gz   (gzip TFRecord of tf.Example)
// Each CSV row becomes one tf.Example (see weir/io/csv for types and empty cells). Rows go to
// output splits by TFX's rule: the SHA-256 of the example's deterministic serialization (or of
// the partition feature's), read as a big-endian integer, modulo the total number of hash
// buckets; the splits take consecutive bucket ranges in order. So the same CSV gives the same
// examples in the same splits as TFX.
#ifndef WEIR_COMPONENTS_EXAMPLE_GEN_EXAMPLE_GEN_COMPONENT_H_
#define WEIR_COMPONENTS_EXAMPLE_GEN_EXAMPLE_GEN_COMPONENT_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"
#include "weir/components/example_gen/input_spans.h"
#include "weir/io/csv/csv_parser.h"
#include "weir/io/tfrecord/tfrecord.h"

namespace weir::components {

struct OutputSplit {
  std::string name;
  uint32_t hash_buckets = 1;
};

// A split of pre-split input: files matching `pattern` (a glob relative to input_base).
struct InputSplit {
  std::string name;
  std::string pattern;
};

struct ExampleGenOptions {
  std::filesystem::path input_base;
  // Empty: the files matching input_pattern are one input, hashed into output_splits. Otherwise
  // each input split is written as the output split of the same name and output_splits is
  // ignored. Patterns may name spans, dates and versions (input_spans.h).
  std::vector<InputSplit> input_splits;
  std::string input_pattern = "*";
  // Read this span rather than the latest one (the patterns must name spans).
  std::optional<int64_t> span;
  std::vector<OutputSplit> output_splits = {{"train", 2}, {"eval", 1}};
  // Hash this feature's serialized tf.Feature instead of the whole example, so that all examples
  // with the same value land in the same split. It must be an int64 or bytes column present in
  // every row.
  std::string partition_feature;
  std::filesystem::path output;
  io::CsvOptions csv;
  int gzip_level = io::GzipCompressor::kDefaultLevel;
  // Input bytes per output shard: each split gets ceil(input bytes / this) shard files.
  uint64_t shard_input_bytes = uint64_t{128} << 20;
};

struct ExampleGenResult {
  std::vector<std::string> split_names;
  std::vector<uint64_t> examples_per_split;
  io::CsvSchema schema;
  io::CsvBadRows bad_rows;
  uint64_t input_bytes = 0;
  uint32_t num_shards = 0;
  InputSelection input;  // The span and version read, and each input split's files.
  // split_names, span, version, payload_format, file_format, input_fingerprint.
  ArtifactProperties properties;
};

// Parses "NAME:HASH_BUCKETS" (e.g. "train:2") and "NAME:GLOB" (e.g. "train:train/*.csv"), as
// written on the command line and in pipeline files. `what` names the setting in errors.
absl::StatusOr<OutputSplit> ParseOutputSplit(const std::string& text, const std::string& what);
absl::StatusOr<InputSplit> ParseInputSplit(const std::string& text, const std::string& what);

// Runs ExampleGen. The output folder must not exist or be empty; it appears complete, by one
// rename, or not at all. Errors name the offending file and line, option or feature.
absl::StatusOr<ExampleGenResult> RunCsvExampleGen(const ExampleGenOptions& options);

// The span and version to read and the files of each input split (one split, "single_split",
// when options.input_splits is empty). Fails when a split matches no file.
absl::StatusOr<InputSelection> ResolveInputFiles(const ExampleGenOptions& options);

// A fingerprint of the input files for caching, in TFX's format
// "split:<name>,num_files:<n>,total_bytes:<b>,xor_checksum:<x>,sum_checksum:<s>", one line per
// input split, where the checksums combine each file's 64-bit XXH3 content hash (TFX uses
// modification times; content hashes survive a copy and catch an edit within the same second).
// When the patterns name spans, a first line "span:<s>,version:<v>" says which were selected.
absl::StatusOr<std::string> ComputeInputFingerprint(const ExampleGenOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_EXAMPLE_GEN_EXAMPLE_GEN_COMPONENT_H_
