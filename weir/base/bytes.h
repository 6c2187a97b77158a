// Byte-scanning kernels used on the hot paths of the readers.
#ifndef WEIR_BASE_BYTES_H_
#define WEIR_BASE_BYTES_H_

#include <cstddef>
#include <string_view>

namespace weir::base {

// Number of occurrences of `byte` in `data` (AVX2 when the CPU has it).
size_t CountByte(std::string_view data, char byte);

// True if any byte of `data` has its high bit set.
bool HasNonAscii(std::string_view data);

}  // namespace weir::base

#endif  // WEIR_BASE_BYTES_H_
