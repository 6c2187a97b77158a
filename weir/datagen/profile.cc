// Fitting, saving, loading and finding profiles.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <unordered_map>

#include "nlohmann/json.hpp"
#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/datagen/copula.h"
#include "weir/datagen/datagen.h"
#include "weir/io/csv/csv_reader.h"

namespace weir::datagen {
namespace fs = std::filesystem;
using data::DataType;
using nlohmann::json;

namespace {

constexpr size_t kMaxFitRows = 1'000'000;
constexpr size_t kMaxCategories = 1000;
constexpr size_t kQuantilePoints = 1001;
constexpr int kMaxDecimals = 9;
// A numeric column is drawn from its own values (a category table) when it has few distinct
// values, each seen this many times on average: that keeps discrete codes (hours, areas, cents)
// exact. Otherwise it is drawn from a quantile table, which also fills the gaps between values.
constexpr size_t kMinRowsPerDistinctValue = 10;
// A numeric value with at least this share of the present cells is "dominant" (see
// ColumnProfile::dominant).
constexpr double kMinDominantShare = 0.25;
constexpr uint64_t kMinInformativeRows = 50;
constexpr int kFormatVersion = 1;

// What the fit keeps of a column while reading: the sampled cells (NaN for missing; for bytes
// columns an index into `dictionary`), plus counts over every row.
struct ColumnData {
  std::string name;
  DataType type = DataType::kNull;
  uint64_t missing = 0;
  int decimals = 0;
  std::vector<double> cells;
  std::vector<std::string> dictionary;
  std::unordered_map<std::string, uint32_t> ids;
};

// A copula variable seen in the sample: each row's bin in rank order (-1 where the variable is
// not defined, e.g. the value of a missing cell), the bins' shares and their normal scores.
struct Ranking {
  // Rows outside the largest bin: a variable with few of them has no reliable correlations.
  uint64_t informative_rows = 0;
  std::vector<int32_t> row_bin;
  BinScores scores;
  std::vector<double> row_scores;  // NaN where not defined.
};

// Digits after the point in the shortest text that reads back as `value` (a float32, as the
// CSV reader stores float columns).
int DecimalsOf(float value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  std::string_view text(buffer, result.ptr - buffer);
  size_t point = text.find('.');
  return point == std::string_view::npos ? 0 : static_cast<int>(text.size() - point - 1);
}

std::string FormatNumber(double value, DataType type, int decimals) {
  char buffer[400];
  std::to_chars_result result;
  if (type == DataType::kInt64) {
    result = std::to_chars(buffer, buffer + sizeof(buffer), static_cast<int64_t>(value));
  } else {
    result =
        std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, decimals);
  }
  return std::string(buffer, result.ptr);
}

double RoundTo(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  double rounded = std::round(value * scale) / scale;
  return std::isfinite(rounded) ? rounded : value;
}

// Ranks a variable from each row's bin (-1: undefined) and the number of bins.
Ranking MakeRanking(std::vector<int32_t> row_bin, size_t bins) {
  Ranking ranking;
  std::vector<uint64_t> counts(bins, 0);
  uint64_t defined = 0;
  for (int32_t bin : row_bin) {
    if (bin >= 0) {
      ++counts[bin];
      ++defined;
    }
  }
  // Drop empty bins so that every share is positive.
  std::vector<int32_t> renumber(bins);
  std::vector<double> shares;
  int32_t next = 0;
  for (size_t b = 0; b < bins; ++b) {
    renumber[b] = next;
    if (counts[b] > 0) {
      shares.push_back(static_cast<double>(counts[b]) / defined);
      ++next;
    }
  }
  for (int32_t& bin : row_bin) {
    if (bin >= 0) bin = renumber[bin];
  }
  ranking.scores = ScoreBins(shares);
  ranking.informative_rows =
      counts.empty() ? 0 : defined - *std::max_element(counts.begin(), counts.end());
  ranking.row_scores.resize(row_bin.size());
  for (size_t r = 0; r < row_bin.size(); ++r) {
    ranking.row_scores[r] = row_bin[r] < 0 ? std::numeric_limits<double>::quiet_NaN()
                                           : ranking.scores.scores[row_bin[r]];
  }
  ranking.row_bin = std::move(row_bin);
  return ranking;
}

// The rankings of one column's copula variables.
struct ColumnRankings {
  Ranking value;
  std::optional<Ranking> missing;
  std::optional<Ranking> dominant;
};

// Fits the marginal of a numeric column and ranks its present, non-dominant cells by value.
ColumnRankings FitNumeric(const ColumnData& data, ColumnProfile& column) {
  ColumnRankings out;
  std::vector<double> present;
  present.reserve(data.cells.size());
  for (double cell : data.cells) {
    if (!std::isnan(cell)) present.push_back(cell);
  }
  std::sort(present.begin(), present.end());
  std::vector<double> distinct = present;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());

