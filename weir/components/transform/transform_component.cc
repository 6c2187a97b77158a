#include "weir/components/transform/transform_component.h"

#include <algorithm>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/example/example_files.h"
#include "weir/io/tfrecord/tfrecord.h"
#include "weir/schema/schema_inference.h"
#include "weir/transform/transform.h"

namespace weir::components {
namespace fs = std::filesystem;

namespace {

constexpr char kTransformedFileName[] = "transformed_examples-00000-of-00001.gz";

// Applies `transform` to every example of `files` (one split's) and writes them, gzip-compressed,
// to `output`. Returns the number of examples.
absl::StatusOr<uint64_t> TransformSplit(const transform::Transform& transform,
                                        const std::vector<fs::path>& files, const fs::path& output,
                                        int threads) {
  ASSIGN_OR_RETURN(io::TfRecordWriter writer,
                   io::TfRecordWriter::Create(output, io::Compression::kGzip));
  uint64_t examples = 0;
  struct Encoded {
    std::string gzip_member;
    size_t examples = 0;
  };
  // Workers transform, encode and compress a block each; the writer appends them in order.
  RETURN_IF_ERROR(io::ForEachExampleBatch<Encoded>(
      files, threads,
      [&](data::RecordBatch&& raw) -> absl::StatusOr<Encoded> {
        absl::StatusOr<data::RecordBatch> transformed = transform.Apply(raw);
        if (!transformed.ok()) {
          return absl::Status(transformed.status().code(),
                              StrCat(output.parent_path().filename().string(), ": ",
                                     transformed.status().message()));
        }
        io::ExampleEncoder encoder(*transformed);
        std::string framed;
        std::string example;
        for (size_t row = 0; row < transformed->num_rows(); ++row) {
          example.clear();
          encoder.Encode(row, &example);
          io::AppendFramedRecord(example, &framed);
        }
        Encoded encoded;
        encoded.examples = transformed->num_rows();
        io::GzipCompressor::ForThisThread().CompressMember(framed, &encoded.gzip_member);
        return encoded;
      },
      [&](Encoded&& encoded) {
        examples += encoded.examples;
        return writer.WriteEncoded(encoded.gzip_member);
      }));
  RETURN_IF_ERROR(writer.Close());
  return examples;
}

}  // namespace

absl::StatusOr<TransformResult> RunTransform(const TransformOptions& options) {
  if (options.examples.empty()) return absl::InvalidArgumentError("--examples is required");
  if (options.schema.empty()) return absl::InvalidArgumentError("--schema is required");
  if (options.transform_graph.empty())
    return absl::InvalidArgumentError("--transform_graph is required");
  ASSIGN_OR_RETURN(::tensorflow::metadata::v0::Schema schema, schema::ReadSchema(options.schema));
  ASSIGN_OR_RETURN(auto raw_types, transform::RawTypesFromSchema(schema));
  TransformResult result;
  ASSIGN_OR_RETURN(result.split_names, ListCommonSplits(options.examples));
  if (std::find(result.split_names.begin(), result.split_names.end(), options.analyze_split) ==
      result.split_names.end()) {
    return absl::NotFoundError(StrCat(options.examples.front().string(), " has no split '",
                                      options.analyze_split, "' to analyze"));
  }
  ASSIGN_OR_RETURN(std::vector<fs::path> analyze_files,
                   SplitExampleFiles(options.examples, options.analyze_split));
  const transform::DataPass pass = [&](const auto& accumulate, const auto& merge) {
    return io::ForEachExampleBatch<transform::AnalyzerState>(
        analyze_files, options.num_threads,
        [&](data::RecordBatch&& batch) { return accumulate(batch); }, merge);
  };
  ASSIGN_OR_RETURN(transform::Transform transform,
                   transform::Transform::Analyze(options.spec, raw_types, pass));

  ASSIGN_OR_RETURN(base::StagingDir graph_dir, base::StagingDir::Create(options.transform_graph));
  RETURN_IF_ERROR(transform.Save(graph_dir.path()));
  if (!options.transformed_examples.empty()) {
    ASSIGN_OR_RETURN(base::StagingDir examples_dir,
                     base::StagingDir::Create(options.transformed_examples));
    for (const std::string& split : result.split_names) {
      const fs::path out_dir = SplitDir(examples_dir.path(), split);
      std::error_code ec;
      fs::create_directories(out_dir, ec);
      if (ec)
        return absl::InternalError(StrCat("cannot create ", out_dir.string(), ": ", ec.message()));
      ASSIGN_OR_RETURN(std::vector<fs::path> files, SplitExampleFiles(options.examples, split));
      ASSIGN_OR_RETURN(
          uint64_t examples,
          TransformSplit(transform, files, out_dir / kTransformedFileName, options.num_threads));
      result.examples_per_split.push_back(examples);
    }
    RETURN_IF_ERROR(examples_dir.Publish());
    result.transformed_examples_properties["split_names"] = EncodeSplitNames(result.split_names);
  }
  RETURN_IF_ERROR(graph_dir.Publish());
  return result;
}

}  // namespace weir::components
