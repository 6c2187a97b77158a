// JSON text from outside (request bodies, a run's conf) into nlohmann's document, with a bound on
// nesting: nlohmann parses any depth, but code that walks the document recursively (dump(),
// comparisons) overflowed the stack on a body nested ~100k levels deep. Header-only: nlohmann is
// not a dependency of weir_base.
#ifndef WEIR_BASE_JSON_PARSE_H_
#define WEIR_BASE_JSON_PARSE_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/status/statusor.h"
#include "weir/base/strings.h"

namespace weir::base {

// Deeper documents than this are refused (a request or conf needs a handful of levels).
inline constexpr int kMaxJsonDepth = 64;

// `text` as a Json (nlohmann::json or ordered_json): InvalidArgument saying "not JSON" (with
// nlohmann's reason and byte) or "nests deeper than 64 levels". `what` names the text in errors
// ("the body", "--conf").
template <typename Json>
absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what) {
  bool too_deep = false;
  try {
    Json parsed = Json::parse(
        text,
        [&](int depth, typename Json::parse_event_t, Json&) {
          too_deep = too_deep || depth > kMaxJsonDepth;
          return !too_deep;
        },
        /*allow_exceptions=*/true);
    if (too_deep)
      return absl::InvalidArgumentError(
          StrCat(what, " nests deeper than ", kMaxJsonDepth, " levels"));
    return parsed;
  } catch (const typename Json::exception& e) {
    if (too_deep)
      return absl::InvalidArgumentError(
          StrCat(what, " nests deeper than ", kMaxJsonDepth, " levels"));
    return absl::InvalidArgumentError(StrCat(what, " is not JSON: ", e.what()));
  }
}

}  // namespace weir::base

#endif  // WEIR_BASE_JSON_PARSE_H_
