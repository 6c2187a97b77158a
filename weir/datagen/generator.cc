// Generating rows from a profile: blocks of rows are drawn on several threads, each block from
// its own random stream, and written in order.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <optional>
#include <random>

#include "weir/base/files.h"
#include "weir/base/parallel.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/datagen/copula.h"
#include "weir/datagen/datagen.h"

namespace weir::datagen {
namespace fs = std::filesystem;
using data::DataType;

namespace {

// Rows per block. Part of the output's definition: changing it changes the rows of a seed.
constexpr uint64_t kBlockRows = 8192;
constexpr double kGuideRange = 6;
constexpr size_t kGuideCells = 2048;
constexpr double kGuideScale = kGuideCells / (2 * kGuideRange);

// A column, prepared for drawing. The copula's latent variable z is compared with thresholds in
// z space directly, so category columns need no normal CDF per row.
struct ColumnPlan {
  Marginal marginal = Marginal::kNone;
  DataType type = DataType::kNull;
  // Copula variables of the column: value, missing (-1: never or always missing) and dominant
  // (-1: none).
  size_t value_variable = 0;
  int missing_variable = -1;
  int dominant_variable = -1;
  bool always_missing = false;
  double missing_z = -std::numeric_limits<double>::infinity();   // Missing below it.
  double dominant_z = -std::numeric_limits<double>::infinity();  // Dominant below it.
  std::string dominant;
  // kCategories: category c is drawn when z < upper_z[c] (and not an earlier one). `guide`
  // makes the search O(1): guide[k] is the first category that can hold a z in cell k of
  // [-kGuideRange, kGuideRange), so a short forward scan from there finds it (a binary search
  // over hundreds of thresholds costs a branch miss per step).
  std::vector<double> upper_z;
  std::vector<uint32_t> guide;
  std::vector<std::string> texts;  // CSV-escaped.
  // kQuantiles.
  std::vector<double> quantiles;
  int64_t step = 1;
  int decimals = 0;
};

struct Plan {
  std::vector<ColumnPlan> columns;
  size_t variables = 0;  // Of the copula.
  // The lower-triangular Cholesky factor L, stored column-major (L[i][k] at k * variables + i).
  std::vector<double> cholesky_by_column;
  std::string header;
};

std::string EscapeCsv(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

absl::StatusOr<Plan> MakePlan(const Profile& profile) {
  Plan plan;
  size_t d = profile.columns.size();
  if (d == 0) return absl::InvalidArgumentError("the profile has no columns");
  std::vector<CopulaVariable> variables = CopulaVariables(profile);
  auto cholesky = Cholesky(profile.correlation, variables.size());
  if (!cholesky.ok()) {
    absl::string_view why = cholesky.status().message();
    return absl::InvalidArgumentError(
        weir::StrCat("the profile's correlation matrix: ", std::string(why.data(), why.size())));
  }
  plan.variables = variables.size();
  plan.cholesky_by_column.resize(cholesky->size());
  for (size_t i = 0; i < plan.variables; ++i) {
    for (size_t k = 0; k < plan.variables; ++k) {
      plan.cholesky_by_column[k * plan.variables + i] = (*cholesky)[i * plan.variables + k];
    }
  }
  for (size_t c = 0; c < d; ++c) {
    const ColumnProfile& in = profile.columns[c];
    ColumnPlan& out = plan.columns.emplace_back();
    out.marginal = in.marginal;
    out.type = in.type;
    out.value_variable = c;
    out.always_missing =
        in.missing_rate >= 1 || (in.marginal == Marginal::kNone && in.dominant.empty());
    out.missing_z = NormalQuantile(in.missing_rate);
    out.dominant = EscapeCsv(in.dominant);
    out.dominant_z = in.dominant.empty() ? -std::numeric_limits<double>::infinity()
                                         : NormalQuantile(in.dominant_share);
    if (in.marginal == Marginal::kNone) {
      out.dominant_z = std::numeric_limits<double>::infinity();  // Only the dominant value.
    }
    if (in.marginal == Marginal::kCategories) {
      if (in.categories.empty() || in.categories.size() != in.weights.size()) {
        return absl::InvalidArgumentError(
            weir::StrCat("column ", in.name, ": categories and weights differ in number"));
      }
      double cumulative = 0;
      for (size_t i = 0; i < in.categories.size(); ++i) {
        cumulative += in.weights[i];
        out.upper_z.push_back(i + 1 == in.categories.size()
                                  ? std::numeric_limits<double>::infinity()
                                  : NormalQuantile(cumulative));
        out.texts.push_back(EscapeCsv(in.categories[i]));
      }
      out.guide.resize(kGuideCells);
      uint32_t first = 0;
      for (size_t k = 0; k < kGuideCells; ++k) {
        // Cell 0 also holds everything below the range, so it starts at the first category.
        double cell_start = k == 0 ? -std::numeric_limits<double>::infinity()
                                   : -kGuideRange + static_cast<double>(k) / kGuideScale;
        while (out.upper_z[first] <= cell_start) ++first;  // The last upper_z is +inf.
        out.guide[k] = first;
      }
    } else if (in.marginal == Marginal::kQuantiles) {
      if (in.quantiles.size() < 2 || in.type == DataType::kBytes) {
        return absl::InvalidArgumentError(
            weir::StrCat("column ", in.name,
                         ": a quantile table needs a numeric column and at "
                         "least 2 values"));
      }
      out.quantiles = in.quantiles;
      out.step = std::max<int64_t>(in.step, 1);
      out.decimals = std::clamp(in.decimals, 1, 17);
    }
    plan.header += weir::StrCat(c == 0 ? "" : ",", EscapeCsv(in.name));
  }
  plan.header += '\n';
  for (size_t v = 0; v < variables.size(); ++v) {
    ColumnPlan& column = plan.columns[variables[v].column];
    if (variables[v].kind == CopulaVariable::kMissing)
      column.missing_variable = static_cast<int>(v);
    if (variables[v].kind == CopulaVariable::kDominant) {
      column.dominant_variable = static_cast<int>(v);
    }
  }
  return plan;
}

// The random stream of one block: the block's rows depend only on (seed, block).
uint64_t MixSeed(uint64_t seed, uint64_t block) {
  // SplitMix64's finaliser, applied twice, spreads neighbouring seeds and blocks apart.
  auto mix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  return mix(mix(seed) ^ block);
}

// Uniform in (0, 1]: never 0, so its logarithm is finite.
inline double UnitInterval(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 1) * 0x1.0p-53;
}

void AppendQuantileValue(const ColumnPlan& column, double z, std::string& out) {
  double v = std::clamp(NormalCdf(z), 0.0, 1.0);
  double position = v * static_cast<double>(column.quantiles.size() - 1);
  size_t index = std::min(static_cast<size_t>(position), column.quantiles.size() - 2);
  double lo = column.quantiles[index], hi = column.quantiles[index + 1];
  // Equal neighbours are a point mass: drawn exactly, not smeared.
  double value = lo == hi ? lo : lo + (position - static_cast<double>(index)) * (hi - lo);
  char buffer[400];
  std::to_chars_result result;
  if (column.type == DataType::kInt64) {
    double first = column.quantiles.front();
    double steps = std::round((value - first) / static_cast<double>(column.step));
    result = std::to_chars(buffer, buffer + sizeof(buffer),
                           static_cast<int64_t>(first) + static_cast<int64_t>(steps) * column.step);
  } else {
    result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed,
                           column.decimals);
  }
  out.append(buffer, result.ptr);
}

std::string GenerateBlock(const Plan& plan, uint64_t seed, uint64_t block, uint64_t rows) {
  size_t d = plan.columns.size();
  size_t v = plan.variables;
  std::mt19937_64 rng(MixSeed(seed, block));
  std::vector<double> normals(v + 1), z(v);
  std::string out;
  out.reserve(rows * 16 * d);
  for (uint64_t row = 0; row < rows; ++row) {
    // Marsaglia's polar method: two independent normals per accepted point of the unit disc,
    // without the sine and cosine of Box-Muller.
    for (size_t i = 0; i < v; i += 2) {
      double x, y, r2;
      do {
        x = 2 * UnitInterval(rng) - 1;
        y = 2 * UnitInterval(rng) - 1;
        r2 = x * x + y * y;
      } while (r2 >= 1 || r2 == 0);
      double scale = std::sqrt(-2 * std::log(r2) / r2);
      normals[i] = x * scale;
      normals[i + 1] = y * scale;
    }
    // z = L * normals, column by column so that the inner loop vectorises; each z[i] still sums
    // its terms in the same order, so the result does not depend on the compiler's choice.
    std::fill(z.begin(), z.end(), 0.0);
    for (size_t k = 0; k < v; ++k) {
      double e = normals[k];
      const double* l = &plan.cholesky_by_column[k * v];
      for (size_t i = k; i < v; ++i) z[i] += l[i] * e;
    }
    for (size_t c = 0; c < d; ++c) {
      if (c > 0) out += ',';
      const ColumnPlan& column = plan.columns[c];
      if (column.always_missing) continue;
      if (column.missing_variable >= 0 && z[column.missing_variable] < column.missing_z) continue;
      if (column.dominant_variable >= 0 && z[column.dominant_variable] < column.dominant_z) {
        out += column.dominant;
        continue;
      }
      double value_z = z[column.value_variable];
      if (column.marginal == Marginal::kCategories) {
        double cell = (value_z + kGuideRange) * kGuideScale;
        size_t index = column.guide[cell <= 0                 ? 0
                                    : cell >= kGuideCells - 1 ? kGuideCells - 1
                                                              : static_cast<size_t>(cell)];
        while (value_z >= column.upper_z[index]) ++index;
        out += column.texts[index];
      } else {
        AppendQuantileValue(column, value_z, out);
      }
    }
    out += '\n';
  }
  return out;
}

absl::Status FsyncFolder(const fs::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return absl::InternalError(weir::StrCat("cannot open folder ", folder.string()));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return absl::InternalError(weir::StrCat("cannot fsync folder ", folder.string()));
  return absl::OkStatus();
}

}  // namespace

