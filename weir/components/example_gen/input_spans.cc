#include "weir/components/example_gen/input_spans.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::components {
namespace fs = std::filesystem;

namespace {

enum class Spec { kSpan, kVersion, kYear, kMonth, kDay };

// A pattern as literal glob text and specs, in order.
struct Piece {
  std::string literal;  // Empty for a spec.
  Spec spec = Spec::kSpan;
  int width = 0;  // Digits a spec must have; 0: any number of them.
};

struct ParsedPattern {
  std::vector<Piece> pieces;
  PatternSpecs specs;
};

absl::StatusOr<ParsedPattern> Parse(const std::string& pattern) {
  struct Name {
    const char* text;
    Spec spec;
    int fixed_width;  // The date specs' widths; -1: the spec takes an optional ":W".
  };
  static constexpr Name kNames[] = {{"SPAN", Spec::kSpan, -1},
                                    {"VERSION", Spec::kVersion, -1},
                                    {"YYYY", Spec::kYear, 4},
                                    {"MM", Spec::kMonth, 2},
                                    {"DD", Spec::kDay, 2}};
  ParsedPattern parsed;
  std::map<Spec, int> seen;
  std::string literal;
  size_t i = 0;
  while (i < pattern.size()) {
    const Name* name = nullptr;
    size_t end = std::string::npos;
    if (pattern[i] == '{') {
      end = pattern.find('}', i);
      for (const Name& candidate : kNames) {
        const std::string_view text(candidate.text);
        if (end != std::string::npos && pattern.compare(i + 1, text.size(), text) == 0 &&
            (i + 1 + text.size() == end ||
             (candidate.fixed_width < 0 && pattern[i + 1 + text.size()] == ':'))) {
          name = &candidate;
        }
      }
    }
    if (name == nullptr) {
      literal += pattern[i++];
      continue;
    }
    Piece piece{.spec = name->spec, .width = std::max(name->fixed_width, 0)};
    const size_t colon = i + 1 + std::string_view(name->text).size();
    if (colon != end) {
      const std::string width = pattern.substr(colon + 1, end - colon - 1);
      char* stop = nullptr;
      const long value = std::strtol(width.c_str(), &stop, 10);
      if (width.empty() || *stop != '\0' || value <= 0 || value > 18) {
        return absl::InvalidArgumentError(StrCat("input pattern '", pattern, "': the width in {",
                                                 name->text, ":", width,
                                                 "} must be a whole number from 1 to 18"));
      }
      piece.width = static_cast<int>(value);
    }
    if (++seen[name->spec] > 1) {
      return absl::InvalidArgumentError(
          StrCat("input pattern '", pattern, "' holds {", name->text, "} more than once"));
    }
    if (!literal.empty()) parsed.pieces.push_back({.literal = std::move(literal)});
    literal.clear();
    parsed.pieces.push_back(piece);
    i = end + 1;
  }
  if (!literal.empty()) parsed.pieces.push_back({.literal = std::move(literal)});

  const int dates =
      static_cast<int>(seen.count(Spec::kYear) + seen.count(Spec::kMonth) + seen.count(Spec::kDay));
  parsed.specs = {.span = seen.contains(Spec::kSpan),
                  .date = dates > 0,
                  .version = seen.contains(Spec::kVersion)};
  if (dates > 0 && dates < 3) {
    return absl::InvalidArgumentError(
        StrCat("input pattern '", pattern, "': a date needs all of {YYYY}, {MM} and {DD}"));
  }
  if (parsed.specs.span && parsed.specs.date) {
    return absl::InvalidArgumentError(
        StrCat("input pattern '", pattern, "': use {SPAN} or a date ({YYYY}{MM}{DD}), not both"));
  }
  if (parsed.specs.version && !parsed.specs.span && !parsed.specs.date) {
    return absl::InvalidArgumentError(
        StrCat("input pattern '", pattern, "': {VERSION} needs {SPAN} or a date beside it"));
  }
  return parsed;
}

// The glob that finds every candidate file: each spec as one path-part wildcard.
std::string CandidateGlob(const ParsedPattern& parsed) {
  std::string glob;
  for (const Piece& piece : parsed.pieces) {
    if (!piece.literal.empty()) {
      glob += piece.literal;
    } else {
      glob += piece.width > 0 ? std::string(static_cast<size_t>(piece.width), '?') : "*";
    }
  }
  return glob;
}

// A regular expression for the same paths (relative to input_base), capturing each spec's digits.
std::string CapturingRegex(const ParsedPattern& parsed) {
  std::string regex;
  for (const Piece& piece : parsed.pieces) {
    if (piece.literal.empty()) {
      regex += piece.width > 0 ? StrCat("([0-9]{", piece.width, "})") : "([0-9]+)";
      continue;
    }
    const std::string& glob = piece.literal;
    for (size_t i = 0; i < glob.size(); ++i) {
      const char c = glob[i];
      if (c == '*') {
        regex += "[^/]*";
      } else if (c == '?') {
        regex += "[^/]";
      } else if (c == '[' && glob.find(']', i + 2) != std::string::npos) {
        // A bracket expression; a ']' right after '[' is one of its characters, as in glob(7).
        const size_t close = glob.find(']', i + 2);
        std::string set = glob.substr(i + 1, close - i - 1);
        if (!set.empty() && set.front() == '!') set.front() = '^';
        regex += StrCat("[", set, "]");
        i = close;
      } else if (c == '\\' && i + 1 < glob.size()) {
        regex += StrCat("\\", std::string(1, glob[++i]));
      } else if (std::string_view("\\^$.|+(){}[]").find(c) != std::string_view::npos) {
        regex += StrCat("\\", std::string(1, c));
      } else {
        regex += c;
      }
    }
  }
  return regex;
}

// A file the pattern matched, with its span and version and the spec text in its path.
struct Candidate {
  int64_t span = 0;
  int64_t version = 0;
  fs::path file;
  std::vector<std::string> spec_text;  // One per spec piece, in order.
};

absl::StatusOr<int64_t> ParseNumber(const std::string& digits, const fs::path& file) {
  if (digits.size() > 18) {
    return absl::InvalidArgumentError(
        StrCat(file.string(), ": the span or version ", digits, " has more than 18 digits"));
  }
  return static_cast<int64_t>(std::stoll(digits));
}

// Every file of one split whose path fits its pattern.
absl::StatusOr<std::vector<Candidate>> FindCandidates(const fs::path& input_base,
                                                      const std::string& split,
                                                      const std::string& pattern,
                                                      const ParsedPattern& parsed) {
  const std::string glob = (input_base / CandidateGlob(parsed)).string();
  ASSIGN_OR_RETURN(std::vector<fs::path> files, base::Glob(glob));
  if (files.empty()) {
    return absl::NotFoundError(StrCat("no input file matches ", (input_base / pattern).string(),
                                      " (input split '", split, "')"));
  }
  const std::string prefix = (input_base / "").string();
  const std::regex regex(CapturingRegex(parsed));
  std::vector<Candidate> candidates;
  for (const fs::path& file : files) {
    const std::string path = file.string();
    std::smatch match;
    const std::string relative =
        path.compare(0, prefix.size(), prefix) == 0 ? path.substr(prefix.size()) : path;
    if (!std::regex_match(relative, match, regex)) continue;
    Candidate candidate{.file = file};
    int year = 0, month = 0, day = 0;
    size_t group = 1;
    for (const Piece& piece : parsed.pieces) {
      if (!piece.literal.empty()) continue;
      const std::string digits = match[group++].str();
      candidate.spec_text.push_back(digits);
      ASSIGN_OR_RETURN(int64_t value, ParseNumber(digits, file));
      switch (piece.spec) {
        case Spec::kSpan:
          candidate.span = value;
          break;
        case Spec::kVersion:
          candidate.version = value;
          break;
        case Spec::kYear:
          year = static_cast<int>(value);
          break;
        case Spec::kMonth:
          month = static_cast<int>(value);
          break;
        case Spec::kDay:
          day = static_cast<int>(value);
          break;
      }
    }
    if (parsed.specs.date) {
      absl::StatusOr<int64_t> span = DateToSpan(year, month, day);
      if (!span.ok()) {
        return absl::InvalidArgumentError(StrCat(file.string(), ": ", span.status().message()));
      }
      candidate.span = *span;
    }
    candidates.push_back(std::move(candidate));
  }
  if (candidates.empty()) {
    return absl::NotFoundError(StrCat(files.size(), " file(s) match ", glob, " but none has ",
                                      parsed.specs.span ? "a span number" : "a date",
                                      " where the pattern ", pattern, " puts it (input split '",
                                      split, "')"));
  }
  return candidates;
}

std::string FillSpecs(const ParsedPattern& parsed, const std::vector<std::string>& spec_text) {
  std::string filled;
  size_t spec = 0;
  for (const Piece& piece : parsed.pieces)
    filled += piece.literal.empty() ? spec_text[spec++] : piece.literal;
  return filled;
}

}  // namespace

