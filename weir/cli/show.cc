#include "weir/cli/show.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/artifact_properties.h"
#include "weir/components/example_validator/example_validator.h"
#include "weir/components/statistics_gen/statistics_gen.h"
#include "weir/eval/evaluation.h"
#include "weir/schema/schema_gen.h"

namespace weir::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kBold[] = "\033[1m";
constexpr char kRed[] = "\033[31m";
constexpr char kGreen[] = "\033[32m";
constexpr char kYellow[] = "\033[33m";
constexpr char kReset[] = "\033[0m";

// ---------------------------------------------------------------------------------------------
// Text layout. Widths count code points: every character we print (ASCII, block elements, the
// ellipsis and most user data) is one terminal column wide.

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

// The first `width` columns of `text`, ending in "…" when something was cut.
std::string Truncate(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  std::string out;
  size_t kept = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    bool starts_char = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_char && ++kept == width) break;
    out.push_back(text[i]);
  }
  return out + "…";
}

// Greedy word wrap; words longer than `width` are cut across lines.
std::vector<std::string> Wrap(std::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(" \n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    while (DisplayWidth(word) > width) {
      if (!line.empty()) lines.push_back(std::exchange(line, ""));
      lines.push_back(std::string(word.substr(0, width)));
      word.remove_prefix(width);
    }
    if (!line.empty() && DisplayWidth(line) + 1 + DisplayWidth(word) > width) {
      lines.push_back(std::exchange(line, ""));
    }
    if (!word.empty()) line += line.empty() ? std::string(word) : StrCat(" ", word);
    if (end < text.size() && text[end] == '\n') lines.push_back(std::exchange(line, ""));
    start = end + 1;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

std::string Style(std::string_view text, const char* style, const ShowOptions& options) {
  return options.color ? StrCat(style, text, kReset) : std::string(text);
}

enum class Align { kLeft, kRight };
constexpr size_t kNameWidth = 24;
// How a column too wide for ShowOptions::max_width shrinks: not at all, by "…", or by wrapping.
enum class Fit { kFixed, kTruncate, kWrap };

struct Column {
  std::string header;
  Align align = Align::kLeft;
  Fit fit = Fit::kFixed;
  // A shrinking column keeps at least this many columns (and its header): feature names cut
  // short are worse than a table a few columns too wide.
  size_t min_width = 12;
};

struct Cell {
  Cell(std::string text) : text(std::move(text)) {}  // NOLINT: rows are brace-initialised text.
  Cell(const char* text) : text(text) {}             // NOLINT
  Cell(std::string text, const char* style) : text(std::move(text)), style(style) {}
  std::string text;
  const char* style = nullptr;  // ANSI colour for this cell when colour is on.
};

// Columns separated by two spaces, a rule under the headers, multi-line cells for wrapped text.
class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void AddRow(std::vector<Cell> cells) {
    cells.resize(columns_.size(), Cell(""));
    rows_.push_back(std::move(cells));
  }
  bool empty() const { return rows_.empty(); }

  std::string Render(const ShowOptions& options) const {
    constexpr size_t kGap = 2;
    std::vector<size_t> widths(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) {
      widths[c] = DisplayWidth(columns_[c].header);
      for (const auto& row : rows_) widths[c] = std::max(widths[c], DisplayWidth(row[c].text));
    }
    // Shrink the flexible columns, last first, to fit the width.
    size_t total = kGap * (columns_.size() - 1);
    for (size_t w : widths) total += w;
    const size_t max_width = static_cast<size_t>(std::max(options.max_width, 40));
    for (size_t c = columns_.size(); c-- > 0 && total > max_width;) {
      if (columns_[c].fit == Fit::kFixed) continue;
      size_t floor = std::max(columns_[c].min_width, DisplayWidth(columns_[c].header));
      size_t cut = std::min(total - max_width, widths[c] > floor ? widths[c] - floor : 0);
      widths[c] -= cut;
      total -= cut;
    }

    std::string out;
    auto emit_line = [&](const std::vector<std::string>& texts,
                         const std::vector<const char*>& styles) {
      std::string line;
      for (size_t c = 0; c < columns_.size(); ++c) {
        size_t pad = widths[c] - std::min(widths[c], DisplayWidth(texts[c]));
        std::string text = styles[c] ? Style(texts[c], styles[c], options) : texts[c];
        if (c > 0) line.append(kGap, ' ');
        if (columns_[c].align == Align::kRight) line.append(pad, ' ');
        line += text;
        if (columns_[c].align == Align::kLeft) line.append(pad, ' ');
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + "\n";
    };
    std::vector<std::string> headers;
    std::vector<const char*> header_styles(columns_.size(), kBold);
    std::string rule;
    for (size_t c = 0; c < columns_.size(); ++c) {
      headers.push_back(columns_[c].header);
      if (c > 0) rule.append(kGap, ' ');
      for (size_t i = 0; i < widths[c]; ++i) rule += "─";
    }
    emit_line(headers, header_styles);
    out += rule + "\n";
    for (const auto& row : rows_) {
      std::vector<std::vector<std::string>> lines(columns_.size());
      size_t height = 1;
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (columns_[c].fit == Fit::kWrap) {
          lines[c] = Wrap(row[c].text, widths[c]);
        } else {
          lines[c] = {Truncate(row[c].text, widths[c])};
        }
        height = std::max(height, lines[c].size());
      }
      std::vector<const char*> styles;
      for (const Cell& cell : row) styles.push_back(cell.style);
      for (size_t l = 0; l < height; ++l) {
        std::vector<std::string> texts;
        for (const auto& column_lines : lines)
          texts.push_back(l < column_lines.size() ? column_lines[l] : "");
        emit_line(texts, styles);
      }
    }
    return out;
  }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// ---------------------------------------------------------------------------------------------
// Numbers.

std::string Printf(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// About 4 significant digits in at most 10 columns: whole numbers in full up to 10 digits (so
// that timestamps stay exact), huge and tiny magnitudes in exponent form, the rest without
// trailing zeros.
std::string FormatNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  double magnitude = std::fabs(value);
  if (magnitude == 0) return "0";
  if (value == std::floor(value) && magnitude < 1e10) return Printf("%.0f", value);
  if (magnitude >= 1e7 || magnitude < 1e-3) {
    // "1.409e9" rather than "1.409e+09": two columns narrower in a table that is already wide.
    std::string text = Printf("%.3e", value);
    size_t e = text.find('e');
    std::string exponent = text.substr(e + 1);
    bool negative = exponent[0] == '-';
    exponent.erase(0, exponent.find_first_not_of("+-0"));
    return StrCat(text.substr(0, e), "e", negative ? "-" : "", exponent);
  }
  int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(magnitude))), 0, 4);
  std::string text = Printf(StrCat("%.", decimals, "f").c_str(), value);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string FormatPercent(double part, double whole) {
  if (whole <= 0 || part <= 0) return "0%";
  double percent = 100.0 * part / whole;
  if (percent < 0.1) return "<0.1%";
  if (percent >= 100) return "100%";
  return Printf("%.1f%%", percent);
}

