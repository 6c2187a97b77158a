#include "weir/io/example/example_codec.h"

#include <algorithm>
#include <cstring>

#include "weir/base/check.h"
#include "weir/base/coding.h"
#include "weir/base/strings.h"

namespace weir::io {

using data::Column;
using data::DataType;
using data::Presence;
using internal::FeatureSizes;

namespace {

// Field tags (field number << 3 | wire type) of tf.Example's messages.
constexpr uint8_t kTagLengthDelimited1 = 0x0a;  // Example.features, Features.feature, map key,
                                                // BytesList.value, packed Float/Int64 values.
constexpr uint8_t kTagMapValue = 0x12;          // Map entry value.
constexpr uint8_t kTagBytesList = 0x0a;         // Feature.bytes_list.
constexpr uint8_t kTagFloatList = 0x12;         // Feature.float_list.
constexpr uint8_t kTagInt64List = 0x1a;         // Feature.int64_list.

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

inline bool ReadLengthDelimited(const char*& p, const char* end, std::string_view* out) {
  uint64_t length;
  if (!base::GetVarint(p, end, &length) || length > static_cast<uint64_t>(end - p)) return false;
  *out = std::string_view(p, static_cast<size_t>(length));
  p += length;
  return true;
}

bool SkipField(uint32_t wire_type, const char*& p, const char* end) {
  uint64_t ignored;
  std::string_view ignored_bytes;
  switch (wire_type) {
    case kVarint:
      return base::GetVarint(p, end, &ignored);
    case kFixed64:
      if (end - p < 8) return false;
      p += 8;
      return true;
    case kLengthDelimited:
      return ReadLengthDelimited(p, end, &ignored_bytes);
    case kFixed32:
      if (end - p < 4) return false;
      p += 4;
      return true;
    default:
      return false;
  }
}

// Calls visit(field_number, wire_type, p) for each field of a message; visit consumes the field's
// payload (or calls SkipField) and returns false on malformed input.
template <typename Visit>
bool ForEachField(std::string_view message, Visit visit) {
  const char* p = message.data();
  const char* end = p + message.size();
  while (p < end) {
    uint64_t tag;
    if (!base::GetVarint(p, end, &tag)) return false;
    uint32_t field = static_cast<uint32_t>(tag >> 3);
    uint32_t wire_type = static_cast<uint32_t>(tag & 7);
    if (field == 0 || !visit(field, wire_type, p, end)) return false;
  }
  return true;
}

FeatureSizes ComputeFeatureSizes(const Column& column, size_t row) {
  FeatureSizes sizes;
  if (column.presence(row) != Presence::kPresent || column.type() == DataType::kNull) return sizes;
  sizes.has_list = true;
  uint32_t begin = column.value_begin(row);
  uint32_t end = column.value_end(row);
  switch (column.type()) {
    case DataType::kInt64: {
      auto values = column.int64_values();
      for (uint32_t i = begin; i < end; ++i)
        sizes.payload += base::VarintLength(static_cast<uint64_t>(values[i]));
      break;
    }
    case DataType::kFloat:
      sizes.payload = 4 * static_cast<size_t>(end - begin);
      break;
    case DataType::kBytes:
      for (uint32_t i = begin; i < end; ++i) {
        size_t length = column.bytes_value(i).size();
        sizes.body += 1 + base::VarintLength(length) + length;
      }
      break;
    case DataType::kNull:
      break;
  }
  // Packed numbers are one length-delimited field, left out when there are no values.
  if (column.type() != DataType::kBytes && sizes.payload > 0) {
    sizes.body = 1 + base::VarintLength(sizes.payload) + sizes.payload;
  }
  sizes.feature = 1 + base::VarintLength(sizes.body) + sizes.body;
  return sizes;
}

uint8_t ListTag(DataType type) {
  switch (type) {
    case DataType::kBytes:
      return kTagBytesList;
    case DataType::kFloat:
      return kTagFloatList;
    default:
      return kTagInt64List;
  }
}

char* WriteFeature(const Column& column, size_t row, const FeatureSizes& sizes, char* p) {
  if (!sizes.has_list) return p;
  *p++ = static_cast<char>(ListTag(column.type()));
  p = base::EncodeVarint(sizes.body, p);
  uint32_t begin = column.value_begin(row);
  uint32_t end = column.value_end(row);
  if (begin == end) return p;
  switch (column.type()) {
    case DataType::kInt64: {
      auto values = column.int64_values();
      *p++ = static_cast<char>(kTagLengthDelimited1);
      p = base::EncodeVarint(sizes.payload, p);
      for (uint32_t i = begin; i < end; ++i)
        p = base::EncodeVarint(static_cast<uint64_t>(values[i]), p);
      break;
    }
    case DataType::kFloat:
      *p++ = static_cast<char>(kTagLengthDelimited1);
      p = base::EncodeVarint(sizes.payload, p);
      std::memcpy(p, column.float_values().data() + begin, sizes.payload);  // Little-endian.
      p += sizes.payload;
      break;
    case DataType::kBytes:
      for (uint32_t i = begin; i < end; ++i) {
        std::string_view value = column.bytes_value(i);
        *p++ = static_cast<char>(kTagLengthDelimited1);
        p = base::EncodeVarint(value.size(), p);
        std::memcpy(p, value.data(), value.size());
        p += value.size();
      }
      break;
    case DataType::kNull:
      break;
  }
  return p;
}

}  // namespace

ExampleEncoder::ExampleEncoder(const data::RecordBatch& batch) {
  columns_.reserve(batch.num_columns());
  for (const Column& column : batch.columns()) {
    std::string key_field;
    key_field.push_back(static_cast<char>(kTagLengthDelimited1));
    base::PutVarint(&key_field, column.name().size());
    key_field.append(column.name());
    columns_.push_back({&column, std::move(key_field)});
  }
  // Protobuf's deterministic serialization orders map entries by key bytes.
  std::sort(columns_.begin(), columns_.end(), [](const SortedColumn& a, const SortedColumn& b) {
    return a.column->name() < b.column->name();
  });
  feature_sizes_.resize(columns_.size());
}

void ExampleEncoder::Encode(size_t row, std::string* out) {
  size_t features_size = 0;
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Column& column = *columns_[c].column;
    if (column.presence(row) == Presence::kAbsent) continue;
    feature_sizes_[c] = ComputeFeatureSizes(column, row);
    size_t feature_size = feature_sizes_[c].feature;
    size_t entry_size =
        columns_[c].key_field.size() + 1 + base::VarintLength(feature_size) + feature_size;
    features_size += 1 + base::VarintLength(entry_size) + entry_size;
  }
  size_t old_size = out->size();
  out->resize(old_size + 1 + base::VarintLength(features_size) + features_size);
  char* p = out->data() + old_size;
  *p++ = static_cast<char>(kTagLengthDelimited1);
  p = base::EncodeVarint(features_size, p);
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Column& column = *columns_[c].column;
    if (column.presence(row) == Presence::kAbsent) continue;
    size_t feature_size = feature_sizes_[c].feature;
    const std::string& key_field = columns_[c].key_field;
    size_t entry_size = key_field.size() + 1 + base::VarintLength(feature_size) + feature_size;
    *p++ = static_cast<char>(kTagLengthDelimited1);
    p = base::EncodeVarint(entry_size, p);
    std::memcpy(p, key_field.data(), key_field.size());
    p += key_field.size();
    *p++ = static_cast<char>(kTagMapValue);
    p = base::EncodeVarint(feature_size, p);
    p = WriteFeature(column, row, feature_sizes_[c], p);
  }
}

