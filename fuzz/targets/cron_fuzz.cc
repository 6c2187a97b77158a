// The scheduler's cron parser and start-date parser on arbitrary text.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/scheduler/cron.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = weir::fuzz::AsText(data, size);
  absl::StatusOr<weir::scheduler::CronSchedule> cron = weir::scheduler::CronSchedule::Parse(text);
  if (cron.ok()) {
    // A schedule that parses must also find its next ticks.
    std::optional<weir::scheduler::TimePoint> at = weir::scheduler::TimePoint{};
    for (int i = 0; i < 3 && at.has_value(); ++i) at = cron->NextAfter(*at);
    cron->PreviousAtOrBefore(weir::scheduler::TimePoint{} + std::chrono::hours(24 * 365 * 57));
  }
  weir::scheduler::ParseUtcTime(text).IgnoreError();
  return 0;
}
