// Spans and versions of ExampleGen's input, in TFX's syntax. A split pattern (a glob relative to
// input_base) may hold
//   {SPAN} or {SPAN:W}        the span number (digits; W: exactly W of them, zero-padded),
//   {YYYY} {MM} {DD}          a date instead, each exactly once: the span is the day's number
//                             counted from 1970-01-01, as TFX counts it,
//   {VERSION} or {VERSION:W}  a version within the span (only with a span or a date),
// e.g. "span-{SPAN}/v{VERSION}/*.csv" or "{YYYY}-{MM}-{DD}/*". The selection is the latest span
// (or the one asked for) and, within it, the latest version; every split must agree on both.
// Paths the glob finds but whose spec parts are not numbers (span-latest/) are not inputs.
#ifndef WEIR_COMPONENTS_EXAMPLE_GEN_INPUT_SPANS_H_
#define WEIR_COMPONENTS_EXAMPLE_GEN_INPUT_SPANS_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::components {

// One split's pattern, and the files of the selected span and version.
struct SelectedSplit {
  std::string name;
  std::string pattern;           // As written, specs included.
  std::string selected_pattern;  // With the selected span (or date) and version filled in.
  std::vector<std::filesystem::path> files;  // Sorted; never empty.
};

struct InputSelection {
  // True when the patterns name a span ({SPAN} or a date); span is 0 otherwise.
  bool has_span = false;
  bool has_version = false;
  int64_t span = 0;
  int64_t version = 0;  // 0 without a {VERSION} spec.
  std::vector<SelectedSplit> splits;
};

// The specs one pattern holds; an error names the pattern when they are not allowed together
// (a span and a date; a version without either; a spec twice; a width that is not a positive
// number).
struct PatternSpecs {
  bool span = false;
  bool date = false;
  bool version = false;
};
absl::StatusOr<PatternSpecs> ParsePatternSpecs(const std::string& pattern);

// Resolves {split name, pattern} pairs under `input_base`. `span`: take this span instead of the
// latest (an error when the patterns have no span or date spec, or no file of that span exists).
// NotFound when a split matches no file; InvalidArgument when the splits' latest spans or
// versions differ, or a date in a path is not a calendar date.
absl::StatusOr<InputSelection> SelectInputSpan(
    const std::filesystem::path& input_base,
    const std::vector<std::pair<std::string, std::string>>& split_patterns,
    std::optional<int64_t> span);

// The span of a calendar date: days since 1970-01-01, as TFX numbers date spans. InvalidArgument
// when it is not a date of the Gregorian calendar (month 13, February 30).
absl::StatusOr<int64_t> DateToSpan(int year, int month, int day);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_EXAMPLE_GEN_INPUT_SPANS_H_
