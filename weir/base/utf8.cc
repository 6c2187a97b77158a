#include "weir/base/utf8.h"

#include <cstdint>
#include <cstring>

namespace weir::base {

size_t FindInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Skip ASCII eight bytes at a time: most text is ASCII.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t min_code_point;
    uint32_t code_point;
    if ((c & 0xe0) == 0xc0) {
      length = 2, min_code_point = 0x80, code_point = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3, min_code_point = 0x800, code_point = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4, min_code_point = 0x10000, code_point = c & 0x07;
    } else {
      return i;
    }
    if (i + length > n) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      code_point = (code_point << 6) | (s[i + k] & 0x3f);
    }
    if (code_point < min_code_point || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace weir::base
