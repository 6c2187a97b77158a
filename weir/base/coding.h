// One home for byte encodings (as LevelDB's util/coding.h): fixed-width little-endian values,
// length-prefixed bytes, and protobuf's base-128 varints. The TFRecord framing, the tf.Example
// codec and the serialized state of statistics accumulators and sketches use these.
#ifndef WEIR_BASE_CODING_H_
#define WEIR_BASE_CODING_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace weir::base {

// Fixed-width values are written as they are in memory: little-endian on every host weir builds
// for (x86-64, aarch64).
static_assert(std::endian::native == std::endian::little,
              "fixed-width coding assumes little-endian");

template <typename T>
concept FixedWidth = std::is_arithmetic_v<T>;

template <FixedWidth T>
inline void EncodeFixed(char* p, T value) {
  std::memcpy(p, &value, sizeof(T));
}
template <FixedWidth T>
inline void PutFixed(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}
// `count` values in a row.
template <FixedWidth T>
inline void PutFixedArray(std::string* out, const T* values, size_t count) {
  if (count > 0) out->append(reinterpret_cast<const char*>(values), count * sizeof(T));
}
template <FixedWidth T>
inline T DecodeFixed(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}
// Reads a value off the front of `in`; false (and `in` unchanged) when it is too short.
template <FixedWidth T>
inline bool GetFixed(std::string_view* in, T* value) {
  if (in->size() < sizeof(T)) return false;
  *value = DecodeFixed<T>(in->data());
  in->remove_prefix(sizeof(T));
  return true;
}
template <FixedWidth T>
inline bool GetFixedArray(std::string_view* in, T* values, size_t count) {
  if (in->size() / sizeof(T) < count) return false;
  if (count > 0) std::memcpy(values, in->data(), count * sizeof(T));
  in->remove_prefix(count * sizeof(T));
  return true;
}

// Bytes after their length as a fixed uint64.
inline void PutLengthPrefixed(std::string* out, std::string_view bytes) {
  PutFixed<uint64_t>(out, bytes.size());
  out->append(bytes);
}
inline bool GetLengthPrefixed(std::string_view* in, std::string_view* bytes) {
  std::string_view rest = *in;
  uint64_t size;
  if (!GetFixed(&rest, &size) || rest.size() < size) return false;
  *bytes = rest.substr(0, size);
  rest.remove_prefix(size);
  *in = rest;
  return true;
}

// Protobuf's varint: 7 bits a byte, low bits first, the high bit set on all but the last.
inline size_t VarintLength(uint64_t value) {
  // 1 + floor(bits / 7), computed without a loop.
  const int bits = 64 - __builtin_clzll(value | 1);
  return static_cast<size_t>((bits * 9 + 64) / 64);
}
// Writes `value` at `p` (room for 10 bytes); returns the end.
inline char* EncodeVarint(uint64_t value, char* p) {
  while (value >= 0x80) {
    *p++ = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<char>(value);
  return p;
}
inline void PutVarint(std::string* out, uint64_t value) {
  char buffer[10];
  out->append(buffer, EncodeVarint(value, buffer) - buffer);
}
// Reads a varint at `p`, advancing it; false when the input ends first or it runs past 64 bits.
inline bool GetVarint(const char*& p, const char* end, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(*p++);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) {
      *value = result;
      return true;
    }
  }
  return false;
}

}  // namespace weir::base

#endif  // WEIR_BASE_CODING_H_
