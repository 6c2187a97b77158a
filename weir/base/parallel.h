// Parallel helpers. weir runs data-plane work as an ordered pipeline: items are produced one at a
// time, transformed on several threads, and consumed in production order, so output is
// deterministic and memory is bounded by the number of items in flight.
#ifndef WEIR_BASE_PARALLEL_H_
#define WEIR_BASE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace weir::base {

// Threads to use by default: the machine's cores (at least 1).
inline int DefaultThreadCount() { return std::max(1u, std::thread::hardware_concurrency()); }

// Runs the pipeline produce -> work -> consume and returns the first error, if any.
//  - `produce` is called under a lock, one call at a time; it returns std::nullopt at the end.
//  - `work` runs on up to `num_threads` threads at once.
//  - `consume` is called one item at a time, in the order items were produced.
// At most `max_in_flight` items are produced but not yet consumed. On the first error no new item
// is produced and the error is returned once every thread has stopped.
template <typename In, typename Out>
absl::Status RunOrderedPipeline(int num_threads, size_t max_in_flight,
                                const std::function<absl::StatusOr<std::optional<In>>()>& produce,
                                const std::function<absl::StatusOr<Out>(In&&)>& work,
                                const std::function<absl::Status(Out&&)>& consume) {
  num_threads = std::max(1, num_threads);
  max_in_flight = std::max<size_t>(max_in_flight, static_cast<size_t>(num_threads));
  std::mutex produce_mutex;
  std::mutex state_mutex;
  std::condition_variable slot_freed;
  uint64_t next_sequence = 0;     // Guarded by produce_mutex.
  uint64_t next_to_consume = 0;   // Guarded by state_mutex.
  std::map<uint64_t, Out> ready;  // Guarded by state_mutex.
  bool consuming = false;         // Guarded by state_mutex: one consumer at a time.
  absl::Status first_error;       // Guarded by state_mutex.
  std::atomic<bool> failed{false};
  bool exhausted = false;  // Guarded by produce_mutex.

  auto record_error = [&](absl::Status status) {
    std::lock_guard<std::mutex> lock(state_mutex);
    if (first_error.ok()) first_error = std::move(status);
    failed = true;
    slot_freed.notify_all();
  };

  auto worker = [&]() {
    while (!failed) {
      std::optional<In> item;
      uint64_t sequence;
      {
        std::lock_guard<std::mutex> produce_lock(produce_mutex);
        if (exhausted) return;
        {
          // Wait for room: the item we would produce must be within the in-flight window.
          std::unique_lock<std::mutex> lock(state_mutex);
          slot_freed.wait(
              lock, [&] { return failed || next_sequence < next_to_consume + max_in_flight; });
          if (failed) return;
        }
        absl::StatusOr<std::optional<In>> produced = produce();
        if (!produced.ok()) {
          exhausted = true;
          record_error(produced.status());
          return;
        }
        if (!produced->has_value()) {
          exhausted = true;
          return;
        }
        item = std::move(**produced);
        sequence = next_sequence++;
      }
      absl::StatusOr<Out> result = work(std::move(*item));
      if (!result.ok()) {
        record_error(result.status());
        return;
      }
      std::unique_lock<std::mutex> lock(state_mutex);
      ready.emplace(sequence, std::move(*result));
      if (consuming) continue;  // The thread that is consuming will pick this result up.
      consuming = true;
      while (!failed) {
        auto it = ready.find(next_to_consume);
        if (it == ready.end()) break;
        Out out = std::move(it->second);
        ready.erase(it);
        lock.unlock();
        absl::Status status = consume(std::move(out));
        lock.lock();
        if (!status.ok()) {
          if (first_error.ok()) first_error = std::move(status);
          failed = true;
        }
        ++next_to_consume;
        slot_freed.notify_all();
      }
      consuming = false;
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(num_threads));
  for (int i = 0; i < num_threads; ++i) threads.emplace_back(worker);
  for (auto& thread : threads) thread.join();
  return first_error;
}

}  // namespace weir::base

#endif  // WEIR_BASE_PARALLEL_H_
