#include "weir/scheduler/cron.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <vector>

#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::scheduler {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::year_month_day;

struct Field {
  const char* name;
  int min, max;
  const char* const* names;  // Three-letter names of min, min+1, ...; null when none.
  int name_count;
  const char* names_hint;
};
constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
constexpr Field kFields[5] = {
    {"minute", 0, 59, nullptr, 0, ""},
    {"hour", 0, 23, nullptr, 0, ""},
    {"day-of-month", 1, 31, nullptr, 0, ""},
    {"month", 1, 12, kMonthNames, 12, " or a month name (JAN-DEC)"},
    {"day-of-week", 0, 7, kDayNames, 7, " or a day name (SUN-SAT)"},
};
constexpr int kMaxDaysInMonth[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

struct Preset {
  const char* name;
  const char* expression;
  const char* description;
};
constexpr Preset kPresets[] = {
    {"@hourly", "0 * * * *", "every hour at minute 0 (UTC)"},
    {"@daily", "0 0 * * *", "every day at 00:00 UTC"},
    {"@midnight", "0 0 * * *", "every day at 00:00 UTC"},
    {"@weekly", "0 0 * * 0", "every Sunday at 00:00 UTC"},
    {"@monthly", "0 0 1 * *", "on day 1 of every month at 00:00 UTC"},
    {"@quarterly", "0 0 1 */3 *", "on day 1 of Jan, Apr, Jul and Oct at 00:00 UTC"},
    {"@yearly", "0 0 1 1 *", "every year on Jan 1 at 00:00 UTC"},
    {"@annually", "0 0 1 1 *", "every year on Jan 1 at 00:00 UTC"},
};

// Parse rejects expressions that never fire, and the longest gap between fire times is 8 years
// (Feb 29 across 2100), so the search bound is only a guard.
constexpr days kSearchLimit{366 * 9};

uint64_t FullMask(int min, int max) { return (~uint64_t{0} >> (63 - max)) & (~uint64_t{0} << min); }
// The lowest set bit at or above `from`, or -1.
int NextBit(uint64_t mask, int from) {
  if (from > 63) return -1;
  mask &= ~uint64_t{0} << from;
  return mask ? std::countr_zero(mask) : -1;
}
// The highest set bit at or below `upto`, or -1.
int PrevBit(uint64_t mask, int upto) {
  if (upto < 0) return -1;
  if (upto < 63) mask &= (uint64_t{2} << upto) - 1;
  return mask ? 63 - std::countl_zero(mask) : -1;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
  return out;
}
std::optional<int> ParseNumber(std::string_view s) {
  int value = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Parses one field of `text` into a bit mask of allowed values.
absl::StatusOr<uint64_t> ParseField(std::string_view text, const Field& field,
                                    std::string_view field_text) {
  auto bad = [&](std::string_view token, std::string_view problem) {
    return absl::InvalidArgumentError(
        StrCat("cron \"", text, "\": ", field.name, " field \"", token, "\" ", problem));
  };
  auto value = [&](std::string_view token) -> absl::StatusOr<int> {
    std::optional<int> v = ParseNumber(token);
    for (int i = 0; !v && i < field.name_count; ++i) {
      if (Lower(token) == Lower(field.names[i])) v = field.min + i;
    }
    if (!v) return bad(token, StrCat("is not a number", field.names_hint));
    if (*v < field.min || *v > field.max) {
      return bad(token, StrCat("is outside ", field.min, "-", field.max));
    }
    return *v;
  };
  uint64_t mask = 0;
  size_t begin = 0;
  while (begin <= field_text.size()) {
    size_t comma = std::min(field_text.find(',', begin), field_text.size());
    std::string_view item = field_text.substr(begin, comma - begin);
    begin = comma + 1;
    if (item.empty()) {
      return bad(field_text, "has an empty list item; separate values with single commas");
    }
    size_t slash = item.find('/');
    std::string_view base = item.substr(0, slash);
    int step = 1;
    if (slash != std::string_view::npos) {
      std::optional<int> n = ParseNumber(item.substr(slash + 1));
      if (!n || *n < 1) return bad(item, "has a bad step; write */n or a-b/n with n at least 1");
      step = *n;
    }
    int low = field.min, high = field.max;
    if (base != "*") {
      size_t dash = base.find('-');
      ASSIGN_OR_RETURN(low, value(base.substr(0, dash)));
      if (dash != std::string_view::npos) {
        ASSIGN_OR_RETURN(high, value(base.substr(dash + 1)));
      } else if (slash == std::string_view::npos) {
        high = low;
      }
      if (low > high) {
        return bad(item,
                   "is a reversed range; write the low end first, or split a range that "
                   "wraps around (\"22-23,0-2\")");
      }
    }
    for (int v = low; v <= high; v += step) mask |= uint64_t{1} << v;
  }
  return mask;
}

}  // namespace

absl::StatusOr<CronSchedule> CronSchedule::Parse(std::string_view text) {
  CronSchedule schedule;
  text = Trim(text);
  schedule.text_ = std::string(text);
  const std::string lower = Lower(text);
  if (lower.empty() || lower == "none") return schedule;
  if (lower == "@once") {
    schedule.kind_ = Kind::kOnce;
    return schedule;
  }
  std::string_view expression = text;
  if (lower.starts_with("@")) {
    const Preset* preset = nullptr;
    for (const Preset& p : kPresets) preset = lower == p.name ? &p : preset;
    if (!preset) {
      return absl::InvalidArgumentError(
          StrCat("cron \"", text, "\": unknown preset; use one of @once, @hourly, @daily, ",
                 "@midnight, @weekly, @monthly, @quarterly, @yearly, @annually"));
    }
    expression = preset->expression;
    schedule.description_ = preset->description;
  }

  std::vector<std::string_view> fields;
  for (size_t i = 0; i < expression.size();) {
    size_t end = std::min(expression.find_first_of(" \t", i), expression.size());
    if (end > i) fields.push_back(expression.substr(i, end - i));
    i = end + 1;
  }
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(StrCat(
        "cron \"", text, "\": expected 5 fields (minute hour day-of-month month day-of-week) ",
        "or a preset such as @daily, got ", fields.size(), " fields"));
  }
  uint64_t* masks[5] = {&schedule.minutes_, &schedule.hours_, &schedule.days_of_month_,
                        &schedule.months_, &schedule.weekdays_};
  for (int i = 0; i < 5; ++i) {
    ASSIGN_OR_RETURN(*masks[i], ParseField(text, kFields[i], fields[i]));
  }
  if (schedule.weekdays_ >> 7 & 1) schedule.weekdays_ = (schedule.weekdays_ | 1) & FullMask(0, 6);
  const bool dom_restricted = schedule.days_of_month_ != FullMask(1, 31);
  schedule.days_either_ = dom_restricted && schedule.weekdays_ != FullMask(0, 6);
  if (!schedule.days_either_) {
    // Only the day-of-month limits which days fire: it must exist in at least one chosen month.
    bool possible = false;
    for (int m = NextBit(schedule.months_, 1); m > 0; m = NextBit(schedule.months_, m + 1)) {
      possible |= NextBit(schedule.days_of_month_, 1) <= kMaxDaysInMonth[m];
    }
    if (!possible) {
      return absl::InvalidArgumentError(
          StrCat("cron \"", text, "\": day-of-month field \"", fields[2],
                 "\" never occurs in month field \"", fields[3],
                 "\", so it would never fire; choose days that exist in those months"));
    }
  }
  schedule.kind_ = Kind::kRepeating;
  return schedule;
}