  // A dominant value: the most frequent one, when it is frequent and the column has at least
  // two other values (with one other value, the split would add nothing).
  std::optional<double> dominant;
  if (distinct.size() >= 3) {
    double top = 0;
    size_t top_count = 0;
    for (size_t i = 0; i < present.size();) {
      size_t j = std::upper_bound(present.begin() + i, present.end(), present[i]) - present.begin();
      if (j - i > top_count) {
        top_count = j - i;
        top = present[i];
      }
      i = j;
    }
    if (static_cast<double>(top_count) >= kMinDominantShare * present.size()) {
      dominant = top;
      column.dominant = FormatNumber(top, column.type, column.decimals);
      column.dominant_share = static_cast<double>(top_count) / present.size();
      present.erase(std::remove(present.begin(), present.end(), top), present.end());
      distinct.erase(std::remove(distinct.begin(), distinct.end(), top), distinct.end());
    }
  }

  if (present.empty()) {
    column.marginal = Marginal::kNone;
    if (!dominant) column.missing_rate = 1;
  } else if (distinct.size() <= kMaxCategories &&
             present.size() >= kMinRowsPerDistinctValue * distinct.size()) {
    column.marginal = Marginal::kCategories;
    for (double value : distinct) {
      column.categories.push_back(FormatNumber(value, column.type, column.decimals));
      auto range = std::equal_range(present.begin(), present.end(), value);
      column.weights.push_back(static_cast<double>(range.second - range.first) / present.size());
    }
  } else {
    column.marginal = Marginal::kQuantiles;
    column.quantiles.resize(kQuantilePoints);
    for (size_t i = 0; i < kQuantilePoints; ++i) {
      // Linear interpolation between order statistics (R's type 7).
      double h = static_cast<double>(present.size() - 1) * i / (kQuantilePoints - 1);
      size_t lo = static_cast<size_t>(h);
      size_t hi = std::min(lo + 1, present.size() - 1);
      double value = present[lo] + (h - lo) * (present[hi] - present[lo]);
      column.quantiles[i] =
          column.type == DataType::kFloat ? RoundTo(value, column.decimals) : value;
    }
    if (column.type == DataType::kInt64) {
      // The grid the values sit on (e.g. timestamps rounded to 15 minutes).
      uint64_t step = 0;
      for (size_t i = 1; i < distinct.size(); ++i) {
        step = std::gcd(step, static_cast<uint64_t>(static_cast<int64_t>(distinct[i]) -
                                                    static_cast<int64_t>(distinct[i - 1])));
      }
      column.step = static_cast<int64_t>(std::max<uint64_t>(step, 1));
    }
  }

  size_t rows = data.cells.size();
  std::vector<int32_t> value_bin(rows, -1), missing_bin(rows), dominant_bin(rows, -1);
  for (size_t r = 0; r < rows; ++r) {
    double cell = data.cells[r];
    missing_bin[r] = std::isnan(cell) ? 0 : 1;
    if (std::isnan(cell)) continue;
    if (dominant) dominant_bin[r] = cell == *dominant ? 0 : 1;
    if (dominant && cell == *dominant) continue;
    value_bin[r] = static_cast<int32_t>(std::lower_bound(distinct.begin(), distinct.end(), cell) -
                                        distinct.begin());
  }
  out.value = MakeRanking(std::move(value_bin), distinct.size());
  if (column.missing_rate > 0 && column.missing_rate < 1) {
    out.missing = MakeRanking(std::move(missing_bin), 2);
  }
  if (dominant) out.dominant = MakeRanking(std::move(dominant_bin), 2);
  return out;
}