// ---------------------------------------------------------------------------------------------
// Statistics.

const tfmd::Histogram* FindHistogram(const tfmd::NumericStatistics& num,
                                     tfmd::Histogram::HistogramType type) {
  for (const tfmd::Histogram& histogram : num.histograms()) {
    if (histogram.type() == type) return &histogram;
  }
  return nullptr;
}

// One block character per count, scaled to the largest; an empty bucket is a space so that gaps
// in a distribution stay visible.
std::string Sparkline(const std::vector<double>& counts) {
  static constexpr const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double max = 0;
  for (double count : counts) max = std::max(max, count);
  std::string out;
  for (double count : counts) {
    if (count <= 0 || max <= 0) {
      out += " ";
    } else {
      int level = static_cast<int>(std::lround(7.0 * count / max));
      out += kBlocks[std::clamp(level, 0, 7)];
    }
  }
  return out;
}

std::vector<double> BucketCounts(const tfmd::Histogram& histogram) {
  std::vector<double> counts;
  for (const auto& bucket : histogram.buckets()) counts.push_back(bucket.sample_count());
  return counts;
}

// `histogram`'s counts spread over `buckets` equal-width buckets spanning [low, high], assuming
// values are uniform within each source bucket.
std::vector<double> Rebin(const tfmd::Histogram& histogram, double low, double high, int buckets) {
  std::vector<double> counts(buckets, 0.0);
  double width = (high - low) / buckets;
  auto index_of = [&](double value) {
    if (width <= 0) return 0;
    return std::clamp(static_cast<int>((value - low) / width), 0, buckets - 1);
  };
  for (const auto& bucket : histogram.buckets()) {
    double span = bucket.high_value() - bucket.low_value();
    if (span <= 0 || width <= 0) {
      counts[index_of(bucket.low_value())] += bucket.sample_count();
      continue;
    }
    for (int i = index_of(bucket.low_value()); i <= index_of(bucket.high_value()); ++i) {
      double overlap = std::min(bucket.high_value(), low + (i + 1) * width) -
                       std::max(bucket.low_value(), low + i * width);
      if (overlap > 0) counts[i] += bucket.sample_count() * overlap / span;
    }
  }
  return counts;
}

bool IsNumeric(const tfmd::FeatureNameStatistics& feature) {
  return feature.stats_case() == tfmd::FeatureNameStatistics::kNumStats;
}

std::vector<Cell> NumericCells(const tfmd::FeatureNameStatistics& feature, std::string histogram) {
  const tfmd::NumericStatistics& num = feature.num_stats();
  const tfmd::CommonStatistics& common = num.common_stats();
  double rows = static_cast<double>(common.num_non_missing() + common.num_missing());
  double values = common.tot_num_values() > 0 ? common.tot_num_values() : common.num_non_missing();
  return {tfmd::FeatureNameStatistics::Type_Name(feature.type()),
          StrCat(common.num_non_missing()),
          FormatPercent(common.num_missing(), rows),
          FormatNumber(num.mean()),
          FormatNumber(num.std_dev()),
          FormatPercent(num.num_zeros(), values),
          FormatNumber(num.min()),
          FormatNumber(num.median()),
          FormatNumber(num.max()),
          std::move(histogram)};
}

std::string TopValuesText(const tfmd::StringStatistics& string_stats) {
  std::string out;
  for (const auto& top : string_stats.top_values()) {
    if (!out.empty()) out += ", ";
    out += StrCat(top.value(), " ", FormatNumber(top.frequency()));
  }
  return out;
}

std::vector<Cell> StringCells(const tfmd::FeatureNameStatistics& feature) {
  const tfmd::CommonStatistics& common = *stats::CommonStatisticsOf(feature);
  double rows = static_cast<double>(common.num_non_missing() + common.num_missing());
  std::vector<Cell> cells = {tfmd::FeatureNameStatistics::Type_Name(feature.type()),
                             StrCat(common.num_non_missing()),
                             FormatPercent(common.num_missing(), rows)};
  if (feature.has_string_stats()) {
    const tfmd::StringStatistics& s = feature.string_stats();
    cells.insert(cells.end(), {StrCat(s.unique()), FormatNumber(s.avg_length()), TopValuesText(s)});
  } else if (feature.has_bytes_stats()) {
    const tfmd::BytesStatistics& b = feature.bytes_stats();
    cells.insert(cells.end(), {StrCat(b.unique()), FormatNumber(b.avg_num_bytes()), ""});
  }
  return cells;
}

std::vector<Column> NumericColumns(bool compare) {
  std::vector<Column> columns = {{"feature", Align::kLeft, Fit::kTruncate, kNameWidth}};
  if (compare) columns.push_back({"data"});
  for (const char* header :
       {"type", "count", "missing", "mean", "std", "zeros", "min", "median", "max"}) {
    columns.push_back({header, std::string_view(header) == "type" ? Align::kLeft : Align::kRight});
  }
  columns.push_back({"histogram"});
  return columns;
}

std::vector<Column> StringColumns(bool compare) {
  std::vector<Column> columns = {{"feature", Align::kLeft, Fit::kTruncate, kNameWidth}};
  if (compare) columns.push_back({"data"});
  columns.push_back({"type"});
  for (const char* header : {"count", "missing", "unique", "avg len"})
    columns.push_back({header, Align::kRight});
  columns.push_back({"top values", Align::kLeft, Fit::kTruncate});
  return columns;
}

