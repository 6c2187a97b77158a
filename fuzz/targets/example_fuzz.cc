// The tf.Example decoder on arbitrary bytes: one example alone, and the same bytes added twice to
// a batch (a second example must agree with the first's feature types).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/io/example/example_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = weir::fuzz::AsText(data, size);
  weir::io::DecodeExample(bytes).IgnoreError();
  weir::io::ExampleBatchBuilder builder;
  builder.Add(bytes).IgnoreError();
  builder.Add(bytes.substr(0, bytes.size() / 2)).IgnoreError();
  builder.Add(bytes).IgnoreError();
  builder.Finish();
  return 0;
}