absl::Status GenerateCsv(const Profile& profile, const GenerateOptions& options,
                         const fs::path& out) {
  ASSIGN_OR_RETURN(Plan plan, MakePlan(profile));
  fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  std::error_code error;
  if (!fs::is_directory(parent, error)) {
    return absl::NotFoundError(weir::StrCat("cannot write ", out.string(), ": folder ",
                                            parent.string(), " does not exist"));
  }
  const fs::path temp = base::TemporaryPathBeside(out);
  ASSIGN_OR_RETURN(base::OutputFile file, base::OutputFile::Create(temp));
  auto write_all = [&]() -> absl::Status {
    RETURN_IF_ERROR(file.Append(plan.header));
    uint64_t blocks = (options.rows + kBlockRows - 1) / kBlockRows;
    uint64_t next_block = 0;
    int threads = options.num_threads > 0 ? options.num_threads : base::DefaultThreadCount();
    return base::RunOrderedPipeline<uint64_t, std::string>(
        threads, 2 * static_cast<size_t>(threads) + 1,
        [&]() -> absl::StatusOr<std::optional<uint64_t>> {
          if (next_block == blocks) return std::optional<uint64_t>();
          return std::optional<uint64_t>(next_block++);
        },
        [&](uint64_t&& block) -> absl::StatusOr<std::string> {
          uint64_t rows = std::min(kBlockRows, options.rows - block * kBlockRows);
          return GenerateBlock(plan, options.seed, block, rows);
        },
        [&](std::string&& text) { return file.Append(text); });
  };
  absl::Status status = write_all();
  if (status.ok()) status = file.Close();
  if (status.ok() && ::rename(temp.c_str(), out.c_str()) != 0) {
    status = absl::InternalError(weir::StrCat("cannot rename ", temp.string(), " to ", out.string(),
                                              ": ", std::strerror(errno)));
  }
  if (!status.ok()) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return status;
  }
  return FsyncFolder(parent);
}

}  // namespace weir::datagen
