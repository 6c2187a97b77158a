// Text for terminals, shared by every view: one table renderer, one number formatter, colours,
// and widths that count code points (every character weir prints is one column wide).
#ifndef WEIR_VIEWS_TEXT_H_
#define WEIR_VIEWS_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::views {

struct TextOptions {
  // ANSI bold titles and headers, and coloured cells. See ShouldUseColor.
  bool color = false;
  // Tables wrap or abbreviate their flexible columns to stay within this many columns (40 at
  // least).
  int max_width = 120;
};

// True when `fd` is a terminal and the NO_COLOR environment variable is unset.
bool ShouldUseColor(int fd);

inline constexpr char kBold[] = "\033[1m";
inline constexpr char kRed[] = "\033[31m";
inline constexpr char kGreen[] = "\033[32m";
inline constexpr char kYellow[] = "\033[33m";
inline constexpr char kReset[] = "\033[0m";

// The columns `text` takes: its code points.
size_t DisplayWidth(std::string_view text);
// The first `width` columns of `text`, ending in "…" when something was cut.
std::string Truncate(std::string_view text, size_t width);
// Greedy word wrap; words longer than `width` are cut across lines.
std::vector<std::string> Wrap(std::string_view text, size_t width);
// `text` in an ANSI style when colour is on.
std::string Style(std::string_view text, const char* style, const TextOptions& options);
std::string Title(std::string_view text, const TextOptions& options);

// About 4 significant digits in at most 10 columns: whole numbers in full up to 10 digits (so
// that timestamps stay exact), magnitudes from 1e7 up or below 1e-3 in exponent form ("1.409e9"),
// the rest with 3 - floor(log10 |x|) decimals (0 to 4) and no trailing zeros; "nan", "inf",
// "-inf". The web UI formats numbers by the same rule (weir/web/ui/app.js, fmtNum;
// weir/views/testdata/numbers.json holds cases both are tested on).
std::string FormatNumber(double value);
// `part` of `whole` as "12.5%", "<0.1%", "0%" or "100%".
std::string FormatPercent(double part, double whole);

enum class Align { kLeft, kRight };
// How a column too wide for TextOptions::max_width shrinks: not at all, by "…", or by wrapping.
enum class Fit { kFixed, kTruncate, kWrap };
// The width a name column keeps when tables shrink.
inline constexpr size_t kNameWidth = 24;

struct Column {
  std::string header;
  Align align = Align::kLeft;
  Fit fit = Fit::kFixed;
  // A shrinking column keeps at least this many columns (and its header): names cut short are
  // worse than a table a few columns too wide.
  size_t min_width = 12;
};

struct Cell {
  Cell(std::string text) : text(std::move(text)) {}  // NOLINT: rows are brace-initialised text.
  Cell(const char* text) : text(text) {}             // NOLINT
  Cell(std::string text, const char* style) : text(std::move(text)), style(style) {}
  std::string text;
  const char* style = nullptr;  // ANSI colour for this cell when colour is on.
};

// Columns separated by two spaces, a rule under the headers, multi-line cells for wrapped text,
// trailing spaces trimmed.
class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // A row with fewer cells than columns is padded with empty ones.
  void AddRow(std::vector<Cell> cells);
  bool empty() const { return rows_.empty(); }
  std::string Render(const TextOptions& options = {}) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace weir::views

#endif  // WEIR_VIEWS_TEXT_H_