std::string Title(std::string_view text, const ShowOptions& options) {
  return Style(text, kBold, options);
}

std::string Summary(const LabeledStatistics& statistics) {
  int numeric = 0;
  for (const auto& feature : statistics.statistics.features()) numeric += IsNumeric(feature);
  int others = statistics.statistics.features_size() - numeric;
  return StrCat(statistics.label, ": ", statistics.statistics.num_examples(), " examples, ",
                statistics.statistics.features_size(), " features (", numeric, " numeric, ", others,
                " string)");
}

template <typename T>
std::optional<T> Maybe(bool present, T value) {
  return present ? std::optional<T>(value) : std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Schema.

// Valency as TFDV's display_schema words it.
std::string ValencyText(const tfmd::Feature& feature) {
  auto range = [](const tfmd::ValueCount& count) {
    if (count.has_max()) {
      return count.min() == count.max() ? StrCat(count.min())
                                        : StrCat(count.min(), "..", count.max());
    }
    return StrCat(">=", count.min());
  };
  switch (feature.shape_type_case()) {
    case tfmd::Feature::kValueCount:
      if (feature.value_count().min() == 1 && feature.value_count().max() == 1) return "single";
      return StrCat("values ", range(feature.value_count()));
    case tfmd::Feature::kShape: {
      std::string dims;
      for (const auto& dim : feature.shape().dim())
        dims += StrCat(dims.empty() ? "" : ",", dim.size());
      return StrCat("shape [", dims, "]");
    }
    case tfmd::Feature::kValueCounts: {
      std::string levels;
      for (const auto& count : feature.value_counts().value_count()) {
        levels += StrCat(levels.empty() ? "" : ", ", range(count));
      }
      return StrCat("nested [", levels, "]");
    }
    default:
      return "";
  }
}

std::string PresenceText(const tfmd::Feature& feature) {
  if (feature.has_group_presence()) {
    return feature.group_presence().required() ? "required in group" : "optional in group";
  }
  if (!feature.has_presence()) return "";
  const tfmd::FeaturePresence& presence = feature.presence();
  if (presence.min_fraction() >= 1.0) return "required";
  std::string text = "optional";
  if (presence.min_fraction() > 0)
    text += StrCat(", min ", FormatPercent(presence.min_fraction(), 1));
  if (presence.min_count() > 0) text += StrCat(", min_count ", presence.min_count());
  return text;
}

// What a feature's domain allows, whether declared inline or by name at the schema level.
struct DomainDescription {
  std::string name;  // Empty for an inline domain.
  std::string kind;  // "string", "int", "float", "bool", "struct", "natural_language", ...
  std::vector<std::string> values;
  std::optional<double> min;
  std::optional<double> max;
};

DomainDescription Describe(const tfmd::StringDomain& domain) {
  return {domain.name(), "string", {domain.value().begin(), domain.value().end()}, {}, {}};
}
DomainDescription Describe(const tfmd::IntDomain& domain) {
  return {domain.name(),
          "int",
          {},
          Maybe<double>(domain.has_min(), domain.min()),
          Maybe<double>(domain.has_max(), domain.max())};
}
DomainDescription Describe(const tfmd::FloatDomain& domain) {
  return {domain.name(),
          "float",
          {},
          Maybe<double>(domain.has_min(), domain.min()),
          Maybe<double>(domain.has_max(), domain.max())};
}

// The feature's domain, or nullopt when it has none. A reference to an undeclared name keeps the
// name with kind "unknown" so that the table shows the dangling reference instead of hiding it.
std::optional<DomainDescription> FeatureDomain(const tfmd::Feature& feature,
                                               const tfmd::Schema& schema) {
  switch (feature.domain_info_case()) {
    case tfmd::Feature::kDomain: {
      for (const auto& d : schema.string_domain()) {
        if (d.name() == feature.domain()) return Describe(d);
      }
      for (const auto& d : schema.int_domain()) {
        if (d.name() == feature.domain()) return Describe(d);
      }
      for (const auto& d : schema.float_domain()) {
        if (d.name() == feature.domain()) return Describe(d);
      }
      return DomainDescription{feature.domain(), "unknown", {}, {}, {}};
    }
    case tfmd::Feature::kStringDomain:
      return Describe(feature.string_domain());
    case tfmd::Feature::kIntDomain:
      return Describe(feature.int_domain());
    case tfmd::Feature::kFloatDomain:
      return Describe(feature.float_domain());
    case tfmd::Feature::kBoolDomain: {
      const tfmd::BoolDomain& b = feature.bool_domain();
      std::vector<std::string> values;
      if (b.has_true_value()) values.push_back(b.true_value());
      if (b.has_false_value()) values.push_back(b.false_value());
      return DomainDescription{b.name(), "bool", values, {}, {}};
    }
    case tfmd::Feature::kStructDomain:
      return DomainDescription{"", "struct", {}, {}, {}};
    case tfmd::Feature::kNaturalLanguageDomain:
      return DomainDescription{"", "natural_language", {}, {}, {}};
    case tfmd::Feature::kImageDomain:
      return DomainDescription{"", "image", {}, {}, {}};
    case tfmd::Feature::kMidDomain:
      return DomainDescription{"", "mid", {}, {}, {}};
    case tfmd::Feature::kUrlDomain:
      return DomainDescription{"", "url", {}, {}, {}};
    case tfmd::Feature::kTimeDomain:
      return DomainDescription{"", "time", {}, {}, {}};
    case tfmd::Feature::kTimeOfDayDomain:
      return DomainDescription{"", "time_of_day", {}, {}, {}};
    default:
      return std::nullopt;
  }
}

// "'a', 'b', … (+N more)" within `width` columns, or the range for numeric domains.
std::string DomainValuesText(const DomainDescription& domain, size_t width) {
  if (domain.min || domain.max) {
    return StrCat("[", domain.min ? FormatNumber(*domain.min) : "-inf", ", ",
                  domain.max ? FormatNumber(*domain.max) : "inf", "]");
  }
  if (domain.values.empty()) return domain.kind == "unknown" ? "(not declared in the schema)" : "";
  std::string out;
  for (size_t i = 0; i < domain.values.size(); ++i) {
    std::string piece = StrCat(i ? ", " : "", "'", domain.values[i], "'");
    std::string more = StrCat(", … (+", domain.values.size() - i, " more)");
    bool last = i + 1 == domain.values.size();
    if (DisplayWidth(out) + DisplayWidth(piece) + (last ? 0 : DisplayWidth(more)) > width &&
        i > 0) {
      return out + more;
    }
    out += piece;
  }
  return out;
}

std::string InlineDomainText(const DomainDescription& domain) {
  if (!domain.name.empty()) return domain.name;
  std::string values = DomainValuesText(domain, 40);
  return values.empty() ? domain.kind : StrCat(domain.kind, " ", values);
}

nlohmann::ordered_json DomainToJson(const DomainDescription& domain) {
  nlohmann::ordered_json out = {{"kind", domain.kind}};
  if (!domain.name.empty()) out["name"] = domain.name;
  if (!domain.values.empty()) out["values"] = domain.values;
  if (domain.min) out["min"] = *domain.min;
  if (domain.max) out["max"] = *domain.max;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Anomalies.

std::vector<std::pair<std::string, const tfmd::AnomalyInfo*>> SortedAnomalies(
    const tfmd::Anomalies& anomalies) {
  std::vector<std::pair<std::string, const tfmd::AnomalyInfo*>> sorted;
  for (const auto& [key, info] : anomalies.anomaly_info()) {
    std::string name = key;
    if (info.has_path() && info.path().step_size() > 0) {
      name.clear();
      for (const std::string& step : info.path().step())
        name += StrCat(name.empty() ? "" : ".", step);
    }
    sorted.emplace_back(name, &info);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return sorted;
}

// An anomaly's own descriptions, or its reasons' joined when the producer left the summary empty.
std::pair<std::string, std::string> AnomalyText(const tfmd::AnomalyInfo& info) {
  std::string short_description = info.short_description();
  std::string description = info.description();
  for (const auto& reason : info.reason()) {
    if (info.short_description().empty()) {
      short_description +=
          StrCat(short_description.empty() ? "" : "; ", reason.short_description());
    }
    if (info.description().empty()) {
      description += StrCat(description.empty() ? "" : " ", reason.description());
    }
  }
  return {short_description, description};
}

const char* SeverityStyle(tfmd::AnomalyInfo::Severity severity) {
  return severity == tfmd::AnomalyInfo::ERROR ? kRed : kYellow;
}

nlohmann::ordered_json AnomalyToJson(const std::string& feature, const tfmd::AnomalyInfo& info) {
  nlohmann::ordered_json reasons = nlohmann::ordered_json::array();
  for (const auto& reason : info.reason()) {
    reasons.push_back({{"type", tfmd::AnomalyInfo::Type_Name(reason.type())},
                       {"short_description", reason.short_description()},
                       {"description", reason.description()}});
  }
  auto [short_description, description] = AnomalyText(info);
  return {{"feature", feature},
          {"severity", tfmd::AnomalyInfo::Severity_Name(info.severity())},
          {"short_description", short_description},
          {"description", description},
          {"reasons", reasons}};
}

struct Measurement {
  std::string feature;
  std::string kind;  // "drift" or "skew".
  const tfmd::DriftSkewInfo::Measurement* measurement;
};

std::vector<Measurement> Measurements(const tfmd::Anomalies& anomalies) {
  std::vector<Measurement> out;
  for (const auto& info : anomalies.drift_skew_info()) {
    for (const auto& m : info.drift_measurements())
      out.push_back({stats::PathName(info.path()), "drift", &m});
    for (const auto& m : info.skew_measurements())
      out.push_back({stats::PathName(info.path()), "skew", &m});
  }
  return out;
}

std::string MeasureName(tfmd::DriftSkewInfo::Measurement::Type type) {
  switch (type) {
    case tfmd::DriftSkewInfo::Measurement::L_INFTY:
      return "L-infinity";
    case tfmd::DriftSkewInfo::Measurement::JENSEN_SHANNON_DIVERGENCE:
      return "Jensen-Shannon";
    default:
      return "unknown";
  }
}

// ---------------------------------------------------------------------------------------------
// Loading.

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// ---------------------------------------------------------------------------------------------
// Evaluations.

using Json = nlohmann::ordered_json;

// The metrics a slice table shows, in this order, when the evaluation has them: the headline
// metrics of each task (binary: auc to calibration; multiclass: accuracy, loss; regression: loss,
// mae, r2). The rest (mean_label, mse, per-class precision, ...) are in the --json output.
constexpr const char* kHeadlineMetrics[] = {
    "example_count",        "auc",         "accuracy", "loss", "precision", "recall",
    "auc_precision_recall", "calibration", "mae",      "r2"};

const eval::SliceEvaluation* OverallSlice(const ModelEvaluation& evaluation) {
  for (const eval::SliceEvaluation& slice : evaluation.slices) {
    if (slice.features.empty()) return &slice;
  }
  return nullptr;
}

std::optional<double> Find(const eval::Metrics& metrics, std::string_view name) {
  for (const auto& [metric, value] : metrics) {
    if (metric == name) return value;
  }
  return std::nullopt;
}

// The headline metrics that some slice has; every metric of the first slice when none is a
// headline metric (a task this weir does not know).
std::vector<std::string> TableMetrics(const ModelEvaluation& evaluation) {
  std::vector<std::string> names;
  for (const char* name : kHeadlineMetrics) {
    for (const eval::SliceEvaluation& slice : evaluation.slices) {
      if (Find(slice.metrics, name)) {
        names.push_back(name);
        break;
      }
    }
  }
  if (names.size() <= 1 && !evaluation.slices.empty()) {
    names.clear();
    for (const auto& [name, value] : evaluation.slices.front().metrics) names.push_back(name);
  }
  return names;
}

// "+0.0123", "-0.5" or "0": a change in a metric, signed so that no sign means no change.
std::string FormatChange(double change) {
  std::string text = FormatNumber(change);
  return change > 0 ? StrCat("+", text) : text;
}

// The Evaluator writes example_count as a double; a count reads better as a whole number.
Json MetricsToJson(const eval::Metrics& metrics) {
  Json out = Json::object();
  for (const auto& [name, value] : metrics) {
    if (name == "example_count" && value == std::floor(value) && std::fabs(value) < 1e15) {
      out[name] = static_cast<int64_t>(value);
    } else {
      out[name] = value;
    }
  }
  return out;
}

// The number `text` spells, or nullopt; NaN counts as text, so that slices stay totally ordered.
std::optional<double> ParseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(value)) return std::nullopt;
  return value;
}

// Slices by feature names, then by value: numbers in numeric order (hour 2 before hour 10),
// other values in text order, numbers before text.
bool SliceLess(const eval::SliceEvaluation& a, const eval::SliceEvaluation& b) {
  for (size_t i = 0; i < std::min(a.features.size(), b.features.size()); ++i) {
    const auto& [a_name, a_value] = a.features[i];
    const auto& [b_name, b_value] = b.features[i];
    if (a_name != b_name) return a_name < b_name;
    std::optional<double> a_number = ParseNumber(a_value), b_number = ParseNumber(b_value);
    if (a_number && b_number && *a_number != *b_number) return *a_number < *b_number;
    if (a_number.has_value() != b_number.has_value()) return a_number.has_value();
    if (a_value != b_value) return a_value < b_value;
  }
  return a.features.size() < b.features.size();
}

}  // namespace

