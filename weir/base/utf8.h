#ifndef WEIR_BASE_UTF8_H_
#define WEIR_BASE_UTF8_H_

#include <cstddef>
#include <string_view>

namespace weir::base {

// Returns the byte offset of the first invalid UTF-8 sequence in `text` (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or std::string_view::npos if valid.
size_t FindInvalidUtf8(std::string_view text);

}  // namespace weir::base

#endif  // WEIR_BASE_UTF8_H_
