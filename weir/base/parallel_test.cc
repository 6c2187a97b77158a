#include "weir/base/parallel.h"

#include <chrono>
#include <optional>
#include <vector>

#include "gtest/gtest.h"

namespace weir::base {
namespace {

TEST(OrderedPipelineTest, ConsumesInProductionOrderWithBoundedWindow) {
  int next = 0;
  std::atomic<int> in_flight{0};
  int max_seen = 0;
  std::vector<int> consumed;
  absl::Status status = RunOrderedPipeline<int, int>(
      4, 6,
      [&]() -> absl::StatusOr<std::optional<int>> {
        if (next == 500) return std::optional<int>();
        ++in_flight;
        return std::optional<int>(next++);
      },
      [&](int&& x) -> absl::StatusOr<int> {
        // Uneven work so that results finish out of order.
        std::this_thread::sleep_for(std::chrono::microseconds((x * 37) % 200));
        return x * 2;
      },
      [&](int&& y) -> absl::Status {
        max_seen = std::max(max_seen, in_flight.load());
        --in_flight;
        consumed.push_back(y);
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(consumed.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(consumed[i], 2 * i);
  EXPECT_LE(max_seen, 6);
}

TEST(OrderedPipelineTest, StopsAtTheFirstError) {
  int produced = 0;
  absl::Status status = RunOrderedPipeline<int, int>(
      2, 4, [&]() -> absl::StatusOr<std::optional<int>> { return std::optional<int>(produced++); },
      [&](int&& x) -> absl::StatusOr<int> {
        if (x == 10) return absl::DataLossError("bad item 10");
        return x;
      },
      [&](int&&) { return absl::OkStatus(); });
  EXPECT_EQ(status, absl::DataLossError("bad item 10"));
  EXPECT_LT(produced, 20);
}

TEST(OrderedPipelineTest, ProducerErrorIsReturned) {
  absl::Status status = RunOrderedPipeline<int, int>(
      2, 4, [&]() -> absl::StatusOr<std::optional<int>> { return absl::NotFoundError("gone"); },
      [&](int&& x) -> absl::StatusOr<int> { return x; }, [&](int&&) { return absl::OkStatus(); });
  EXPECT_TRUE(absl::IsNotFound(status));
}

}  // namespace
}  // namespace weir::base