bool ShouldUseColor(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(fd) && (no_color == nullptr || no_color[0] == '\0');
}

absl::StatusOr<std::vector<LabeledStatistics>> LoadStatistics(const fs::path& path,
                                                              std::string_view split) {
  ASSIGN_OR_RETURN(std::vector<components::SplitFile> files,
                   components::ResolveSplitFiles(path, split, components::kStatisticsFileName));
  std::vector<LabeledStatistics> out;
  for (const components::SplitFile& file : files) {
    ASSIGN_OR_RETURN(tfmd::DatasetFeatureStatisticsList list,
                     components::ReadStatisticsFile(file.file));
    for (int d = 0; d < list.datasets_size(); ++d) {
      tfmd::DatasetFeatureStatistics& dataset = *list.mutable_datasets(d);
      std::string label = dataset.name().empty() ? file.file.stem().string() : dataset.name();
      if (!file.split.empty())
        label = list.datasets_size() == 1 ? file.split : StrCat(file.split, "/", label);
      out.push_back({label, file.file, std::move(dataset)});
    }
  }
  return out;
}

absl::StatusOr<tfmd::Schema> LoadSchema(const fs::path& path) { return schema::ReadSchema(path); }

absl::StatusOr<std::vector<LabeledAnomalies>> LoadAnomalies(const fs::path& path,
                                                            std::string_view split) {
  ASSIGN_OR_RETURN(std::vector<components::SplitFile> files,
                   components::ResolveSplitFiles(path, split, components::kAnomaliesFileName));
  std::vector<LabeledAnomalies> out;
  for (const components::SplitFile& file : files) {
    LabeledAnomalies anomalies{
        file.split.empty() ? file.file.stem().string() : file.split, file.file, {}};
    RETURN_IF_ERROR(EndsWith(file.file.string(), ".pbtxt")
                        ? base::ReadTextProto(file.file, &anomalies.anomalies)
                        : base::ReadBinaryProto(file.file, &anomalies.anomalies));
    out.push_back(std::move(anomalies));
  }
  return out;
}