// Fits the marginal of a string column and ranks its present cells: the strings in increasing
// mean normal score of the numeric variable (a numeric column's value or dominant variable) they
// explain best (largest correlation ratio), so that the copula sees them in an order in which
// they relate to the other columns monotonically. Without numeric columns they rank in text
// order.
ColumnRankings FitBytes(const ColumnData& data, ColumnProfile& column,
                        const std::vector<const Ranking*>& numeric_variables) {
  ColumnRankings out;
  size_t values = data.dictionary.size();
  std::vector<uint64_t> counts(values, 0);
  for (double cell : data.cells) {
    if (!std::isnan(cell)) ++counts[static_cast<size_t>(cell)];
  }
  std::vector<double> order_key(values, 0);
  double best_ratio = -1;
  for (const Ranking* numeric : numeric_variables) {
    std::vector<double> sums(values, 0);
    std::vector<uint64_t> pair_counts(values, 0);
    double total = 0, sum = 0;
    uint64_t n = 0;
    for (size_t r = 0; r < data.cells.size(); ++r) {
      double score = numeric->row_scores[r];
      if (std::isnan(data.cells[r]) || std::isnan(score)) continue;
      size_t v = static_cast<size_t>(data.cells[r]);
      sums[v] += score;
      ++pair_counts[v];
      total += score * score;
      sum += score;
      ++n;
    }
    if (n == 0) continue;
    double mean = sum / n;
    double variance = total - n * mean * mean;
    if (variance <= 0) continue;
    double between = 0;
    for (size_t v = 0; v < values; ++v) {
      if (pair_counts[v] > 0) {
        double group_mean = sums[v] / pair_counts[v];
        between += pair_counts[v] * (group_mean - mean) * (group_mean - mean);
      }
    }
    if (between / variance > best_ratio) {
      best_ratio = between / variance;
      for (size_t v = 0; v < values; ++v) {
        order_key[v] = pair_counts[v] > 0 ? sums[v] / pair_counts[v] : mean;
      }
    }
  }
  std::vector<uint32_t> order;
  for (uint32_t v = 0; v < values; ++v) {
    if (counts[v] > 0) order.push_back(v);
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (order_key[a] != order_key[b]) return order_key[a] < order_key[b];
    return data.dictionary[a] < data.dictionary[b];
  });

  if (order.empty()) {
    column.marginal = Marginal::kNone;
    column.missing_rate = 1;
  } else {
    column.marginal = Marginal::kCategories;
    // Only the most frequent strings are kept; the mass of the others goes to the kept ones in
    // proportion to their own (the weights are renormalised).
    std::vector<uint32_t> by_count = order;
    std::stable_sort(by_count.begin(), by_count.end(),
                     [&](uint32_t a, uint32_t b) { return counts[a] > counts[b]; });
    std::vector<bool> kept(values, false);
    uint64_t kept_count = 0;
    for (size_t i = 0; i < std::min(kMaxCategories, by_count.size()); ++i) {
      kept[by_count[i]] = true;
      kept_count += counts[by_count[i]];
    }
    for (uint32_t v : order) {
      if (!kept[v]) continue;
      column.categories.push_back(data.dictionary[v]);
      column.weights.push_back(static_cast<double>(counts[v]) / kept_count);
    }
  }
  std::vector<int32_t> rank_of(values, 0);
  for (size_t i = 0; i < order.size(); ++i) rank_of[order[i]] = static_cast<int32_t>(i);
  size_t rows = data.cells.size();
  std::vector<int32_t> value_bin(rows, -1), missing_bin(rows);
  for (size_t r = 0; r < rows; ++r) {
    double cell = data.cells[r];
    missing_bin[r] = std::isnan(cell) ? 0 : 1;
    if (!std::isnan(cell)) value_bin[r] = rank_of[static_cast<size_t>(cell)];
  }
  out.value = MakeRanking(std::move(value_bin), order.size());
  if (column.missing_rate > 0 && column.missing_rate < 1) {
    out.missing = MakeRanking(std::move(missing_bin), 2);
  }
  return out;
}

