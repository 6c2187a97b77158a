// Columnar batches of examples. Each column is a list column in tf.Example's sense: every row
// holds a list of values of the column's type, and a row may also be missing. "Missing" and
// "present but empty" are different states, as they are in tf.Example.
#ifndef WEIR_DATA_RECORD_BATCH_H_
#define WEIR_DATA_RECORD_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weir/base/check.h"

namespace weir::data {

enum class DataType : uint8_t {
  kNull,  // No row has a value list: the type is unknown (a CSV column empty in every row).
  kInt64,
  kFloat,  // float32, as in tf.train.FloatList.
  kBytes,
};

std::string_view DataTypeName(DataType type);

// The state of one row of a column.
enum class Presence : uint8_t {
  kAbsent,   // The example has no such feature.
  kNoKind,   // The example has the feature, but with no value list: missing, like kAbsent.
  kPresent,  // The example has a value list, possibly empty.
};

class Column {
 public:
  Column(std::string name, DataType type) : name_(std::move(name)), type_(type) {
    offsets_.push_back(0);
    if (type_ == DataType::kBytes) bytes_offsets_.push_back(0);
  }

  const std::string& name() const { return name_; }
  DataType type() const { return type_; }
  size_t num_rows() const { return presence_.size(); }
  size_t num_values() const { return offsets_.back(); }

  Presence presence(size_t row) const { return presence_[row]; }
  bool is_present(size_t row) const { return presence_[row] == Presence::kPresent; }
  // Values of `row` are the value indices [value_begin(row), value_end(row)); a missing row has
  // none.
  uint32_t value_begin(size_t row) const { return offsets_[row]; }
  uint32_t value_end(size_t row) const { return offsets_[row + 1]; }
  uint32_t value_count(size_t row) const { return offsets_[row + 1] - offsets_[row]; }

  // The scalar fast path: true when every row is present with exactly one value, so value index
  // == row index and readers may loop over the value arrays directly.
  bool single_valued() const { return irregular_rows_ == 0; }

  std::span<const int64_t> int64_values() const { return int64_values_; }
  std::span<const float> float_values() const { return float_values_; }
  std::string_view bytes_value(size_t index) const {
    return std::string_view(bytes_data_)
        .substr(bytes_offsets_[index], bytes_offsets_[index + 1] - bytes_offsets_[index]);
  }

  // Building: add the values of the current row, then finish it. Adding a value of a type other
  // than the column's is a programming error.
  void AddInt64(int64_t value) {
    WEIR_DCHECK(type_ == DataType::kInt64);
    int64_values_.push_back(value);
  }
  void AddFloat(float value) {
    WEIR_DCHECK(type_ == DataType::kFloat);
    float_values_.push_back(value);
  }
  void AddBytes(std::string_view value) {
    WEIR_DCHECK(type_ == DataType::kBytes);
    bytes_data_.append(value);
    bytes_offsets_.push_back(static_cast<uint32_t>(bytes_data_.size()));
  }
  // Closes the row opened by the Add* calls since the last FinishRow. A row that is not
  // kPresent must have no values.
  void FinishRow(Presence presence) {
    uint32_t end = static_cast<uint32_t>(ValueArraySize());
    WEIR_DCHECK(presence == Presence::kPresent || end == offsets_.back());
    if (presence != Presence::kPresent || end - offsets_.back() != 1) ++irregular_rows_;
    presence_.push_back(presence);
    offsets_.push_back(end);
  }
  void AppendMissing(Presence presence = Presence::kAbsent) { FinishRow(presence); }

  void Reserve(size_t rows, size_t values);

 private:
  // Inline: called once per cell while building.
  size_t ValueArraySize() const {
    switch (type_) {
      case DataType::kInt64:
        return int64_values_.size();
      case DataType::kFloat:
        return float_values_.size();
      case DataType::kBytes:
        return bytes_offsets_.size() - 1;
      case DataType::kNull:
        return 0;
    }
    return 0;
  }

  std::string name_;
  DataType type_;
  std::vector<Presence> presence_;
  std::vector<uint32_t> offsets_;  // num_rows + 1 entries.
  size_t irregular_rows_ = 0;
  std::vector<int64_t> int64_values_;
  std::vector<float> float_values_;
  std::string bytes_data_;
  std::vector<uint32_t> bytes_offsets_;  // num_values + 1 entries for kBytes.
};

// A batch of rows stored column by column. Columns keep the order they were added in.
class RecordBatch {
 public:
  RecordBatch() = default;
  explicit RecordBatch(std::vector<Column> columns) : columns_(std::move(columns)) {}

  size_t num_rows() const { return columns_.empty() ? 0 : columns_.front().num_rows(); }
  size_t num_columns() const { return columns_.size(); }
  const Column& column(size_t i) const { return columns_[i]; }
  Column& mutable_column(size_t i) { return columns_[i]; }
  const std::vector<Column>& columns() const { return columns_; }
  // The column with this name, or nullptr.
  const Column* FindColumn(std::string_view name) const;
  // Adds an empty column; the reference is valid until the next AddColumn.
  Column& AddColumn(std::string name, DataType type);

  // A copy of rows [begin, end): the same columns, with those rows' values and presence.
  RecordBatch Slice(size_t begin, size_t end) const;

 private:
  std::vector<Column> columns_;
};

}  // namespace weir::data

#endif  // WEIR_DATA_RECORD_BATCH_H_