std::string RenderStatistics(const LabeledStatistics& statistics, const ShowOptions& options) {
  std::string out = Title(Summary(statistics), options) + "\n";
  Table numeric(NumericColumns(false));
  Table strings(StringColumns(false));
  for (const auto& feature : statistics.statistics.features()) {
    std::vector<Cell> row = {stats::FeatureName(feature)};
    if (IsNumeric(feature)) {
      const tfmd::Histogram* histogram =
          FindHistogram(feature.num_stats(), tfmd::Histogram::STANDARD);
      std::vector<Cell> cells =
          NumericCells(feature, histogram ? Sparkline(BucketCounts(*histogram)) : "");
      row.insert(row.end(), cells.begin(), cells.end());
      numeric.AddRow(std::move(row));
    } else if (stats::CommonStatisticsOf(feature) != nullptr) {
      std::vector<Cell> cells = StringCells(feature);
      row.insert(row.end(), cells.begin(), cells.end());
      strings.AddRow(std::move(row));
    }
  }
  if (!numeric.empty()) out += "\n" + numeric.Render(options);
  if (!strings.empty()) out += "\n" + strings.Render(options);
  return out;
}

std::string RenderStatisticsComparison(const LabeledStatistics& left,
                                       const LabeledStatistics& right, const ShowOptions& options) {
  std::string out = Title(StrCat("Comparing ", left.label, " with ", right.label), options) + "\n";
  out += StrCat("  ", Summary(left), "\n  ", Summary(right), "\n");
  std::vector<std::string> names;
  std::map<std::string, const tfmd::FeatureNameStatistics*> by_name[2];
  for (int side = 0; side < 2; ++side) {
    for (const auto& feature : (side == 0 ? left : right).statistics.features()) {
      std::string name = stats::FeatureName(feature);
      if (!by_name[0].count(name) && !by_name[1].count(name)) names.push_back(name);
      by_name[side][name] = &feature;
    }
  }
  const std::string* labels[2] = {&left.label, &right.label};
  Table numeric(NumericColumns(true));
  Table strings(StringColumns(true));
  for (const std::string& name : names) {
    const tfmd::FeatureNameStatistics* features[2] = {by_name[0][name], by_name[1][name]};
    const tfmd::FeatureNameStatistics* any = features[0] ? features[0] : features[1];
    // Both histograms over one range, so that a shifted distribution shows as shifted bars.
    const tfmd::Histogram* histograms[2] = {nullptr, nullptr};
    double low = INFINITY, high = -INFINITY;
    for (int side = 0; side < 2; ++side) {
      if (!features[side] || !IsNumeric(*features[side])) continue;
      histograms[side] = FindHistogram(features[side]->num_stats(), tfmd::Histogram::STANDARD);
      if (histograms[side] && histograms[side]->buckets_size() > 0) {
        low = std::min(low, histograms[side]->buckets(0).low_value());
        high = std::max(
            high, histograms[side]->buckets(histograms[side]->buckets_size() - 1).high_value());
      }
    }
    for (int side = 0; side < 2; ++side) {
      std::vector<Cell> row = {side == 0 ? name : "", *labels[side]};
      const tfmd::FeatureNameStatistics* feature = features[side];
      Table& table = IsNumeric(*any) ? numeric : strings;
      if (feature == nullptr) {
        row.push_back("absent");
      } else if (IsNumeric(*feature) && IsNumeric(*any)) {
        std::string sparkline;
        if (histograms[side] && histograms[side]->buckets_size() > 0) {
          int buckets = std::max(histograms[0] ? histograms[0]->buckets_size() : 0,
                                 histograms[1] ? histograms[1]->buckets_size() : 0);
          sparkline = Sparkline(Rebin(*histograms[side], low, high, buckets));
        }
        std::vector<Cell> cells = NumericCells(*feature, sparkline);
        row.insert(row.end(), cells.begin(), cells.end());
      } else if (!IsNumeric(*feature) && !IsNumeric(*any) &&
                 stats::CommonStatisticsOf(*feature) != nullptr) {
        std::vector<Cell> cells = StringCells(*feature);
        row.insert(row.end(), cells.begin(), cells.end());
      } else {
        // The type changed between the two: show it where the other side's columns would mislead.
        row.push_back(Cell(tfmd::FeatureNameStatistics::Type_Name(feature->type()), kYellow));
      }
      table.AddRow(std::move(row));
    }
  }
  if (!numeric.empty()) out += "\n" + numeric.Render(options);
  if (!strings.empty()) out += "\n" + strings.Render(options);
  return out;
}