// The latent correlation of two variables, from their scores' correlation over the rows where
// both are defined.
double PairCorrelation(const Ranking& a, const Ranking& b) {
  if (a.scores.variance <= 0 || b.scores.variance <= 0) return 0;
  // A handful of rows (6 missing trip durations, say) gives wild latent correlations once the
  // attenuation is undone; such variables are left independent of the others.
  if (a.informative_rows < kMinInformativeRows || b.informative_rows < kMinInformativeRows) {
    return 0;
  }
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  uint64_t n = 0;
  for (size_t r = 0; r < a.row_scores.size(); ++r) {
    double x = a.row_scores[r], y = b.row_scores[r];
    if (std::isnan(x) || std::isnan(y)) continue;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
    ++n;
  }
  if (n < 3) return 0;
  double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  if (va <= 0 || vb <= 0) return 0;
  return LatentCorrelation(a.scores, b.scores, cov / std::sqrt(va * vb));
}

std::string_view MarginalName(Marginal marginal) {
  switch (marginal) {
    case Marginal::kNone:
      return "none";
    case Marginal::kQuantiles:
      return "quantiles";
    case Marginal::kCategories:
      return "categories";
  }
  return "none";
}

}  // namespace

std::vector<CopulaVariable> CopulaVariables(const Profile& profile) {
  std::vector<CopulaVariable> out;
  size_t d = profile.columns.size();
  for (size_t c = 0; c < d; ++c) out.push_back({c, CopulaVariable::kValue});
  for (size_t c = 0; c < d; ++c) {
    double rate = profile.columns[c].missing_rate;
    if (rate > 0 && rate < 1) out.push_back({c, CopulaVariable::kMissing});
  }
  for (size_t c = 0; c < d; ++c) {
    if (!profile.columns[c].dominant.empty()) out.push_back({c, CopulaVariable::kDominant});
  }
  return out;
}

std::string CopulaVariableName(const Profile& profile, const CopulaVariable& variable) {
  const std::string& name = profile.columns[variable.column].name;
  switch (variable.kind) {
    case CopulaVariable::kValue:
      return name;
    case CopulaVariable::kMissing:
      return weir::StrCat(name, ":missing");
    case CopulaVariable::kDominant:
      return weir::StrCat(name, ":dominant");
  }
  return name;
}