void ExampleEncoder::EncodeFeature(const Column& column, size_t row, std::string* out) {
  FeatureSizes sizes = ComputeFeatureSizes(column, row);
  size_t old_size = out->size();
  out->resize(old_size + sizes.feature);
  WriteFeature(column, row, sizes, out->data() + old_size);
}

absl::Status ExampleBatchBuilder::Parse(std::string_view serialized) {
  pending_.clear();
  const auto malformed = [](std::string_view what) {
    return absl::InvalidArgumentError(weir::StrCat("malformed tf.Example: ", what));
  };
  std::vector<std::string_view> features_messages;
  if (!ForEachField(serialized,
                    [&](uint32_t field, uint32_t wire_type, const char*& p, const char* end) {
                      if (field == 1 && wire_type == kLengthDelimited) {
                        std::string_view features;
                        if (!ReadLengthDelimited(p, end, &features)) return false;
                        features_messages.push_back(features);
                        return true;
                      }
                      return SkipField(wire_type, p, end);
                    })) {
    return malformed("bad Example message");
  }
  for (std::string_view features : features_messages) {
    bool entry_ok = true;
    std::string bad_entry;
    bool ok = ForEachField(features, [&](uint32_t field, uint32_t wire_type, const char*& p,
                                         const char* end) {
      if (field != 1 || wire_type != kLengthDelimited) return SkipField(wire_type, p, end);
      std::string_view entry;
      if (!ReadLengthDelimited(p, end, &entry)) return false;
      std::string_view key;
      std::string_view feature;
      if (!ForEachField(entry, [&](uint32_t f, uint32_t w, const char*& q, const char* e) {
            if (f == 1 && w == kLengthDelimited) return ReadLengthDelimited(q, e, &key);
            if (f == 2 && w == kLengthDelimited) return ReadLengthDelimited(q, e, &feature);
            return SkipField(w, q, e);
          })) {
        return false;
      }
      DataType type = DataType::kNull;
      std::string_view list;
      if (!ForEachField(feature, [&](uint32_t f, uint32_t w, const char*& q, const char* e) {
            if (f >= 1 && f <= 3 && w == kLengthDelimited) {
              type = f == 1 ? DataType::kBytes : f == 2 ? DataType::kFloat : DataType::kInt64;
              return ReadLengthDelimited(q, e, &list);
            }
            return SkipField(w, q, e);
          })) {
        entry_ok = false;
        bad_entry = std::string(key);
        return false;
      }
      // Validate the list body now so that Append cannot fail half-way through a row.
      bool list_ok = ForEachField(list, [&](uint32_t f, uint32_t w, const char*& q, const char* e) {
        if (f != 1) return SkipField(w, q, e);
        if (type == DataType::kBytes) {
          std::string_view value;
          return w == kLengthDelimited && ReadLengthDelimited(q, e, &value);
        }
        if (type == DataType::kFloat) {
          if (w == kFixed32) return SkipField(w, q, e);
          std::string_view packed;
          return w == kLengthDelimited && ReadLengthDelimited(q, e, &packed) &&
                 packed.size() % 4 == 0;
        }
        if (w == kVarint) return SkipField(w, q, e);
        std::string_view packed;
        if (w != kLengthDelimited || !ReadLengthDelimited(q, e, &packed)) return false;
        const char* r = packed.data();
        const char* r_end = r + packed.size();
        uint64_t value;
        while (r < r_end) {
          if (!base::GetVarint(r, r_end, &value)) return false;
        }
        return true;
      });
      if (!list_ok) {
        entry_ok = false;
        bad_entry = std::string(key);
        return false;
      }
      pending_.push_back({ColumnFor(key, type), type, list});
      return true;
    });
    if (!entry_ok) return malformed(weir::StrCat("bad value list in feature '", bad_entry, "'"));
    if (!ok) return malformed("bad Features message");
  }
  return absl::OkStatus();
}