bool CronSchedule::DayMatches(sys_days day) const {
  const bool dom = days_of_month_ >> unsigned(year_month_day(day).day()) & 1;
  const bool dow = weekdays_ >> std::chrono::weekday(day).c_encoding() & 1;
  return days_either_ ? dom || dow : dom && dow;
}

std::optional<int> CronSchedule::FirstMinuteOfDayFrom(int minute_of_day) const {
  const int h0 = minute_of_day / 60;
  int h = NextBit(hours_, h0);
  if (h == h0) {
    if (int m = NextBit(minutes_, minute_of_day % 60); m >= 0) return h * 60 + m;
    h = NextBit(hours_, h0 + 1);
  }
  if (h < 0) return std::nullopt;
  return h * 60 + std::countr_zero(minutes_);
}

std::optional<int> CronSchedule::LastMinuteOfDayUpTo(int minute_of_day) const {
  const int h0 = minute_of_day / 60;
  int h = PrevBit(hours_, h0);
  if (h == h0) {
    if (int m = PrevBit(minutes_, minute_of_day % 60); m >= 0) return h * 60 + m;
    h = PrevBit(hours_, h0 - 1);
  }
  if (h < 0) return std::nullopt;
  return h * 60 + 63 - std::countl_zero(minutes_);
}

