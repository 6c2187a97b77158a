#include "weir/scheduler/cron.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace weir::scheduler {
namespace {

using ::testing::HasSubstr;

TimePoint At(std::string_view text) {
  absl::StatusOr<TimePoint> t = ParseUtcTime(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.value_or(TimePoint());
}

CronSchedule Schedule(std::string_view text) {
  absl::StatusOr<CronSchedule> schedule = CronSchedule::Parse(text);
  EXPECT_TRUE(schedule.ok()) << schedule.status();
  return *schedule;
}

// The next fire time after `from`, formatted, or "none".
std::string Next(std::string_view cron, std::string_view from) {
  std::optional<TimePoint> next = Schedule(cron).NextAfter(At(from));
  return next ? FormatUtcTime(*next) : "none";
}

std::string Previous(std::string_view cron, std::string_view at) {
  std::optional<TimePoint> previous = Schedule(cron).PreviousAtOrBefore(At(at));
  return previous ? FormatUtcTime(*previous) : "none";
}

std::string ParseError(std::string_view cron) {
  absl::StatusOr<CronSchedule> schedule = CronSchedule::Parse(cron);
  EXPECT_FALSE(schedule.ok()) << cron;
  EXPECT_EQ(schedule.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(schedule.status().message());
}

// 2026-11-26 is a Thursday.
constexpr std::string_view kThursday = "2026-11-26T15:04:05";

TEST(CronScheduleTest, Presets) {
  EXPECT_EQ(Next("@hourly", kThursday), "2026-11-26T16:00:00Z");
  EXPECT_EQ(Next("@daily", kThursday), "2026-11-27T00:00:00Z");
  EXPECT_EQ(Next("@midnight", kThursday), "2026-11-27T00:00:00Z");
  EXPECT_EQ(Next("@weekly", kThursday), "2026-11-29T00:00:00Z");
  EXPECT_EQ(Next("@monthly", kThursday), "2026-12-01T00:00:00Z");
  EXPECT_EQ(Next("@quarterly", kThursday), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("@quarterly", "2027-01-01"), "2027-04-01T00:00:00Z");
  EXPECT_EQ(Next("@yearly", kThursday), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("@annually", kThursday), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Schedule("@daily").Describe(), "every day at 00:00 UTC");
  EXPECT_EQ(Schedule("@weekly").Describe(), "every Sunday at 00:00 UTC");
  EXPECT_EQ(Schedule(" @Daily ").text(), "@Daily");
  EXPECT_EQ(Schedule("*/5 * * * *").Describe(), "cron \"*/5 * * * *\" (UTC)");
}

TEST(CronScheduleTest, OnceAndManual) {
  CronSchedule once = Schedule("@once");
  EXPECT_TRUE(once.once());
  EXPECT_FALSE(once.manual());
  EXPECT_EQ(once.NextAfter(At(kThursday)), std::nullopt);
  EXPECT_EQ(once.PreviousAtOrBefore(At(kThursday)), std::nullopt);
  EXPECT_EQ(once.Describe(), "once, at the start date");
  for (std::string_view text : {"", "None", "none", "  "}) {
    CronSchedule manual = Schedule(text);
    EXPECT_TRUE(manual.manual()) << text;
    EXPECT_FALSE(manual.once());
    EXPECT_EQ(manual.NextAfter(At(kThursday)), std::nullopt);
    EXPECT_EQ(manual.PreviousAtOrBefore(At(kThursday)), std::nullopt);
    EXPECT_EQ(manual.Describe(), "manual runs only");
  }
  EXPECT_FALSE(Schedule("@daily").once());
  EXPECT_FALSE(Schedule("@daily").manual());
}

TEST(CronScheduleTest, NextIsStrictlyAfter) {
  EXPECT_EQ(Next("0 0 * * *", "2026-11-27T00:00:00"), "2026-11-28T00:00:00Z");
  EXPECT_EQ(Next("0 0 * * *", "2026-11-26T23:59:59"), "2026-11-27T00:00:00Z");
  EXPECT_EQ(Next("* * * * *", "2026-11-26T23:59"), "2026-11-27T00:00:00Z");
}

TEST(CronScheduleTest, ListsRangesAndSteps) {
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-26T10:07"), "2026-11-26T10:15:00Z");
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-26T10:45"), "2026-11-26T11:00:00Z");
  EXPECT_EQ(Next("5,10-12/2 * * * *", "2026-11-26T10:05"), "2026-11-26T10:10:00Z");
  EXPECT_EQ(Next("5,10-12/2 * * * *", "2026-11-26T10:10"), "2026-11-26T10:12:00Z");
  EXPECT_EQ(Next("5,10-12/2 * * * *", "2026-11-26T10:12"), "2026-11-26T11:05:00Z");
  EXPECT_EQ(Next("10/20 * * * *", "2026-11-26T10:31"), "2026-11-26T10:50:00Z");
  EXPECT_EQ(Next("0 9-17/4 * * *", "2026-11-26T13:00"), "2026-11-26T17:00:00Z");
  EXPECT_EQ(Next("0 9-17/4 * * *", "2026-11-26T17:00"), "2026-11-27T09:00:00Z");
  EXPECT_EQ(Next("30 8 * * 1-5", "2026-11-27T09:00"), "2026-11-30T08:30:00Z");  // Fri -> Mon.
  EXPECT_EQ(Next("0 0 1 */4 *", "2026-05-01T00:00"), "2026-09-01T00:00:00Z");
}

TEST(CronScheduleTest, MonthAndDayNames) {
  EXPECT_EQ(Next("0 12 * JAN,jul sun", kThursday), "2027-01-03T12:00:00Z");
  EXPECT_EQ(Next("0 0 * * MON-fri", "2026-11-28"), "2026-11-30T00:00:00Z");
  EXPECT_EQ(Next("0 0 1 Feb-Mar/1 *", kThursday), "2027-02-01T00:00:00Z");
}

TEST(CronScheduleTest, SundayIsZeroAndSeven) {
  for (std::string_view cron : {"0 0 * * 0", "0 0 * * 7", "0 0 * * SUN"}) {
    EXPECT_EQ(Next(cron, kThursday), "2026-11-29T00:00:00Z") << cron;
  }
  EXPECT_EQ(Next("0 0 * * 5-7", "2026-11-26T01:00"), "2026-11-27T00:00:00Z");
  EXPECT_EQ(Next("0 0 * * 5-7", "2026-11-29T01:00"), "2026-12-04T00:00:00Z");
  EXPECT_EQ(Next("0 0 * * 0-7", kThursday), "2026-11-27T00:00:00Z");
}

TEST(CronScheduleTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // Every Friday and every 13th.
  EXPECT_EQ(Next("0 0 13 * 5", kThursday), "2026-11-27T00:00:00Z");
  EXPECT_EQ(Next("0 0 13 * 5", "2026-12-05"), "2026-12-11T00:00:00Z");
  EXPECT_EQ(Next("0 0 13 * 5", "2026-12-11"), "2026-12-13T00:00:00Z");
  // A step restricts the field too: odd days or Mondays.
  EXPECT_EQ(Next("0 0 */2 * 1", "2026-11-29"), "2026-11-30T00:00:00Z");
  EXPECT_EQ(Next("0 0 */2 * 1", "2026-11-30"), "2026-12-01T00:00:00Z");
  // A day-of-month covering 1-31 is not a restriction: only Mondays.
  EXPECT_EQ(Next("0 0 1-31 * 1", kThursday), "2026-11-30T00:00:00Z");
  EXPECT_EQ(Next("0 0 13 * *", kThursday), "2026-12-13T00:00:00Z");
}

TEST(CronScheduleTest, MonthYearAndLeapDayRollover) {
  EXPECT_EQ(Next("0 0 31 * *", "2026-11-01"), "2026-12-31T00:00:00Z");
  EXPECT_EQ(Next("0 0 31 * *", "2027-01-31"), "2027-03-31T00:00:00Z");
  EXPECT_EQ(Next("59 23 31 12 *", "2026-12-31T23:59"), "2027-12-31T23:59:00Z");
  EXPECT_EQ(Next("0 0 1 1 *", "2026-12-31T23:59:59"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("0 0 29 2 *", "2027-03-01"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(Next("0 0 29 2 *", "2096-03-01"), "2104-02-29T00:00:00Z");  // 2100 is not leap.
  EXPECT_EQ(Previous("0 0 29 2 *", "2104-02-28"), "2096-02-29T00:00:00Z");
  EXPECT_EQ(Next("0 0 30 2 1", "2027-01-01"), "2027-02-01T00:00:00Z");  // Mondays only, in Feb.
}

TEST(CronScheduleTest, PreviousAtOrBefore) {
  EXPECT_EQ(Previous("0 0 * * *", "2026-11-26T00:00:00"), "2026-11-26T00:00:00Z");
  EXPECT_EQ(Previous("0 0 * * *", "2026-11-26T00:00:59"), "2026-11-26T00:00:00Z");
  EXPECT_EQ(Previous("0 0 * * *", "2026-11-25T23:59:59"), "2026-11-25T00:00:00Z");
  EXPECT_EQ(Previous("@monthly", kThursday), "2026-11-01T00:00:00Z");
  EXPECT_EQ(Previous("@yearly", kThursday), "2026-01-01T00:00:00Z");
  EXPECT_EQ(Previous("0 0 29 2 *", "2027-03-01"), "2024-02-29T00:00:00Z");
  EXPECT_EQ(Previous("0 0 31 * *", "2027-03-30"), "2027-01-31T00:00:00Z");
  EXPECT_EQ(Previous("5,10-12/2 9-17/4 * * *", "2026-11-26T09:04"), "2026-11-25T17:12:00Z");
}

// The two searches walk the same fire times, forwards and backwards.
TEST(CronScheduleTest, PreviousInvertsNext) {
  for (std::string_view cron : {"*/7 */5 * * *", "0 0 13 * 5", "15 3 */10 FEB,AUG *",
                                "0 12 * * 1-5", "59 23 31 12 *", "0 0 29 2 *"}) {
    CronSchedule schedule = Schedule(cron);
    TimePoint t = At("2023-06-15T12:34:56");
    std::vector<TimePoint> forward;
    for (int i = 0; i < 40; ++i) {  // 40 leap days stay within time_point's range.
      std::optional<TimePoint> next = schedule.NextAfter(t);
      ASSERT_TRUE(next.has_value()) << cron;
      ASSERT_GT(*next, t);
      EXPECT_EQ(schedule.PreviousAtOrBefore(*next), next) << cron;
      EXPECT_EQ(schedule.PreviousAtOrBefore(*next - std::chrono::seconds(1)),
                forward.empty() ? schedule.PreviousAtOrBefore(t) : forward.back())
          << cron << " " << FormatUtcTime(*next);
      forward.push_back(*next);
      t = *next + std::chrono::seconds(30);  // NextAfter ignores the seconds within a minute.
    }
  }
}

TEST(CronScheduleTest, Errors) {
  EXPECT_EQ(ParseError("61 * * * *"), "cron \"61 * * * *\": minute field \"61\" is outside 0-59");
  EXPECT_THAT(ParseError("* 24 * * *"), HasSubstr("hour field \"24\" is outside 0-23"));
  EXPECT_THAT(ParseError("* * 0 * *"), HasSubstr("day-of-month field \"0\" is outside 1-31"));
  EXPECT_THAT(ParseError("* * * 1-13 *"), HasSubstr("month field \"13\" is outside 1-12"));
  EXPECT_THAT(ParseError("* * * * 8"), HasSubstr("day-of-week field \"8\" is outside 0-7"));
  EXPECT_THAT(ParseError("* * * FOO *"),
              HasSubstr("month field \"FOO\" is not a number or a month name (JAN-DEC)"));
  EXPECT_THAT(ParseError("* * * * MON,FUN"),
              HasSubstr("day-of-week field \"FUN\" is not a number or a day name (SUN-SAT)"));
  EXPECT_THAT(ParseError("x * * * *"), HasSubstr("minute field \"x\" is not a number"));
  EXPECT_THAT(ParseError("*/0 * * * *"),
              HasSubstr("minute field \"*/0\" has a bad step; write */n or a-b/n"));
  EXPECT_THAT(ParseError("* */x * * *"), HasSubstr("hour field \"*/x\" has a bad step"));
  EXPECT_THAT(ParseError("* 5-1 * * *"),
              HasSubstr("hour field \"5-1\" is a reversed range; write the low end first"));
  EXPECT_THAT(ParseError("1,,2 * * * *"), HasSubstr("minute field \"1,,2\" has an empty list"));
  EXPECT_THAT(ParseError("1, * * * *"), HasSubstr("has an empty list item"));
  EXPECT_THAT(ParseError("* * * *"), HasSubstr("expected 5 fields (minute hour day-of-month "
                                               "month day-of-week) or a preset such as @daily, "
                                               "got 4 fields"));
  EXPECT_THAT(ParseError("0 0 0 * * *"), HasSubstr("got 6 fields"));
  EXPECT_THAT(ParseError("@fortnightly"), HasSubstr("cron \"@fortnightly\": unknown preset; use"));
  EXPECT_THAT(ParseError("0 0 30 2 *"),
              HasSubstr("cron \"0 0 30 2 *\": day-of-month field \"30\" never occurs in month "
                        "field \"2\", so it would never fire"));
  EXPECT_THAT(ParseError("0 0 31 4,6,9,11 *"), HasSubstr("never occurs"));
}

TEST(UtcTimeTest, ParsesAndFormats) {
  EXPECT_EQ(FormatUtcTime(At("2026-11-26")), "2026-11-26T00:00:00Z");
  EXPECT_EQ(FormatUtcTime(At("2026-11-26T15:04")), "2026-11-26T15:04:00Z");
  EXPECT_EQ(FormatUtcTime(At("2026-11-26T15:04:05")), "2026-11-26T15:04:05Z");
  EXPECT_EQ(FormatUtcTime(At("2026-11-26T15:04:05Z")), "2026-11-26T15:04:05Z");
  EXPECT_EQ(FormatUtcTime(At("2026-11-26 15:04:05+00:00")), "2026-11-26T15:04:05Z");
  EXPECT_EQ(FormatUtcTime(At("2024-02-29Z")), "2024-02-29T00:00:00Z");
  EXPECT_EQ(At("1970-01-01T00:00:01Z"), TimePoint(std::chrono::seconds(1)));
  EXPECT_EQ(FormatUtcTime(At("1969-12-31T23:59:59") + std::chrono::milliseconds(999)),
            "1969-12-31T23:59:59Z");
}

TEST(UtcTimeTest, Errors) {
  auto error = [](std::string_view text) {
    absl::StatusOr<TimePoint> t = ParseUtcTime(text);
    EXPECT_FALSE(t.ok()) << text;
    return std::string(t.status().message());
  };
  EXPECT_THAT(error("2026-02-30"),
              HasSubstr("time \"2026-02-30\": no such date; write YYYY-MM-DD"));
  EXPECT_THAT(error("2026-13-01"), HasSubstr("no such date"));
  EXPECT_THAT(error("2026-11-26T24:00"), HasSubstr("no such time of day"));
  EXPECT_THAT(error("2026-11-26T15:04+02:00"), HasSubstr("only UTC is accepted"));
  EXPECT_THAT(error("2026/11/26"), HasSubstr("unexpected form"));
  EXPECT_THAT(error("2026-11-26T15"), HasSubstr("unexpected length"));
  EXPECT_THAT(error("tomorrow"), HasSubstr("unexpected length"));
  EXPECT_THAT(error(""), HasSubstr("unexpected length"));
  // Beyond what the clock can count (found by fuzz_cron: 2826 overflowed it).
  EXPECT_THAT(error("2826-11-26T15:04"), HasSubstr("the year must be between 1900 and 2200"));
  EXPECT_THAT(error("1600-01-01"), HasSubstr("the year must be between 1900 and 2200"));
}

}  // namespace
}  // namespace weir::scheduler
