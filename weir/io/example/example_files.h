// Reading the examples of TFRecord files (as weir or TFX write them) in blocks, decoded into
// RecordBatches on several threads and handed on in file order.
#ifndef WEIR_IO_EXAMPLE_EXAMPLE_FILES_H_
#define WEIR_IO_EXAMPLE_EXAMPLE_FILES_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/base/parallel.h"
#include "weir/data/record_batch.h"
#include "weir/io/tfrecord/tfrecord.h"

namespace weir::io {

inline constexpr size_t kExamplesPerBlock = 4096;

// Serialized examples of one file, in order.
struct ExampleBlock {
  std::string bytes;
  std::vector<size_t> ends;  // End offset of each example in `bytes`.
  std::string file;          // For messages.
  uint64_t first_record = 0;

  // Decodes the examples into a batch; errors name the file and record.
  absl::StatusOr<data::RecordBatch> Decode() const;
};

// Reads blocks of up to kExamplesPerBlock examples from files one after another.
class ExampleBlockReader {
 public:
  explicit ExampleBlockReader(std::vector<std::filesystem::path> files)
      : files_(std::move(files)) {}
  // The next block, or nullopt after the last file.
  absl::StatusOr<std::optional<ExampleBlock>> Next();

 private:
  std::vector<std::filesystem::path> files_;
  size_t next_file_ = 0;
  std::unique_ptr<TfRecordReader> reader_;
  uint64_t record_index_ = 0;
};

// The files of one split folder of an Examples artifact (every file in it), sorted.
absl::StatusOr<std::vector<std::filesystem::path>> ExampleFiles(
    const std::filesystem::path& split_dir);

// Runs `work` on every block of examples of `files` (decoded) on up to `num_threads` threads
// (0: all cores) and `consume` on the results in file order.
template <typename Out>
absl::Status ForEachExampleBatch(
    const std::vector<std::filesystem::path>& files, int num_threads,
    const std::function<absl::StatusOr<Out>(data::RecordBatch&&)>& work,
    const std::function<absl::Status(Out&&)>& consume) {
  ExampleBlockReader reader(files);
  const int threads = num_threads > 0 ? num_threads : base::DefaultThreadCount();
  return base::RunOrderedPipeline<ExampleBlock, Out>(
      threads, 2 * static_cast<size_t>(threads) + 1, [&] { return reader.Next(); },
      [&](ExampleBlock&& block) -> absl::StatusOr<Out> {
        absl::StatusOr<data::RecordBatch> batch = block.Decode();
        if (!batch.ok()) return batch.status();
        return work(*std::move(batch));
      },
      consume);
}

}  // namespace weir::io

#endif  // WEIR_IO_EXAMPLE_EXAMPLE_FILES_H_
