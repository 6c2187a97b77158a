#include "weir/base/bytes.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace weir::base {
namespace {

bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

const bool kHasAvx2 = CpuHasAvx2();

size_t CountByteScalar(const char* p, size_t n, char byte) {
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += p[i] == byte;
  return count;
}

__attribute__((target("avx2,popcnt"))) size_t CountByteAvx2(const char* p, size_t n, char byte) {
  const __m256i needle = _mm256_set1_epi8(byte);
  size_t count = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(block, needle)));
    count += static_cast<size_t>(__builtin_popcount(mask));
  }
  return count + CountByteScalar(p + i, n - i, byte);
}

__attribute__((target("avx2"))) bool HasNonAsciiAvx2(const char* p, size_t n) {
  size_t i = 0;
  __m256i any = _mm256_setzero_si256();
  for (; i + 32 <= n; i += 32) {
    any = _mm256_or_si256(any, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
  }
  if (_mm256_movemask_epi8(any) != 0) return true;
  for (; i < n; ++i) {
    if (p[i] & 0x80) return true;
  }
  return false;
}

}  // namespace

size_t CountByte(std::string_view data, char byte) {
  if (kHasAvx2) return CountByteAvx2(data.data(), data.size(), byte);
  return CountByteScalar(data.data(), data.size(), byte);
}

bool HasNonAscii(std::string_view data) {
  if (kHasAvx2) return HasNonAsciiAvx2(data.data(), data.size());
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + i, 8);
    any |= word;
  }
  for (; i < data.size(); ++i) any |= static_cast<uint8_t>(data[i]);
  return (any & 0x8080808080808080ull) != 0;
}

}  // namespace weir::base