size_t ExampleBatchBuilder::ColumnFor(std::string_view name, DataType type) {
  // Examples of one dataset list their features in the same order: try the column that held the
  // same position in the previous example before hashing the name.
  size_t position = pending_.size();
  if (position < previous_order_.size() && columns_[previous_order_[position]].name() == name) {
    return previous_order_[position];
  }
  if (auto it = index_.find(name); it != index_.end()) return it->second;
  size_t index = columns_.size();
  columns_.emplace_back(std::string(name), type);
  for (size_t row = 0; row < num_rows_; ++row) columns_.back().AppendMissing();
  index_.emplace(std::string(name), index);
  seen_.push_back(0);
  return index;
}

void ExampleBatchBuilder::Append(Column& column, DataType type, std::string_view list) {
  if (type == DataType::kNull) {
    column.AppendMissing(Presence::kNoKind);
    return;
  }
  ForEachField(list, [&](uint32_t f, uint32_t w, const char*& q, const char* e) {
    if (f != 1) return SkipField(w, q, e);
    if (type == DataType::kBytes) {
      std::string_view value;
      ReadLengthDelimited(q, e, &value);
      column.AddBytes(value);
    } else if (type == DataType::kFloat) {
      if (w == kFixed32) {
        column.AddFloat(base::DecodeFixed<float>(q));
        q += 4;
      } else {
        std::string_view packed;
        ReadLengthDelimited(q, e, &packed);
        for (size_t i = 0; i < packed.size(); i += 4)
          column.AddFloat(base::DecodeFixed<float>(packed.data() + i));
      }
    } else {
      uint64_t value = 0;
      if (w == kVarint) {
        const bool read = base::GetVarint(q, e, &value);
        WEIR_DCHECK(read);  // Parse validated every field.
        column.AddInt64(static_cast<int64_t>(value));
      } else {
        std::string_view packed;
        ReadLengthDelimited(q, e, &packed);
        const char* r = packed.data();
        const char* r_end = r + packed.size();
        while (r < r_end && base::GetVarint(r, r_end, &value))
          column.AddInt64(static_cast<int64_t>(value));
      }
    }
    return true;
  });
  column.FinishRow(Presence::kPresent);
}