absl::StatusOr<Profile> FitProfile(const std::vector<fs::path>& csv_files) {
  if (csv_files.empty()) return absl::InvalidArgumentError("no CSV file to fit a profile to");
  io::CsvOptions options;
  ASSIGN_OR_RETURN(io::CsvInference inference, io::InferCsvSchema(csv_files, options));
  if (inference.num_rows == 0) {
    return absl::InvalidArgumentError(
        weir::StrCat(csv_files.front().string(), ": no rows to fit a profile to"));
  }
  size_t num_columns = inference.schema.names.size();
  std::vector<ColumnData> columns(num_columns);
  for (size_t c = 0; c < num_columns; ++c) {
    columns[c].name = inference.schema.names[c];
    columns[c].type = inference.schema.types[c];
  }

  // A uniform sample of at most kMaxFitRows rows (reservoir sampling with a fixed seed, so the
  // fit is reproducible).
  std::mt19937_64 rng(20240601);
  uint64_t rows_seen = 0;
  RETURN_IF_ERROR(io::ReadCsv(
      csv_files, inference.schema, options, [&](data::RecordBatch&& batch) -> absl::Status {
        for (size_t r = 0; r < batch.num_rows(); ++r, ++rows_seen) {
          size_t slot = rows_seen;
          if (rows_seen >= kMaxFitRows) {
            slot = static_cast<size_t>(rng() % (rows_seen + 1));
          }
          for (size_t c = 0; c < num_columns; ++c) {
            const data::Column& in = batch.column(c);
            ColumnData& out = columns[c];
            double cell = std::numeric_limits<double>::quiet_NaN();
            if (in.type() != DataType::kNull && in.value_count(r) > 0) {
              uint32_t index = in.value_begin(r);
              switch (in.type()) {
                case DataType::kInt64:
                  cell = static_cast<double>(in.int64_values()[index]);
                  break;
                case DataType::kFloat: {
                  float value = in.float_values()[index];
                  // NaN and infinities cannot be ranked or interpolated: they count as missing.
                  if (std::isfinite(value)) {
                    cell = value;
                    if (out.decimals < kMaxDecimals) {
                      out.decimals = std::max(out.decimals, DecimalsOf(value));
                    }
                  }
                  break;
                }
                case DataType::kBytes: {
                  std::string_view text = in.bytes_value(index);
                  auto [it, inserted] = out.ids.try_emplace(
                      std::string(text), static_cast<uint32_t>(out.dictionary.size()));
                  if (inserted) out.dictionary.emplace_back(text);
                  cell = it->second;
                  break;
                }
                case DataType::kNull:
                  break;
              }
            }
            if (std::isnan(cell)) ++out.missing;
            if (slot == out.cells.size()) {
              out.cells.push_back(cell);
            } else if (slot < out.cells.size()) {
              out.cells[slot] = cell;
            }
          }
        }
        return absl::OkStatus();
      }));

  Profile profile;
  profile.source_rows = rows_seen;
  profile.columns.resize(num_columns);
  std::vector<ColumnRankings> rankings(num_columns);
  for (size_t c = 0; c < num_columns; ++c) {
    ColumnProfile& column = profile.columns[c];
    column.name = columns[c].name;
    column.type = columns[c].type;
    column.missing_rate = static_cast<double>(columns[c].missing) / rows_seen;
    if (column.type == DataType::kFloat) {
      column.decimals = std::clamp(columns[c].decimals, 1, kMaxDecimals);
    }
    if (column.type == DataType::kInt64 || column.type == DataType::kFloat) {
      rankings[c] = FitNumeric(columns[c], column);
    } else if (column.type == DataType::kNull) {
      column.missing_rate = 1;
      rankings[c].value = MakeRanking(std::vector<int32_t>(columns[c].cells.size(), -1), 0);
    }
  }
  std::vector<const Ranking*> numeric_variables;
  for (size_t c = 0; c < num_columns; ++c) {
    DataType type = profile.columns[c].type;
    if (type == DataType::kInt64 || type == DataType::kFloat) {
      numeric_variables.push_back(&rankings[c].value);
      if (rankings[c].dominant) numeric_variables.push_back(&*rankings[c].dominant);
    }
  }
  for (size_t c = 0; c < num_columns; ++c) {
    if (profile.columns[c].type == DataType::kBytes) {
      rankings[c] = FitBytes(columns[c], profile.columns[c], numeric_variables);
    }
  }

  std::vector<CopulaVariable> variables = CopulaVariables(profile);
  std::vector<const Ranking*> ranked;
  for (const CopulaVariable& variable : variables) {
    ColumnRankings& column = rankings[variable.column];
    switch (variable.kind) {
      case CopulaVariable::kValue:
        ranked.push_back(&column.value);
        break;
      case CopulaVariable::kMissing:
        ranked.push_back(&*column.missing);
        break;
      case CopulaVariable::kDominant:
        ranked.push_back(&*column.dominant);
        break;
    }
  }
  size_t v = variables.size();
  std::vector<double> correlation(v * v, 0);
  for (size_t i = 0; i < v; ++i) {
    correlation[i * v + i] = 1;
    for (size_t j = 0; j < i; ++j) {
      correlation[i * v + j] = correlation[j * v + i] = PairCorrelation(*ranked[i], *ranked[j]);
    }
  }
  // Correlations estimated pair by pair need not form a valid correlation matrix.
  profile.correlation = MakePositiveDefinite(std::move(correlation), v);
  return profile;
}

