// Synthetic CSV data that looks like a real CSV file. A profile is fitted once from real files
// (per-column type, missing rate and marginal distribution, plus a Gaussian copula that ties the
// columns together) and saved as JSON; any number of rows can then be generated from it, streamed
// to disk with bounded memory. Nothing here knows about any particular data set: the examples
// ship their own profiles (examples/<name>/datagen_profile.json). See docs/datagen.md.
#ifndef WEIR_DATAGEN_DATAGEN_H_
#define WEIR_DATAGEN_DATAGEN_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"

namespace weir::datagen {

// How a column's present values are drawn.
enum class Marginal : uint8_t {
  kNone,        // Never present (a column that was empty in every row).
  kQuantiles,   // Interpolated in an empirical quantile table (many distinct numbers).
  kCategories,  // One of a list of cell texts with given probabilities (strings, discrete numbers).
};

struct ColumnProfile {
  std::string name;
  data::DataType type = data::DataType::kNull;  // As weir's CSV reader infers it.
  double missing_rate = 0;                      // Share of empty cells.

  // A numeric value that takes a large share of the present cells (a tip of 0, a trip of 0
  // miles), or "" for none. It gets its own copula variable, so that "is it 0" and "how large
  // is it otherwise" can relate to the other columns differently.
  std::string dominant;       // Cell text.
  double dominant_share = 0;  // Among present cells.

  // The distribution of the present cells other than `dominant`.
  Marginal marginal = Marginal::kNone;
  // kQuantiles: the values at probabilities i / (size - 1), non-decreasing. Runs of equal values
  // are point masses and are drawn exactly.
  std::vector<double> quantiles;
  // kQuantiles, kInt64: drawn integers are quantiles.front() + k * step.
  int64_t step = 1;
  // kFloat: digits printed after the point (at least 1, so the column stays a float column).
  int decimals = 0;
  // kCategories: the cell texts, in the order the copula ranks them (see docs/datagen.md), and
  // their probabilities (they sum to 1).
  std::vector<std::string> categories;
  std::vector<double> weights;
};

// The variables of the Gaussian copula: one "value" variable per column (in column order),
// then a "missing" variable for each column with 0 < missing_rate < 1, then a "dominant"
// variable for each column with a dominant value (each group in column order). A column's cell
// is empty when its missing variable is below the missing_rate quantile, else `dominant` when
// its dominant variable is below the dominant_share quantile, else drawn from the marginal at
// the rank of its value variable.
struct CopulaVariable {
  enum Kind : uint8_t { kValue, kMissing, kDominant };
  size_t column = 0;
  Kind kind = kValue;
};

struct Profile {
  std::vector<ColumnProfile> columns;
  // Correlation matrix of the copula's variables (CopulaVariables order), row-major, symmetric
  // positive definite with a unit diagonal.
  std::vector<double> correlation;
  uint64_t source_rows = 0;  // Rows of the CSV files the profile was fitted on (informational).
};

std::vector<CopulaVariable> CopulaVariables(const Profile& profile);
// "fare", "company:missing", "tips:dominant".
std::string CopulaVariableName(const Profile& profile, const CopulaVariable& variable);

// Fits a profile to CSV files that share one header. Types come from weir's CSV reader
// (io::InferCsvSchema). Files with more than 1,000,000 rows are subsampled (uniformly, with a
// fixed seed) for the distributions and the copula; missing rates use every row. Errors: those
// of the CSV reader (naming file and line), InvalidArgument when there is no row.
absl::StatusOr<Profile> FitProfile(const std::vector<std::filesystem::path>& csv_files);

// Writes `profile` as JSON, atomically.
absl::Status SaveProfile(const Profile& profile, const std::filesystem::path& path);

// Reads and checks a profile written by SaveProfile. Errors name the file and the field
// (e.g. "p.json: columns[3].weights: ..."); NotFound when the file does not exist.
absl::StatusOr<Profile> LoadProfile(const std::filesystem::path& path);

// The profile file for `name_or_path`: an existing file is returned as is; otherwise a name such
// as "taxi" is looked up as <dir>/<name>/datagen_profile.json in, in order, $WEIR_EXAMPLES_DIR,
// <folder of the running binary>/../share/weir/examples and the source tree's examples/.
// NotFound lists every place searched.
absl::StatusOr<std::filesystem::path> ResolveProfile(std::string_view name_or_path);

struct GenerateOptions {
  uint64_t rows = 10000;
  uint64_t seed = 0;
  int num_threads = 0;  // 0: all cores. The output does not depend on it.
};

// Writes a header and `options.rows` rows drawn from `profile` to `out` (atomically: a temporary
// file beside it, fsync, rename). The bytes depend only on the profile, the row count and the
// seed. Memory is bounded by a few blocks of rows per thread whatever the row count.
absl::Status GenerateCsv(const Profile& profile, const GenerateOptions& options,
                         const std::filesystem::path& out);

}  // namespace weir::datagen

#endif  // WEIR_DATAGEN_DATAGEN_H_