absl::Status ExampleBatchBuilder::Add(std::string_view serialized) {
  size_t columns_before = columns_.size();
  absl::Status status = Parse(serialized);
  // Check types and duplicates before touching any column, so a bad example changes nothing.
  if (status.ok()) {
    for (const PendingFeature& feature : pending_) {
      Column& column = columns_[feature.column];
      if (seen_[feature.column]) {
        status = absl::InvalidArgumentError(
            weir::StrCat("feature '", column.name(), "' appears twice in one tf.Example"));
        break;
      }
      seen_[feature.column] = 1;
      if (feature.type != DataType::kNull && column.type() != DataType::kNull &&
          column.type() != feature.type) {
        status = absl::InvalidArgumentError(weir::StrCat(
            "feature '", column.name(), "' holds ", data::DataTypeName(column.type()),
            " values in earlier examples but ", data::DataTypeName(feature.type), " in this one"));
        break;
      }
    }
    std::fill(seen_.begin(), seen_.end(), 0);
  }
  if (!status.ok()) {
    // Forget columns first seen in the rejected example.
    for (size_t c = columns_before; c < columns_.size(); ++c) index_.erase(columns_[c].name());
    columns_.erase(columns_.begin() + static_cast<ptrdiff_t>(columns_before), columns_.end());
    seen_.resize(columns_before);
    return status;
  }
  for (const PendingFeature& feature : pending_) {
    Column& column = columns_[feature.column];
    if (column.type() == DataType::kNull && feature.type != DataType::kNull) {
      // The first typed value of a column seen only without a list so far: retype it.
      Column typed(column.name(), feature.type);
      for (size_t row = 0; row < column.num_rows(); ++row)
        typed.AppendMissing(column.presence(row));
      column = std::move(typed);
    }
    Append(column, feature.type, feature.list);
    seen_[feature.column] = 1;
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (!seen_[c]) columns_[c].AppendMissing();
    seen_[c] = 0;
  }
  previous_order_.clear();
  for (const PendingFeature& feature : pending_) previous_order_.push_back(feature.column);
  ++num_rows_;
  return absl::OkStatus();
}

data::RecordBatch ExampleBatchBuilder::Finish() {
  data::RecordBatch batch(std::move(columns_));
  columns_.clear();
  index_.clear();
  seen_.clear();
  previous_order_.clear();
  num_rows_ = 0;
  return batch;
}

absl::StatusOr<data::RecordBatch> DecodeExample(std::string_view serialized) {
  ExampleBatchBuilder builder;
  if (absl::Status status = builder.Add(serialized); !status.ok()) return status;
  return builder.Finish();
}

}  // namespace weir::io