std::string RenderSchema(const tfmd::Schema& schema, const ShowOptions& options) {
  std::string out = Title(StrCat("Schema: ", schema.feature_size(), " features"), options) + "\n\n";
  Table features({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
                  {"type"},
                  {"presence"},
                  {"valency"},
                  {"domain", Align::kLeft, Fit::kTruncate}});
  for (const tfmd::Feature& feature : schema.feature()) {
    std::optional<DomainDescription> domain = FeatureDomain(feature, schema);
    std::string type = feature.has_type() ? tfmd::FeatureType_Name(feature.type()) : "";
    if (feature.lifecycle_stage() == tfmd::DEPRECATED) type += " (deprecated)";
    features.AddRow({feature.name(), type, PresenceText(feature), ValencyText(feature),
                     domain ? InlineDomainText(*domain) : ""});
  }
  out += features.Render(options);

  Table domains({{"domain"}, {"kind"}, {"values", Align::kLeft, Fit::kTruncate}});
  std::vector<DomainDescription> declared;
  for (const auto& d : schema.string_domain()) declared.push_back(Describe(d));
  for (const auto& d : schema.int_domain()) declared.push_back(Describe(d));
  for (const auto& d : schema.float_domain()) declared.push_back(Describe(d));
  size_t name_width = 0;
  for (const auto& d : declared) name_width = std::max(name_width, DisplayWidth(d.name));
  // The values column gets what the name and kind columns leave, so that "(+N more)" survives.
  const size_t values_width =
      static_cast<size_t>(std::max(20, options.max_width - static_cast<int>(name_width) - 12));
  for (const auto& d : declared)
    domains.AddRow({d.name, d.kind, DomainValuesText(d, values_width)});
  if (!domains.empty()) out += "\n" + domains.Render(options);

  if (schema.has_dataset_constraints()) {
    const tfmd::DatasetConstraints& constraints = schema.dataset_constraints();
    std::string text;
    if (constraints.has_min_examples_count())
      text += StrCat("  min examples: ", constraints.min_examples_count(), "\n");
    if (constraints.has_max_examples_count())
      text += StrCat("  max examples: ", constraints.max_examples_count(), "\n");
    if (!text.empty()) out += "\n" + Title("Dataset constraints", options) + "\n" + text;
  }
  return out;
}

std::string RenderAnomalies(const tfmd::Anomalies& anomalies, const ShowOptions& options) {
  std::string out;
  Table table({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
               {"severity"},
               {"short description", Align::kLeft, Fit::kWrap},
               {"description", Align::kLeft, Fit::kWrap}});
  auto add = [&](const std::string& feature, const tfmd::AnomalyInfo& info) {
    auto [short_description, description] = AnomalyText(info);
    table.AddRow(
        {feature,
         Cell(tfmd::AnomalyInfo::Severity_Name(info.severity()), SeverityStyle(info.severity())),
         short_description, description});
  };
  for (const auto& [feature, info] : SortedAnomalies(anomalies)) add(feature, *info);
  if (anomalies.has_dataset_anomaly_info()) add("(dataset)", anomalies.dataset_anomaly_info());
  if (anomalies.data_missing()) out += Style("The dataset has no examples.", kRed, options) + "\n";
  if (table.empty()) {
    out += "No anomalies found.\n";
  } else {
    out += table.Render(options);
  }

  std::vector<Measurement> measurements = Measurements(anomalies);
  if (!measurements.empty()) {
    Table drift({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
                 {"check"},
                 {"measure"},
                 {"value", Align::kRight},
                 {"threshold", Align::kRight},
                 {"result"}});
    for (const Measurement& m : measurements) {
      bool over = m.measurement->value() > m.measurement->threshold();
      drift.AddRow({m.feature, m.kind, MeasureName(m.measurement->type()),
                    FormatNumber(m.measurement->value()), FormatNumber(m.measurement->threshold()),
                    over ? Cell("over threshold", kRed) : Cell("ok")});
    }
    out += "\n" + Title("Drift and skew", options) + "\n" + drift.Render(options);
  }
  return out;
}

