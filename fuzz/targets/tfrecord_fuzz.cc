// The TFRecord reader (plain or gzip, told apart by the file's first bytes) and the tf.Example
// decoder over every record it yields.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/tfrecord/tfrecord.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = weir::fuzz::WriteScratchFile("data.tfrecord", weir::fuzz::AsText(data, size));
  absl::StatusOr<std::unique_ptr<weir::io::TfRecordReader>> reader =
      weir::io::TfRecordReader::Open(file);
  if (!reader.ok()) return 0;
  weir::io::ExampleBatchBuilder builder;
  while (true) {
    absl::StatusOr<std::optional<std::string_view>> record = (*reader)->Next();
    if (!record.ok() || !record->has_value()) break;
    builder.Add(**record).IgnoreError();
  }
  builder.Finish();
  return 0;
}
