// tf.Example straight between wire bytes and columns, with no protobuf object per example.
//
// Encoding is deterministic and byte-identical to protobuf's deterministic serialization of the
// same tensorflow.Example: features sorted by name, floats and int64s packed. A row that is
// Presence::kAbsent in a column is left out; a kNoKind row is written as a Feature with no list;
// a kPresent row with no values as an empty list of the column's type.
#ifndef WEIR_IO_EXAMPLE_EXAMPLE_CODEC_H_
#define WEIR_IO_EXAMPLE_EXAMPLE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"

namespace weir::io {
namespace internal {

// Sizes of one row's Feature message, computed once and used to write it.
struct FeatureSizes {
  bool has_list = false;  // False: a Feature with no list (kAbsent or kNoKind rows, kNull type).
  size_t payload = 0;     // Packed numbers: the packed field's payload.
  size_t body = 0;        // The list message (BytesList / FloatList / Int64List).
  size_t feature = 0;     // The Feature message.
};

}  // namespace internal

// Encodes rows of one batch. Construction sorts the columns by name; Encode is then cheap.
// The batch must outlive the encoder.
class ExampleEncoder {
 public:
  explicit ExampleEncoder(const data::RecordBatch& batch);

  // Appends the serialized tf.Example of `row` to `out`.
  void Encode(size_t row, std::string* out);
  // Appends the serialized tf.Feature of (`column`, `row`) alone to `out`: what TFX hashes when
  // it partitions by a feature. A kAbsent row encodes like kNoKind (an empty Feature).
  static void EncodeFeature(const data::Column& column, size_t row, std::string* out);

 private:
  struct SortedColumn {
    const data::Column* column;
    std::string key_field;  // The map entry's key field: tag, length, name.
  };
  std::vector<SortedColumn> columns_;
  std::vector<internal::FeatureSizes> feature_sizes_;  // Scratch: per column, sizes in this row.
};

// Decodes serialized tf.Examples into a RecordBatch, one row per example. Columns appear in the
// order features are first seen; a feature that an example lacks is Presence::kAbsent in that row.
// A feature whose list type differs between examples, or that appears twice in one example, is an
// InvalidArgument error naming the feature.
class ExampleBatchBuilder {
 public:
  // Adds one example. On error the builder is unchanged.
  absl::Status Add(std::string_view serialized);
  size_t num_rows() const { return num_rows_; }
  // Returns the batch and resets the builder.
  data::RecordBatch Finish();

 private:
  struct PendingFeature {
    size_t column;
    data::DataType type;    // kNull for a Feature with no list.
    std::string_view list;  // The list message's bytes.
  };
  absl::Status Parse(std::string_view serialized);
  size_t ColumnFor(std::string_view name, data::DataType type);
  void Append(data::Column& column, data::DataType type, std::string_view list);

  std::vector<data::Column> columns_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> index_;
  std::vector<PendingFeature> pending_;
  std::vector<uint8_t> seen_;           // Per column: set in the current row.
  std::vector<size_t> previous_order_;  // Columns in the order the last example listed them.
  size_t num_rows_ = 0;
};

// Decodes one example into a one-row batch.
absl::StatusOr<data::RecordBatch> DecodeExample(std::string_view serialized);

}  // namespace weir::io

#endif  // WEIR_IO_EXAMPLE_EXAMPLE_CODEC_H_