nlohmann::ordered_json StatisticsToJson(const LabeledStatistics& statistics) {
  nlohmann::ordered_json features = nlohmann::ordered_json::array();
  for (const auto& feature : statistics.statistics.features()) {
    nlohmann::ordered_json json = {
        {"name", stats::FeatureName(feature)},
        {"type", tfmd::FeatureNameStatistics::Type_Name(feature.type())}};
    if (const tfmd::CommonStatistics* common = stats::CommonStatisticsOf(feature)) {
      uint64_t rows = common->num_non_missing() + common->num_missing();
      json["count"] = common->num_non_missing();
      json["missing"] = common->num_missing();
      json["missing_fraction"] = rows ? static_cast<double>(common->num_missing()) / rows : 0.0;
      json["num_values"] = {{"min", common->min_num_values()},
                            {"max", common->max_num_values()},
                            {"avg", common->avg_num_values()},
                            {"total", common->tot_num_values()}};
    }
    if (feature.has_num_stats()) {
      const tfmd::NumericStatistics& num = feature.num_stats();
      nlohmann::ordered_json numeric = {{"mean", num.mean()},       {"std_dev", num.std_dev()},
                                        {"zeros", num.num_zeros()}, {"min", num.min()},
                                        {"median", num.median()},   {"max", num.max()}};
      for (auto [type, key] : {std::pair{tfmd::Histogram::STANDARD, "histogram"},
                               std::pair{tfmd::Histogram::QUANTILES, "quantiles"}}) {
        const tfmd::Histogram* histogram = FindHistogram(num, type);
        if (histogram == nullptr) continue;
        nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
        for (const auto& b : histogram->buckets()) {
          buckets.push_back(
              {{"low", b.low_value()}, {"high", b.high_value()}, {"count", b.sample_count()}});
        }
        numeric[key] = buckets;
        if (type == tfmd::Histogram::STANDARD) numeric["nan"] = histogram->num_nan();
      }
      json["numeric"] = numeric;
    } else if (feature.has_string_stats()) {
      const tfmd::StringStatistics& s = feature.string_stats();
      nlohmann::ordered_json top = nlohmann::ordered_json::array();
      for (const auto& t : s.top_values())
        top.push_back({{"value", t.value()}, {"frequency", t.frequency()}});
      json["string"] = {{"unique", s.unique()},
                        {"avg_length", s.avg_length()},
                        {"invalid_utf8", s.invalid_utf8_count()},
                        {"top_values", top}};
    } else if (feature.has_bytes_stats()) {
      const tfmd::BytesStatistics& b = feature.bytes_stats();
      json["bytes"] = {{"unique", b.unique()},
                       {"avg_num_bytes", b.avg_num_bytes()},
                       {"min_num_bytes", b.min_num_bytes()},
                       {"max_num_bytes", b.max_num_bytes()}};
    }
    features.push_back(std::move(json));
  }
  return {{"name", statistics.label},
          {"file", statistics.file.string()},
          {"num_examples", statistics.statistics.num_examples()},
          {"features", features}};
}

nlohmann::ordered_json SchemaToJson(const tfmd::Schema& schema) {
  nlohmann::ordered_json features = nlohmann::ordered_json::array();
  for (const tfmd::Feature& feature : schema.feature()) {
    nlohmann::ordered_json json = {{"name", feature.name()},
                                   {"type", tfmd::FeatureType_Name(feature.type())}};
    if (feature.has_presence()) {
      json["presence"] = {{"required", feature.presence().min_fraction() >= 1.0},
                          {"min_fraction", feature.presence().min_fraction()},
                          {"min_count", feature.presence().min_count()}};
    } else if (feature.has_group_presence()) {
      json["presence"] = {{"required", feature.group_presence().required()}, {"in_group", true}};
    }
    std::string valency = ValencyText(feature);
    if (!valency.empty()) json["valency"] = valency;
    if (feature.has_value_count()) {
      json["value_count"] = {{"min", feature.value_count().min()}};
      if (feature.value_count().has_max()) json["value_count"]["max"] = feature.value_count().max();
    }
    if (feature.has_shape()) {
      std::vector<int64_t> dims;
      for (const auto& dim : feature.shape().dim()) dims.push_back(dim.size());
      json["shape"] = dims;
    }
    if (std::optional<DomainDescription> domain = FeatureDomain(feature, schema)) {
      json["domain"] = DomainToJson(*domain);
    }
    if (feature.has_lifecycle_stage())
      json["lifecycle_stage"] = tfmd::LifecycleStage_Name(feature.lifecycle_stage());
    features.push_back(std::move(json));
  }
  nlohmann::ordered_json domains = nlohmann::ordered_json::array();
  for (const auto& d : schema.string_domain()) domains.push_back(DomainToJson(Describe(d)));
  for (const auto& d : schema.int_domain()) domains.push_back(DomainToJson(Describe(d)));
  for (const auto& d : schema.float_domain()) domains.push_back(DomainToJson(Describe(d)));
  nlohmann::ordered_json out = {{"features", features}, {"domains", domains}};
  if (schema.has_dataset_constraints()) {
    const tfmd::DatasetConstraints& constraints = schema.dataset_constraints();
    nlohmann::ordered_json json = nlohmann::ordered_json::object();
    if (constraints.has_min_examples_count())
      json["min_examples_count"] = constraints.min_examples_count();
    if (constraints.has_max_examples_count())
      json["max_examples_count"] = constraints.max_examples_count();
    out["dataset_constraints"] = json;
  }
  return out;
}

nlohmann::ordered_json AnomaliesToJson(const tfmd::Anomalies& anomalies) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& [feature, info] : SortedAnomalies(anomalies))
    list.push_back(AnomalyToJson(feature, *info));
  nlohmann::ordered_json drift_skew = nlohmann::ordered_json::array();
  for (const Measurement& m : Measurements(anomalies)) {
    drift_skew.push_back(
        {{"feature", m.feature},
         {"check", m.kind},
         {"measure", tfmd::DriftSkewInfo::Measurement::Type_Name(m.measurement->type())},
         {"value", m.measurement->value()},
         {"threshold", m.measurement->threshold()},
         {"over_threshold", m.measurement->value() > m.measurement->threshold()}});
  }
  nlohmann::ordered_json out = {
      {"anomalies", list}, {"data_missing", anomalies.data_missing()}, {"drift_skew", drift_skew}};
  out["dataset_anomaly"] = anomalies.has_dataset_anomaly_info()
                               ? AnomalyToJson("", anomalies.dataset_anomaly_info())
                               : nlohmann::ordered_json(nullptr);
  return out;
}

absl::StatusOr<ModelEvaluation> LoadEvaluation(const fs::path& path) {
  ModelEvaluation evaluation;
  ASSIGN_OR_RETURN(static_cast<eval::ModelEvaluation&>(evaluation), eval::ReadEvaluation(path));
  evaluation.file = eval::EvaluationFile(path);
  std::stable_sort(evaluation.slices.begin(), evaluation.slices.end(), SliceLess);
  return evaluation;
}

