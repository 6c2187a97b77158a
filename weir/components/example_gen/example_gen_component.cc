#include "weir/components/example_gen/example_gen_component.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "weir/base/files.h"
#include "weir/base/hashing.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/csv/csv_reader.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/tfrecord/tfrecord.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace weir::components {
namespace fs = std::filesystem;

namespace {

constexpr char kFilePrefix[] = "data_tfrecord";

// How the rows of one input are assigned to output splits.
struct SplitRule {
  // Fixed output split (pre-split input), or -1 to hash.
  int fixed_split = -1;
  // Cumulative bucket bounds: bucket b goes to the first split i with b < bounds[i].
  std::vector<uint64_t> bounds;
  int partition_column = -1;  // Index in the schema, or -1 for the whole example.
};

// One chunk's output: per output split, complete gzip members of framed records.
struct EncodedChunk {
  std::vector<std::string> compressed;
  std::vector<uint64_t> counts;
  io::CsvBadRows bad_rows;
};

absl::Status ValidateOptions(const ExampleGenOptions& options) {
  if (options.input_base.empty()) return absl::InvalidArgumentError("--input_base is required");
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");
  std::error_code ec;
  if (!fs::is_directory(options.input_base, ec)) {
    return absl::NotFoundError(
        StrCat("input_base ", options.input_base.string(), " is not a folder"));
  }
  std::vector<std::string> names;
  if (options.input_splits.empty()) {
    if (options.output_splits.empty()) {
      return absl::InvalidArgumentError("at least one output split is needed");
    }
    for (const OutputSplit& split : options.output_splits) {
      if (split.hash_buckets == 0) {
        return absl::InvalidArgumentError(
            StrCat("output split '", split.name, "' needs at least one hash bucket"));
      }
      names.push_back(split.name);
    }
  } else {
    if (!options.partition_feature.empty()) {
      return absl::InvalidArgumentError(
          "partition_feature applies only when ExampleGen splits the input itself; remove it or "
          "the input splits");
    }
    for (const InputSplit& split : options.input_splits) names.push_back(split.name);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() || names[i].find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          StrCat("split name '", names[i], "' is not valid: use letters, digits, '_' or '-'"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (names[i] == names[j]) {
        return absl::InvalidArgumentError(StrCat("split name '", names[i], "' is given twice"));
      }
    }
  }
  if (options.gzip_level < 1 || options.gzip_level > 12) {
    return absl::InvalidArgumentError(
        StrCat("gzip level ", options.gzip_level, " is out of range 1..12"));
  }
  return absl::OkStatus();
}

std::string ShardName(uint32_t shard, uint32_t num_shards) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s-%05u-of-%05u.gz", kFilePrefix, shard, num_shards);
  return name;
}

absl::StatusOr<EncodedChunk> EncodeChunk(io::CsvChunk&& chunk, const io::CsvSchema& schema,
                                         const ExampleGenOptions& options, const SplitRule& rule,
                                         size_t num_splits) {
  ASSIGN_OR_RETURN(io::CsvParsedChunk parsed,
                   io::ParseChunk(std::move(chunk), schema, options.csv));
  const data::RecordBatch& batch = parsed.batch;
  io::ExampleEncoder encoder(batch);
  std::vector<std::string> framed(num_splits);
  EncodedChunk result;
  result.counts.assign(num_splits, 0);
  result.bad_rows = std::move(parsed.bad_rows);
  std::string partition_bytes;
  const data::Column* partition = rule.partition_column >= 0
                                      ? &batch.column(static_cast<size_t>(rule.partition_column))
                                      : nullptr;
  // Encode each example straight into a framed record in the first split's buffer (with the
  // default 2:1 split, two rows in three stay there); a row of another split is moved.
  const size_t home = rule.fixed_split >= 0 ? static_cast<size_t>(rule.fixed_split) : 0;
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    std::string& buffer = framed[home];
    size_t start = io::BeginFramedRecord(&buffer);
    encoder.Encode(row, &buffer);
    std::string_view example(buffer.data() + start, buffer.size() - start);
    size_t split = home;
    if (rule.fixed_split < 0) {
      base::Sha256Digest digest;
      if (partition != nullptr) {
        partition_bytes.clear();
        io::ExampleEncoder::EncodeFeature(*partition, row, &partition_bytes);
        digest = base::Sha256(partition_bytes);
      } else {
        digest = base::Sha256(example);
      }
      uint64_t bucket = base::BigEndianModulo(digest, rule.bounds.back());
      split = 0;
      while (bucket >= rule.bounds[split]) ++split;
    }
    if (split == home) {
      io::FinishFramedRecord(start, &buffer);
    } else {
      io::AppendFramedRecord(example, &framed[split]);
      io::AbandonFramedRecord(start, &buffer);
    }
    ++result.counts[split];
  }
  result.compressed.resize(num_splits);
  io::GzipCompressor& compressor = io::GzipCompressor::ForThisThread(options.gzip_level);
  for (size_t s = 0; s < num_splits; ++s) {
    if (!framed[s].empty()) compressor.CompressMember(framed[s], &result.compressed[s]);
  }
  return result;
}

}  // namespace

