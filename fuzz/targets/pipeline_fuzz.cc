// The pipeline file compiler: YAML, JSON or text-proto pipeline files (the first byte picks the
// file's extension, the rest is the file), checked against the built-in components.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/pipeline/component_registry.h"
#include "weir/pipeline/pipeline_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kNames[] = {"pipeline.yaml", "pipeline.json", "pipeline.pbtxt"};
  const auto file =
      weir::fuzz::WriteScratchFile(kNames[data[0] % 3], weir::fuzz::AsText(data + 1, size - 1));
  weir::pipeline::LoadPipelineFile(file, weir::pipeline::BuiltinRegistry()).IgnoreError();
  return 0;
}