std::string RenderEvaluation(const ModelEvaluation& evaluation, const ShowOptions& options) {
  const eval::SliceEvaluation* overall = OverallSlice(evaluation);
  std::string out =
      Title(StrCat("Model evaluation (", evaluation.file.string(), ")"), options) + "\n";
  std::string examples;
  if (overall != nullptr) {
    if (std::optional<double> count = Find(overall->metrics, "example_count"))
      examples = StrCat(" (", FormatNumber(*count), " examples)");
  }
  out += StrCat("  model     ", evaluation.model, "\n");
  out += StrCat("  baseline  ",
                evaluation.baseline_model.empty() ? "none (first run: change thresholds skipped)"
                                                  : evaluation.baseline_model,
                "\n");
  out += StrCat("  split     ", evaluation.split, examples, "\n");
  out += StrCat("  label     ", evaluation.label_key, "\n");

  // Metrics per slice; the cells whose checks failed in red.
  const std::vector<std::string> metrics = TableMetrics(evaluation);
  std::set<std::pair<std::string, std::string>> failed;
  for (const eval::ThresholdFailure& failure : evaluation.failures)
    failed.emplace(failure.slice, failure.metric);
  std::vector<Column> columns = {{"slice", Align::kLeft, Fit::kTruncate, kNameWidth}};
  for (const std::string& metric : metrics) columns.push_back({metric, Align::kRight});
  Table table(std::move(columns));
  for (const eval::SliceEvaluation& slice : evaluation.slices) {
    std::vector<Cell> row = {slice.name};
    for (const std::string& metric : metrics) {
      std::optional<double> value = Find(slice.metrics, metric);
      std::string text = value ? FormatNumber(*value) : "";
      row.push_back(failed.count({slice.name, metric}) ? Cell(std::move(text), kRed)
                                                       : Cell(std::move(text)));
    }
    table.AddRow(std::move(row));
  }
  if (!table.empty()) {
    out += "\n" + table.Render(options);
  } else {
    out += "\nNo slices.\n";
  }
  std::vector<std::string> others;
  if (overall != nullptr) {
    for (const auto& [name, value] : overall->metrics) {
      if (std::find(metrics.begin(), metrics.end(), name) == metrics.end()) others.push_back(name);
    }
  }
  if (!others.empty()) {
    std::string list;
    for (const std::string& name : others) list += StrCat(list.empty() ? "" : ", ", name);
    out += Truncate(StrCat("More metrics with --json: ", list),
                    static_cast<size_t>(std::max(options.max_width, 40))) +
           "\n";
  }

  // The overall slice against the baseline, metric by metric.
  if (overall != nullptr && overall->baseline_metrics) {
    Table change({{"metric"},
                  {"candidate", Align::kRight},
                  {"baseline", Align::kRight},
                  {"change", Align::kRight}});
    for (const std::string& metric : metrics) {
      if (metric == "example_count") continue;
      std::optional<double> candidate = Find(overall->metrics, metric);
      std::optional<double> base = Find(*overall->baseline_metrics, metric);
      if (!candidate || !base) continue;
      change.AddRow({metric, FormatNumber(*candidate), FormatNumber(*base),
                     FormatChange(*candidate - *base)});
    }
    if (!change.empty()) {
      out += "\n" + Title(StrCat(overall->name, " against the baseline"), options) + "\n" +
             change.Render(options);
    }
  }

  // The validation result.
  out += "\n";
  if (evaluation.blessed) {
    out += Style("BLESSED", kGreen, options);
    out += evaluation.checks > 0 ? StrCat(": all ", evaluation.checks, " checks passed")
                                 : ": no thresholds to check";
  } else {
    out += Style("NOT BLESSED", kRed, options);
    out += StrCat(": ", evaluation.failures.size(), " of ", evaluation.checks, " checks failed");
  }
  out += "\n";
  const size_t width = static_cast<size_t>(std::max(options.max_width, 40)) - 4;
  for (const eval::ThresholdFailure& failure : evaluation.failures) {
    std::vector<std::string> lines = Wrap(failure.message, width);
    for (size_t i = 0; i < lines.size(); ++i) out += StrCat(i ? "    " : "  - ", lines[i], "\n");
  }
  return out;
}

nlohmann::ordered_json EvaluationToJson(const ModelEvaluation& evaluation) {
  const eval::SliceEvaluation* overall = OverallSlice(evaluation);
  Json overall_baseline = nullptr, overall_change = nullptr;
  if (overall != nullptr && overall->baseline_metrics) {
    overall_baseline = MetricsToJson(*overall->baseline_metrics);
    overall_change = Json::object();
    for (const auto& [name, value] : overall->metrics) {
      if (std::optional<double> base = Find(*overall->baseline_metrics, name))
        overall_change[name] = value - *base;
    }
  }
  Json slices = Json::array();
  for (const eval::SliceEvaluation& slice : evaluation.slices) {
    Json features = Json::object();
    for (const auto& [feature, value] : slice.features) features[feature] = value;
    slices.push_back(
        {{"slice", slice.name},
         {"features", features},
         {"metrics", MetricsToJson(slice.metrics)},
         {"baseline_metrics",
          slice.baseline_metrics ? MetricsToJson(*slice.baseline_metrics) : Json(nullptr)}});
  }
  Json failures = Json::array();
  for (const eval::ThresholdFailure& failure : evaluation.failures) {
    failures.push_back({{"slice", failure.slice},
                        {"metric", failure.metric},
                        {"check", failure.check},
                        {"threshold", failure.threshold},
                        {"value", failure.value},
                        {"message", failure.message}});
  }
  return {{"file", evaluation.file.string()},
          {"model", evaluation.model},
          {"baseline_model",
           evaluation.baseline_model.empty() ? Json(nullptr) : Json(evaluation.baseline_model)},
          {"split", evaluation.split},
          {"label_key", evaluation.label_key},
          {"blessed", evaluation.blessed},
          {"checks", evaluation.checks},
          {"change_thresholds_skipped", evaluation.change_thresholds_skipped},
          {"overall", overall ? MetricsToJson(overall->metrics) : Json::object()},
          {"overall_baseline", overall_baseline},
          {"overall_change", overall_change},
          {"slices", slices},
          {"failures", failures}};
}

}  // namespace weir::cli
