// When a scheduled pipeline runs: standard 5-field cron expressions and Airflow's presets,
// evaluated in UTC at minute resolution.
#ifndef WEIR_SCHEDULER_CRON_H_
#define WEIR_SCHEDULER_CRON_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace weir::scheduler {

using TimePoint = std::chrono::system_clock::time_point;

// A parsed schedule. Accepted text (surrounding blanks ignored):
//  - "minute hour day-of-month month day-of-week", each field `*`, a value, a range `a-b`, a step
//    `*/n`, `a-b/n` or `a/n` (= a up to the field's maximum, every n), or a comma list of these.
//    Months take JAN-DEC and days of week SUN-SAT, case-insensitive; day-of-week 0 and 7 are both
//    Sunday. When day-of-month and day-of-week are both restricted (neither covers its whole
//    range), a day fires if EITHER matches. "Restricted" follows croniter, which Airflow uses:
//    `*/2` restricts, `1-31` does not (Vixie cron instead treats any field starting with `*` as
//    unrestricted, so the two differ only for `*/n` in a day field).
//  - the presets @hourly, @daily, @midnight, @weekly, @monthly, @quarterly, @yearly, @annually;
//  - @once: a single run at the pipeline's start date, which the caller schedules (see once());
//  - "None", "none" or empty: manual runs only (see manual()).
// Expressions that can never fire (e.g. "0 0 30 2 *") are rejected by Parse, so NextAfter and
// PreviousAtOrBefore always find a time for a repeating schedule (within the time_point range).
class CronSchedule {
 public:
  // Errors: InvalidArgument naming the field, the bad token and what to write instead, e.g.
  // `cron "61 * * * *": minute field "61" is outside 0-59`.
  static absl::StatusOr<CronSchedule> Parse(std::string_view text);

  // True for None/empty: never fires by itself; NextAfter and PreviousAtOrBefore return nullopt.
  bool manual() const { return kind_ == Kind::kManual; }
  // True for @once: the one run is at the start date, which this class does not know, so
  // NextAfter and PreviousAtOrBefore return nullopt; the caller runs it once at its start date.
  bool once() const { return kind_ == Kind::kOnce; }

  // The first fire time strictly after `t` (fire times are whole UTC minutes); nullopt for
  // manual() and once().
  std::optional<TimePoint> NextAfter(TimePoint t) const;
  // The last fire time at or before `t`; nullopt for manual() and once(). With NextAfter this
  // gives Airflow's data interval: [PreviousAtOrBefore(t), NextAfter(that)).
  std::optional<TimePoint> PreviousAtOrBefore(TimePoint t) const;

  // The text as given, without surrounding blanks.
  const std::string& text() const { return text_; }
  // Short human text: "every day at 00:00 UTC" for presets, `cron "*/5 * * * *" (UTC)` otherwise.
  std::string Describe() const;

 private:
  enum class Kind { kManual, kOnce, kRepeating };
  CronSchedule() = default;
  bool DayMatches(std::chrono::sys_days day) const;
  std::optional<int> FirstMinuteOfDayFrom(int minute_of_day) const;
  std::optional<int> LastMinuteOfDayUpTo(int minute_of_day) const;

  Kind kind_ = Kind::kManual;
  std::string text_;
  std::string description_;  // For presets; empty for expressions.
  // Bit i set when value i is allowed. Weekdays use 0-6 (Sunday is 0).
  uint64_t minutes_ = 0, hours_ = 0, days_of_month_ = 0, months_ = 0, weekdays_ = 0;
  bool days_either_ = false;  // Day-of-month and day-of-week both restricted: either may match.
};

// Parses an Airflow-style start date in UTC: "2026-11-26", "2026-11-26T15:04" or
// "2026-11-26T15:04:05" (a blank may replace the T), optionally ending in "Z" or "+00:00".
// Errors: InvalidArgument for other forms, impossible dates and non-UTC offsets.
absl::StatusOr<TimePoint> ParseUtcTime(std::string_view text);
// "2026-11-26T15:04:05Z"; fractions of a second are dropped.
std::string FormatUtcTime(TimePoint t);

}  // namespace weir::scheduler

#endif  // WEIR_SCHEDULER_CRON_H_
