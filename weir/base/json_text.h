// JSON as weir prints it (--json, text views of values, HTTP answers). Strings may hold bytes
// that are not UTF-8 (a path under a WEIR_HOME with a Latin-1 byte, a property written by another
// tool, a client's bytes quoted in an error), on which nlohmann's dump() throws and the command
// aborted; here each such byte becomes U+FFFD, as Python's errors="replace" decodes it.
// Header-only: nlohmann is not a dependency of weir_base.
#ifndef WEIR_BASE_JSON_TEXT_H_
#define WEIR_BASE_JSON_TEXT_H_

#include <nlohmann/json.hpp>
#include <string>

namespace weir::base {

// `value` as JSON text; `indent` as nlohmann's dump() takes it (-1: one line).
template <typename Json>
std::string JsonText(const Json& value, int indent = -1) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace weir::base

#endif  // WEIR_BASE_JSON_TEXT_H_