// Both searches walk whole months and days, and find the minute within a day from the bit masks.
std::optional<TimePoint> CronSchedule::NextAfter(TimePoint t) const {
  if (kind_ != Kind::kRepeating) return std::nullopt;
  const auto start = floor<minutes>(t) + minutes(1);
  sys_days day = floor<days>(start);
  int minute = static_cast<int>((start - day).count());
  for (const sys_days limit = day + kSearchLimit; day <= limit; day += days(1), minute = 0) {
    const year_month_day ymd(day);
    if (!(months_ >> unsigned(ymd.month()) & 1)) {
      day = sys_days((ymd.year() / ymd.month() + std::chrono::months(1)) / 1) - days(1);
      continue;
    }
    if (!DayMatches(day)) continue;
    if (std::optional<int> m = FirstMinuteOfDayFrom(minute)) return day + minutes(*m);
  }
  return std::nullopt;
}

std::optional<TimePoint> CronSchedule::PreviousAtOrBefore(TimePoint t) const {
  if (kind_ != Kind::kRepeating) return std::nullopt;
  const auto end = floor<minutes>(t);
  sys_days day = floor<days>(end);
  int minute = static_cast<int>((end - day).count());
  for (const sys_days limit = day - kSearchLimit; day >= limit; day -= days(1), minute = 1439) {
    const year_month_day ymd(day);
    if (!(months_ >> unsigned(ymd.month()) & 1)) {
      day = sys_days(ymd.year() / ymd.month() / 1);
      continue;
    }
    if (!DayMatches(day)) continue;
    if (std::optional<int> m = LastMinuteOfDayUpTo(minute)) return day + minutes(*m);
  }
  return std::nullopt;
}

std::string CronSchedule::Describe() const {
  if (kind_ == Kind::kManual) return "manual runs only";
  if (kind_ == Kind::kOnce) return "once, at the start date";
  if (!description_.empty()) return description_;
  return StrCat("cron \"", text_, "\" (UTC)");
}

absl::StatusOr<TimePoint> ParseUtcTime(std::string_view text) {
  auto bad = [&](std::string_view problem) {
    return absl::InvalidArgumentError(
        StrCat("time \"", text, "\": ", problem,
               "; write YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, in UTC, "
               "optionally ending in Z"));
  };
  std::string_view s = Trim(text);
  if (s.ends_with('Z') || s.ends_with('z')) s.remove_suffix(1);
  if (s.size() > 10 && s.ends_with("+00:00")) s.remove_suffix(6);
  if (s.size() > 10 && s.find_first_of("+-", 10) != std::string_view::npos) {
    return bad("only UTC is accepted; convert the time to UTC");
  }
  int part[6] = {0, 0, 0, 0, 0, 0};
  constexpr size_t kStart[6] = {0, 5, 8, 11, 14, 17}, kWidth[6] = {4, 2, 2, 2, 2, 2};
  constexpr char kSeparator[6] = {0, '-', '-', 'T', ':', ':'};
  const int parts = s.size() == 10 ? 3 : s.size() == 16 ? 5 : s.size() == 19 ? 6 : 0;
  if (parts == 0) return bad("unexpected length");
  for (int i = 0; i < parts; ++i) {
    const char sep = i > 0 ? s[kStart[i] - 1] : 0;
    const bool sep_ok = sep == kSeparator[i] || (i == 3 && (sep == ' ' || sep == 't'));
    std::optional<int> v = ParseNumber(s.substr(kStart[i], kWidth[i]));
    if (!sep_ok || !v || s[kStart[i]] == '+' || s[kStart[i]] == '-') return bad("unexpected form");
    part[i] = *v;
  }
  const year_month_day date{std::chrono::year(part[0]), std::chrono::month(part[1]),
                            std::chrono::day(part[2])};
  if (!date.ok()) return bad("no such date");
  // The clock counts nanoseconds in 64 bits: about 1678 to 2262. Schedules live well inside.
  if (part[0] < 1900 || part[0] > 2200) return bad("the year must be between 1900 and 2200");
  if (part[3] > 23 || part[4] > 59 || part[5] > 59) return bad("no such time of day");
  return sys_days(date) + std::chrono::hours(part[3]) + minutes(part[4]) +
         std::chrono::seconds(part[5]);
}

std::string FormatUtcTime(TimePoint t) {
  const auto secs = floor<std::chrono::seconds>(t);
  const sys_days day = floor<days>(secs);
  const year_month_day date(day);
  const std::chrono::hh_mm_ss time(secs - day);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), int(time.hours().count()),
                int(time.minutes().count()), int(time.seconds().count()));
  return buffer;
}

}  // namespace weir::scheduler
