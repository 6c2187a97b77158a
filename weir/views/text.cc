#include "weir/views/text.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "weir/base/strings.h"

namespace weir::views {
namespace {

std::string Printf(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

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

std::string Style(std::string_view text, const char* style, const TextOptions& options) {
  return options.color ? StrCat(style, text, kReset) : std::string(text);
}

void Table::AddRow(std::vector<Cell> cells) {
  cells.resize(columns_.size(), Cell(""));
  rows_.push_back(std::move(cells));
}

std::string Table::Render(const TextOptions& options) const {
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

std::string Title(std::string_view text, const TextOptions& options) {
  return Style(text, kBold, options);
}

bool ShouldUseColor(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(fd) && (no_color == nullptr || no_color[0] == '\0');
}

}  // namespace weir::views
