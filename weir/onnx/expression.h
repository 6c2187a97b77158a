// A Transform expression (muparser's syntax, as weir evaluates it: doubles, NaN for a missing
// value) as ONNX nodes. What translates: numbers, the constants _pi and _e, variables, + - * / ^
// (right-associative; a sign binds tighter than * and /, looser than ^), comparisons (1 or 0),
// && and || (non-zero is true), a ? b : c, and the functions abs, sqrt, exp, log and ln (natural),
// log2, log10, sign, rint, min, max, sum and avg. Others (the trigonometric functions, which ONNX
// Runtime computes in float only) are refused by name.
#ifndef WEIR_ONNX_EXPRESSION_H_
#define WEIR_ONNX_EXPRESSION_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "weir/onnx/graph_builder.h"

namespace weir::onnx {

// Adds the nodes computing `text` to `graph` and returns the DOUBLE [N, 1] result. `variable`
// gives a variable's DOUBLE [N, 1] values (NaN where missing).
absl::StatusOr<std::string> TranslateExpression(
    std::string_view text, GraphBuilder& graph,
    const std::function<std::string(const std::string& name)>& variable);

}  // namespace weir::onnx

#endif  // WEIR_ONNX_EXPRESSION_H_