namespace {

// Splits "name:value" at the first colon; both parts must be non-empty.
absl::Status SplitPair(const std::string& text, const std::string& what, std::string* name,
                       std::string* value) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return absl::InvalidArgumentError(StrCat(what, " '", text, "' must look like NAME:VALUE"));
  }
  *name = text.substr(0, colon);
  *value = text.substr(colon + 1);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<OutputSplit> ParseOutputSplit(const std::string& text, const std::string& what) {
  std::string name, buckets;
  RETURN_IF_ERROR(SplitPair(text, what, &name, &buckets));
  char* end = nullptr;
  long value = std::strtol(buckets.c_str(), &end, 10);
  if (*end != '\0' || value <= 0 || value > 1000000) {
    return absl::InvalidArgumentError(
        StrCat(what, " '", text, "': the bucket count must be a positive integer"));
  }
  return OutputSplit{name, static_cast<uint32_t>(value)};
}

absl::StatusOr<InputSplit> ParseInputSplit(const std::string& text, const std::string& what) {
  InputSplit split;
  RETURN_IF_ERROR(SplitPair(text, what, &split.name, &split.pattern));
  return split;
}

absl::StatusOr<InputSelection> ResolveInputFiles(const ExampleGenOptions& options) {
  if (!options.input_splits.empty() && options.input_pattern != "*") {
    return absl::InvalidArgumentError(
        "input_pattern applies only when the input is not pre-split; give each input split its "
        "own pattern instead");
  }
  std::vector<std::pair<std::string, std::string>> patterns;
  for (const InputSplit& split : options.input_splits)
    patterns.emplace_back(split.name, split.pattern);
  if (patterns.empty()) patterns.emplace_back("single_split", options.input_pattern);
  return SelectInputSpan(options.input_base, patterns, options.span);
}

namespace {

absl::StatusOr<std::string> InputFingerprint(const InputSelection& input) {
  std::string fingerprint;
  if (input.has_span) fingerprint = StrCat("span:", input.span, ",version:", input.version);
  std::string buffer(1 << 20, '\0');
  for (const SelectedSplit& split : input.splits) {
    uint64_t total_bytes = 0;
    uint64_t xor_checksum = 0;
    uint64_t sum_checksum = 0;
    for (const fs::path& file : split.files) {
      int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return absl::NotFoundError(
            StrCat("cannot open ", file.string(), ": ", std::strerror(errno)));
      XXH3_state_t state;
      XXH3_64bits_reset(&state);
      while (true) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          ::close(fd);
          return absl::InternalError(
              StrCat("cannot read ", file.string(), ": ", std::strerror(errno)));
        }
        if (n == 0) break;
        XXH3_64bits_update(&state, buffer.data(), static_cast<size_t>(n));
        total_bytes += static_cast<uint64_t>(n);
      }
      ::close(fd);
      uint64_t checksum = XXH3_64bits_digest(&state);
      xor_checksum ^= checksum;
      sum_checksum += checksum;
    }
    if (!fingerprint.empty()) fingerprint += "\n";
    fingerprint += StrCat("split:", split.name, ",num_files:", split.files.size(),
                          ",total_bytes:", total_bytes, ",xor_checksum:", xor_checksum,
                          ",sum_checksum:", sum_checksum);
  }
  return fingerprint;
}

}  // namespace

absl::StatusOr<std::string> ComputeInputFingerprint(const ExampleGenOptions& options) {
  ASSIGN_OR_RETURN(InputSelection input, ResolveInputFiles(options));
  return InputFingerprint(input);
}