absl::StatusOr<PatternSpecs> ParsePatternSpecs(const std::string& pattern) {
  ASSIGN_OR_RETURN(ParsedPattern parsed, Parse(pattern));
  return parsed.specs;
}

absl::StatusOr<int64_t> DateToSpan(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) {
    return absl::InvalidArgumentError(
        StrCat("the date ", year, "-", month, "-", day, " is not a calendar date"));
  }
  // Days from 1970-01-01 in the proleptic Gregorian calendar, counting years from March so that
  // the leap day ends a year.
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

absl::StatusOr<InputSelection> SelectInputSpan(
    const fs::path& input_base,
    const std::vector<std::pair<std::string, std::string>>& split_patterns,
    std::optional<int64_t> span) {
  InputSelection selection;
  for (size_t s = 0; s < split_patterns.size(); ++s) {
    const auto& [name, pattern] = split_patterns[s];
    ASSIGN_OR_RETURN(ParsedPattern parsed, Parse(pattern));
    const bool has_span = parsed.specs.span || parsed.specs.date;
    if (s == 0) {
      selection.has_span = has_span;
      selection.has_version = parsed.specs.version;
    } else if (has_span != selection.has_span || parsed.specs.version != selection.has_version) {
      return absl::InvalidArgumentError(StrCat(
          "input split '", name, "' (", pattern, ") and input split '", split_patterns[0].first,
          "' (", split_patterns[0].second, ") must both name a span and a version, or both not"));
    }
    if (span && !has_span) {
      return absl::InvalidArgumentError(StrCat("span ", *span,
                                               " was asked for, but the input pattern '", pattern,
                                               "' has no {SPAN} or {YYYY}{MM}{DD} to find it by"));
    }
    ASSIGN_OR_RETURN(std::vector<Candidate> candidates,
                     FindCandidates(input_base, name, pattern, parsed));
    if (span) {
      std::set<int64_t> found;
      for (const Candidate& candidate : candidates) found.insert(candidate.span);
      std::erase_if(candidates, [&](const Candidate& c) { return c.span != *span; });
      if (candidates.empty()) {
        std::string spans;
        for (int64_t value : found) spans += StrCat(spans.empty() ? "" : ", ", value);
        return absl::NotFoundError(StrCat("no file of span ", *span, " matches ",
                                          (input_base / pattern).string(), " (input split '", name,
                                          "'; spans found: ", spans, ")"));
      }
    }
    // The latest span, then the latest version within it.
    const Candidate& latest = *std::max_element(
        candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
          return std::pair(a.span, a.version) < std::pair(b.span, b.version);
        });
    SelectedSplit split{
        .name = name, .pattern = pattern, .selected_pattern = FillSpecs(parsed, latest.spec_text)};
    for (const Candidate& candidate : candidates) {
      if (candidate.span == latest.span && candidate.version == latest.version)
        split.files.push_back(candidate.file);
    }
    if (s == 0) {
      selection.span = latest.span;
      selection.version = latest.version;
    } else if (latest.span != selection.span || latest.version != selection.version) {
      return absl::InvalidArgumentError(StrCat(
          "the input splits disagree: '", split_patterns[0].first, "' has span ", selection.span,
          " version ", selection.version, " as its latest, '", name, "' has span ", latest.span,
          " version ", latest.version, "; every split needs files of the same span and version"));
    }
    selection.splits.push_back(std::move(split));
  }
  return selection;
}

}  // namespace weir::components
