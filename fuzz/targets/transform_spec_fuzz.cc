// The Transform spec compiler: a spec as written in a pipeline file (YAML), checked without a
// schema as `weir pipeline compile` does, then analyzed and applied over a small batch with
// numeric, integer and string columns, as the Transform node does.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/io/csv/csv_reader.h"
#include "weir/pipeline/yaml_proto.h"
#include "weir/transform/transform.h"

namespace {

const weir::data::RecordBatch& Batch() {
  static const weir::data::RecordBatch* const batch = [] {
    const auto file = weir::fuzz::WriteScratchFile(
        "raw.csv", "a,b,s,y\n1.5,3,red,0\n-2,,blue,1\n,7,red,1\n1e3,0,,0\n0.25,-4,green,1\n");
    weir::io::CsvOptions options;
    options.num_threads = 1;
    auto inferred = weir::io::InferCsvSchema({file}, options);
    auto* read = new weir::data::RecordBatch();
    weir::io::ReadCsv({file}, inferred->schema, options, [&](weir::data::RecordBatch&& batch) {
      *read = std::move(batch);
      return absl::OkStatus();
    }).IgnoreError();
    return read;
  }();
  return *batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(weir::fuzz::AsText(data, size)));
  } catch (const YAML::Exception&) {
    return 0;
  }
  if (!weir::pipeline::CheckYamlDocument(root, "spec.yaml").ok()) return 0;
  weir::transform::TransformSpec spec;
  if (!weir::pipeline::YamlToMessage(root, "spec.yaml", &spec).ok()) return 0;
  // Plug-ins are files outside the pipeline: not loaded from fuzzed text.
  if (!spec.plugins().empty()) return 0;
  if (!weir::transform::CheckSpecWithoutSchema(spec).ok()) return 0;
  const std::map<std::string, weir::transform::ValueType> raw_types = {
      {"a", weir::transform::FLOAT},
      {"b", weir::transform::INT},
      {"s", weir::transform::STRING},
      {"y", weir::transform::INT}};
  const weir::data::RecordBatch& batch = Batch();
  auto analyzed = weir::transform::Transform::Analyze(
      spec, raw_types, [&](const auto& accumulate, const auto& merge) -> absl::Status {
        absl::StatusOr<weir::transform::AnalyzerState> state = accumulate(batch);
        if (!state.ok()) return state.status();
        return merge(std::move(*state));
      });
  if (analyzed.ok()) analyzed->Apply(batch).IgnoreError();
  return 0;
}