namespace {

// Parses, encodes, hashes, frames and compresses chunks of every input on all cores, appends the
// compressed chunks round-robin to the shards in input order (so the output does not depend on
// the thread count), and publishes the artifact folder. Fails with io::IsTypeMismatch if a cell
// does not fit `schema`.
absl::StatusOr<ExampleGenResult> WriteExamples(const ExampleGenOptions& options,
                                               const InputSelection& input,
                                               const io::CsvSchema& schema, uint64_t input_bytes) {
  ExampleGenResult result;
  result.schema = schema;
  result.input_bytes = input_bytes;
  std::vector<SplitRule> rules;
  if (options.input_splits.empty()) {
    SplitRule rule;
    uint64_t total = 0;
    for (const OutputSplit& split : options.output_splits) {
      result.split_names.push_back(split.name);
      total += split.hash_buckets;
      rule.bounds.push_back(total);
    }
    if (!options.partition_feature.empty()) {
      auto it = std::find(schema.names.begin(), schema.names.end(), options.partition_feature);
      if (it == schema.names.end()) {
        return absl::InvalidArgumentError(StrCat("partition_feature '", options.partition_feature,
                                                 "' is not a column of the input"));
      }
      rule.partition_column = static_cast<int>(it - schema.names.begin());
      data::DataType type = schema.types[static_cast<size_t>(rule.partition_column)];
      if (type != data::DataType::kInt64 && type != data::DataType::kBytes) {
        return absl::InvalidArgumentError(StrCat(
            "partition_feature '", options.partition_feature, "' holds ", data::DataTypeName(type),
            " values; only int64 and bytes features can partition examples"));
      }
    }
    rules.push_back(rule);
  } else {
    for (size_t i = 0; i < options.input_splits.size(); ++i) {
      result.split_names.push_back(options.input_splits[i].name);
      SplitRule rule;
      rule.fixed_split = static_cast<int>(i);
      rules.push_back(rule);
    }
  }
  const size_t num_splits = result.split_names.size();
  result.examples_per_split.assign(num_splits, 0);

  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  const uint64_t shard_bytes = std::max<uint64_t>(1, options.shard_input_bytes);
  result.num_shards = static_cast<uint32_t>(
      std::clamp<uint64_t>((input_bytes + shard_bytes - 1) / shard_bytes, 1, 10000));
  std::vector<std::vector<io::TfRecordWriter>> writers(num_splits);
  for (size_t s = 0; s < num_splits; ++s) {
    fs::path dir = SplitDir(staging.path(), result.split_names[s]);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return absl::InternalError(StrCat("cannot create ", dir.string(), ": ", ec.message()));
    for (uint32_t shard = 0; shard < result.num_shards; ++shard) {
      ASSIGN_OR_RETURN(io::TfRecordWriter writer,
                       io::TfRecordWriter::Create(dir / ShardName(shard, result.num_shards),
                                                  io::Compression::kGzip, options.gzip_level));
      writers[s].push_back(std::move(writer));
    }
  }
  uint64_t chunk_index = 0;
  for (size_t split = 0; split < input.splits.size(); ++split) {
    const SplitRule& rule = rules[split];
    RETURN_IF_ERROR(io::ForEachCsvChunk<EncodedChunk>(
        input.splits[split].files, options.csv,
        [&](io::CsvChunk&& chunk) {
          return EncodeChunk(std::move(chunk), schema, options, rule, num_splits);
        },
        [&](EncodedChunk&& encoded) -> absl::Status {
          uint32_t shard = static_cast<uint32_t>(chunk_index++ % result.num_shards);
          for (size_t s = 0; s < num_splits; ++s) {
            if (!encoded.compressed[s].empty()) {
              RETURN_IF_ERROR(writers[s][shard].WriteEncoded(encoded.compressed[s]));
            }
            result.examples_per_split[s] += encoded.counts[s];
          }
          result.bad_rows.Merge(encoded.bad_rows);
          return absl::OkStatus();
        }));
  }
  for (auto& split_writers : writers) {
    for (io::TfRecordWriter& writer : split_writers) RETURN_IF_ERROR(writer.Close());
  }
  RETURN_IF_ERROR(staging.Publish());
  return result;
}

}  // namespace

absl::StatusOr<ExampleGenResult> RunCsvExampleGen(const ExampleGenOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  ASSIGN_OR_RETURN(InputSelection input, ResolveInputFiles(options));
  ASSIGN_OR_RETURN(std::string fingerprint, InputFingerprint(input));
  std::vector<fs::path> all_files;
  uint64_t input_bytes = 0;
  for (const SelectedSplit& split : input.splits) {
    for (const fs::path& file : split.files) {
      std::error_code ec;
      input_bytes += fs::file_size(file, ec);
      all_files.push_back(file);
    }
  }

  // Column types must hold over every row of every split (so all splits share one schema). TFX
  // reads everything once to infer them, then again to convert. weir guesses them from the first
  // chunk and converts in one pass; only if a later cell does not fit the guess does it infer
  // over everything and convert again. A partition feature whose guessed type cannot partition
  // may still turn out int64 or bytes, so it is inferred in full first.
  ASSIGN_OR_RETURN(io::CsvSchema schema, io::GuessCsvSchema(all_files, options.csv));
  auto guessed_type = [&](const std::string& name) {
    auto it = std::find(schema.names.begin(), schema.names.end(), name);
    return it == schema.names.end() ? data::DataType::kBytes
                                    : schema.types[static_cast<size_t>(it - schema.names.begin())];
  };
  bool infer_first = !options.partition_feature.empty() &&
                     guessed_type(options.partition_feature) != data::DataType::kInt64 &&
                     guessed_type(options.partition_feature) != data::DataType::kBytes;
  absl::StatusOr<ExampleGenResult> result = absl::UnknownError("not run");
  if (!infer_first) result = WriteExamples(options, input, schema, input_bytes);
  if (infer_first || (!result.ok() && io::IsTypeMismatch(result.status()))) {
    ASSIGN_OR_RETURN(io::CsvInference inference, io::InferCsvSchema(all_files, options.csv));
    result = WriteExamples(options, input, inference.schema, input_bytes);
  }
  if (!result.ok()) return result.status();

  result->input = std::move(input);
  result->properties["split_names"] = EncodeSplitNames(result->split_names);
  result->properties["span"] = input.span;
  result->properties["version"] = input.version;
  result->properties["payload_format"] = std::string("FORMAT_TF_EXAMPLE");
  result->properties["file_format"] = std::string("tfrecords_gzip");
  result->properties["input_fingerprint"] = fingerprint;
  return result;
}

}  // namespace weir::components