absl::Status SaveProfile(const Profile& profile, const fs::path& path) {
  json root = json::object();
  root["format"] = "weir.datagen.profile";
  root["version"] = kFormatVersion;
  root["source_rows"] = profile.source_rows;
  json columns = json::array();
  for (const ColumnProfile& column : profile.columns) {
    json out = json::object();
    out["name"] = column.name;
    out["type"] = std::string(data::DataTypeName(column.type));
    out["missing_rate"] = column.missing_rate;
    out["marginal"] = std::string(MarginalName(column.marginal));
    if (column.type == DataType::kFloat) out["decimals"] = column.decimals;
    if (!column.dominant.empty()) {
      out["dominant"] = column.dominant;
      out["dominant_share"] = column.dominant_share;
    }
    if (column.marginal == Marginal::kQuantiles) {
      if (column.type == DataType::kInt64) out["step"] = column.step;
      out["quantiles"] = column.quantiles;
    } else if (column.marginal == Marginal::kCategories) {
      out["categories"] = column.categories;
      out["weights"] = column.weights;
    }
    columns.push_back(std::move(out));
  }
  root["columns"] = std::move(columns);
  std::vector<CopulaVariable> variables = CopulaVariables(profile);
  json names = json::array();
  for (const CopulaVariable& variable : variables) {
    names.push_back(CopulaVariableName(profile, variable));
  }
  root["variables"] = std::move(names);
  size_t d = variables.size();
  json matrix = json::array();
  for (size_t i = 0; i < d && profile.correlation.size() == d * d; ++i) {
    matrix.push_back(std::vector<double>(profile.correlation.begin() + i * d,
                                         profile.correlation.begin() + (i + 1) * d));
  }
  root["correlation"] = std::move(matrix);
  return base::WriteFileAtomically(path, root.dump(1) + "\n");
}

namespace {

// Reads fields of a parsed profile; every error names the file and the field's path.
class JsonReader {
 public:
  explicit JsonReader(const fs::path& file) : file_(file.string()) {}

  absl::Status Error(std::string_view field, std::string_view what) const {
    return absl::InvalidArgumentError(weir::StrCat(file_, ": ", field, ": ", what));
  }

  absl::StatusOr<const json*> Get(const json& object, std::string_view field,
                                  std::string_view key) const {
    auto it = object.find(std::string(key));
    if (it == object.end()) return Error(weir::StrCat(field, key), "missing");
    return &*it;
  }
  absl::StatusOr<double> Number(const json& object, std::string_view field,
                                std::string_view key) const {
    ASSIGN_OR_RETURN(const json* value, Get(object, field, key));
    if (!value->is_number()) return Error(weir::StrCat(field, key), "expected a number");
    return value->get<double>();
  }
  absl::StatusOr<int64_t> Integer(const json& object, std::string_view field,
                                  std::string_view key) const {
    ASSIGN_OR_RETURN(const json* value, Get(object, field, key));
    if (!value->is_number_integer()) return Error(weir::StrCat(field, key), "expected an integer");
    return value->get<int64_t>();
  }
  absl::StatusOr<std::string> String(const json& object, std::string_view field,
                                     std::string_view key) const {
    ASSIGN_OR_RETURN(const json* value, Get(object, field, key));
    if (!value->is_string()) return Error(weir::StrCat(field, key), "expected a string");
    return value->get<std::string>();
  }
  absl::StatusOr<std::vector<double>> Numbers(const json& object, std::string_view field,
                                              std::string_view key) const {
    ASSIGN_OR_RETURN(const json* value, Get(object, field, key));
    std::vector<double> out;
    if (!value->is_array()) return Error(weir::StrCat(field, key), "expected an array of numbers");
    for (const json& item : *value) {
      if (!item.is_number()) {
        return Error(weir::StrCat(field, key, "[", out.size(), "]"), "expected a number");
      }
      out.push_back(item.get<double>());
      if (!std::isfinite(out.back())) {
        return Error(weir::StrCat(field, key, "[", out.size() - 1, "]"), "not finite");
      }
    }
    return out;
  }

 private:
  std::string file_;
};

}  // namespace

absl::StatusOr<Profile> LoadProfile(const fs::path& path) {
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(path));
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  JsonReader reader(path);
  if (root.is_discarded()) {
    return absl::InvalidArgumentError(
        weir::StrCat(path.string(), ": not valid JSON; regenerate it with 'weir datagen fit'"));
  }
  if (!root.is_object()) return reader.Error("(top level)", "expected an object");
  ASSIGN_OR_RETURN(std::string format, reader.String(root, "", "format"));
  if (format != "weir.datagen.profile") {
    return reader.Error("format", weir::StrCat("is '", format, "', not 'weir.datagen.profile'"));
  }
  ASSIGN_OR_RETURN(int64_t version, reader.Integer(root, "", "version"));
  if (version != kFormatVersion) {
    return reader.Error("version", weir::StrCat(version, " is not supported (this weir reads ",
                                                kFormatVersion, ")"));
  }
  Profile profile;
  if (root.contains("source_rows")) {
    ASSIGN_OR_RETURN(int64_t rows, reader.Integer(root, "", "source_rows"));
    profile.source_rows = static_cast<uint64_t>(std::max<int64_t>(rows, 0));
  }
  ASSIGN_OR_RETURN(const json* columns, reader.Get(root, "", "columns"));
  if (!columns->is_array()) return reader.Error("columns", "expected an array");
  for (size_t c = 0; c < columns->size(); ++c) {
    const json& in = (*columns)[c];
    std::string field = weir::StrCat("columns[", c, "].");
    if (!in.is_object())
      return reader.Error(weir::StrCat("columns[", c, "]"), "expected an object");
    ColumnProfile column;
    ASSIGN_OR_RETURN(column.name, reader.String(in, field, "name"));
    ASSIGN_OR_RETURN(std::string type, reader.String(in, field, "type"));
    if (type == "null") {
      column.type = DataType::kNull;
    } else if (type == "int64") {
      column.type = DataType::kInt64;
    } else if (type == "float") {
      column.type = DataType::kFloat;
    } else if (type == "bytes") {
      column.type = DataType::kBytes;
    } else {
      return reader.Error(weir::StrCat(field, "type"),
                          weir::StrCat("'", type, "' is not one of null, int64, float, bytes"));
    }
    ASSIGN_OR_RETURN(column.missing_rate, reader.Number(in, field, "missing_rate"));
    if (!(column.missing_rate >= 0 && column.missing_rate <= 1)) {
      return reader.Error(weir::StrCat(field, "missing_rate"), "must be between 0 and 1");
    }
    ASSIGN_OR_RETURN(std::string marginal, reader.String(in, field, "marginal"));
    if (marginal == "none") {
      column.marginal = Marginal::kNone;
    } else if (marginal == "quantiles") {
      column.marginal = Marginal::kQuantiles;
    } else if (marginal == "categories") {
      column.marginal = Marginal::kCategories;
    } else {
      return reader.Error(
          weir::StrCat(field, "marginal"),
          weir::StrCat("'", marginal, "' is not one of none, quantiles, categories"));
    }
    if (column.type == DataType::kFloat) {
      ASSIGN_OR_RETURN(int64_t decimals, reader.Integer(in, field, "decimals"));
      if (decimals < 1 || decimals > 17) {
        return reader.Error(weir::StrCat(field, "decimals"), "must be between 1 and 17");
      }
      column.decimals = static_cast<int>(decimals);
    }
    if (in.contains("dominant")) {
      ASSIGN_OR_RETURN(column.dominant, reader.String(in, field, "dominant"));
      ASSIGN_OR_RETURN(column.dominant_share, reader.Number(in, field, "dominant_share"));
      if (column.dominant.empty() ||
          (column.type != DataType::kInt64 && column.type != DataType::kFloat)) {
        return reader.Error(weir::StrCat(field, "dominant"),
                            "must be a non-empty number text, in an int64 or float column");
      }
      if (!(column.dominant_share > 0 && column.dominant_share < 1)) {
        return reader.Error(weir::StrCat(field, "dominant_share"),
                            "must be between 0 and 1 (exclusive)");
      }
    }
    if (column.marginal == Marginal::kQuantiles) {
      if (column.type != DataType::kInt64 && column.type != DataType::kFloat) {
        return reader.Error(weir::StrCat(field, "marginal"),
                            "quantiles need an int64 or float column");
      }
      ASSIGN_OR_RETURN(column.quantiles, reader.Numbers(in, field, "quantiles"));
      if (column.quantiles.size() < 2 ||
          !std::is_sorted(column.quantiles.begin(), column.quantiles.end())) {
        return reader.Error(weir::StrCat(field, "quantiles"),
                            "needs at least 2 values, in non-decreasing order");
      }
      if (column.type == DataType::kInt64) {
        ASSIGN_OR_RETURN(column.step, reader.Integer(in, field, "step"));
        if (column.step < 1) return reader.Error(weir::StrCat(field, "step"), "must be >= 1");
      }
    } else if (column.marginal == Marginal::kCategories) {
      ASSIGN_OR_RETURN(const json* categories, reader.Get(in, field, "categories"));
      if (!categories->is_array()) {
        return reader.Error(weir::StrCat(field, "categories"), "expected an array of strings");
      }
      for (const json& item : *categories) {
        if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
          return reader.Error(weir::StrCat(field, "categories[", column.categories.size(), "]"),
                              "expected a non-empty string");
        }
        column.categories.push_back(item.get<std::string>());
      }
      ASSIGN_OR_RETURN(column.weights, reader.Numbers(in, field, "weights"));
      double total = 0;
      for (double w : column.weights) total += w;
      if (column.weights.size() != column.categories.size() || column.categories.empty() ||
          !(std::abs(total - 1) < 1e-6) ||
          std::any_of(column.weights.begin(), column.weights.end(),
                      [](double w) { return w < 0; })) {
        return reader.Error(weir::StrCat(field, "weights"),
                            "needs one non-negative weight per category, summing to 1");
      }
    }
    profile.columns.push_back(std::move(column));
  }
  std::vector<CopulaVariable> variables = CopulaVariables(profile);
  size_t d = variables.size();
  if (root.contains("variables")) {
    // Informational, but when present it must describe the matrix this weir expects.
    json expected = json::array();
    for (const CopulaVariable& variable : variables) {
      expected.push_back(CopulaVariableName(profile, variable));
    }
    if (root["variables"] != expected) {
      return reader.Error("variables", weir::StrCat("expected ", expected.dump()));
    }
  }
  ASSIGN_OR_RETURN(const json* matrix, reader.Get(root, "", "correlation"));
  if (!matrix->is_array() || matrix->size() != d) {
    return reader.Error("correlation",
                        weir::StrCat("expected ", d, " rows (one per copula variable)"));
  }
  for (size_t i = 0; i < d; ++i) {
    const json& row = (*matrix)[i];
    if (!row.is_array() || row.size() != d) {
      return reader.Error(weir::StrCat("correlation[", i, "]"),
                          weir::StrCat("expected an array of ", d, " numbers"));
    }
    for (size_t j = 0; j < d; ++j) {
      if (!row[j].is_number()) {
        return reader.Error(weir::StrCat("correlation[", i, "][", j, "]"), "expected a number");
      }
      profile.correlation.push_back(row[j].get<double>());
    }
  }
  for (size_t i = 0; i < d; ++i) {
    for (size_t j = 0; j < d; ++j) {
      double value = profile.correlation[i * d + j];
      if ((i == j && value != 1) || value != profile.correlation[j * d + i] ||
          !(std::abs(value) <= 1)) {
        return reader.Error(weir::StrCat("correlation[", i, "][", j, "]"),
                            "the matrix must be symmetric with a unit diagonal and entries in "
                            "[-1, 1]");
      }
    }
  }
  if (absl::Status status = Cholesky(profile.correlation, d).status(); !status.ok()) {
    return reader.Error("correlation",
                        std::string(status.message().data(), status.message().size()));
  }
  return profile;
}

absl::StatusOr<fs::path> ResolveProfile(std::string_view name_or_path) {
  fs::path given{std::string(name_or_path)};
  std::error_code error;
  if (fs::is_regular_file(given, error)) return given;
  if (name_or_path.empty() || name_or_path.find('/') != std::string_view::npos ||
      given.extension() == ".json") {
    return absl::NotFoundError(weir::StrCat("no profile file ", given.string()));
  }
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("WEIR_EXAMPLES_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (!error) dirs.push_back(exe.parent_path().parent_path() / "share" / "weir" / "examples");
  dirs.push_back(fs::path(WEIR_SOURCE_DIR) / "examples");
  std::string searched;
  for (const fs::path& dir : dirs) {
    fs::path candidate = dir / given / "datagen_profile.json";
    if (fs::is_regular_file(candidate, error)) return candidate;
    searched += weir::StrCat(searched.empty() ? "" : ", ", candidate.string());
  }
  return absl::NotFoundError(weir::StrCat(
      "'", name_or_path, "' is neither a profile file nor a known example; looked for ", searched,
      " (set WEIR_EXAMPLES_DIR to a folder of examples, or give the path of a profile JSON)"));
}

}  // namespace weir::datagen
