// A mergeable quantile sketch (KLL: Karnin, Lang, Liberty 2016). It keeps O(k log(n/k)) values
// and answers rank and quantile queries with a rank error of about 1.7/k of n (k = 400: ~0.4%,
// within the 1% weir states). While it has seen at most kExactLimit distinct values (hours,
// categories, small counts) it counts them exactly instead: exact answers, and cheaper. Sketches
// built on different shards merge into one with the same error bound, and the state serializes, so
// the work can spread over threads and machines.
#ifndef WEIR_STATS_QUANTILE_SKETCH_H_
#define WEIR_STATS_QUANTILE_SKETCH_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::stats {

class QuantileSketch {
 public:
  static constexpr uint32_t kDefaultK = 400;
  static constexpr size_t kExactLimit = 1024;
  explicit QuantileSketch(uint32_t k = kDefaultK);

  // NaN values are ignored (callers count them separately).
  void Add(double value);
  // The same as Add for each value in order, and cheaper: the bookkeeping is per call, not per
  // value, and small integers are counted in an array while counting exactly.
  void AddAll(std::span<const double> values);
  // The least and greatest of some values.
  struct Extremes {
    double lowest = 0;
    double highest = 0;
  };
  // AddAll for values without NaN whose extremes the caller has found already.
  void AddAll(std::span<const double> values, Extremes extremes);
  void Merge(const QuantileSketch& other);

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  double min() const { return min_; }
  double max() const { return max_; }

  // The value at rank fraction q in [0, 1] (q = 0.5: the median); the exact min and max at 0 and
  // 1. Undefined (0) for an empty sketch.
  double Quantile(double q) const;
  // Quantiles at q = 1/n, 2/n, ..., (n-1)/n: the boundaries of n equal-count buckets.
  std::vector<double> EvenQuantiles(int n) const;
  // Estimated number of values <= x.
  double CountAtMost(double x) const;

  std::string Serialize() const;
  static absl::StatusOr<QuantileSketch> Deserialize(std::string_view bytes);

 private:
  uint32_t Capacity(size_t level) const;
  // Counts `n` more values, whose least and greatest are `extremes`, in count, min and max.
  void CountValues(uint64_t n, Extremes extremes);
  void Compress();
  // Adds `value` with weight `count` to the levels: one copy at level h per set bit h of count.
  void AddWeighted(double value, uint64_t count);
  // Counts `values` (no NaN, within `extremes`) at once when they are integers in a range small
  // enough that they cannot end exact counting; false (and nothing added) otherwise.
  bool AddAllSmallIntegers(std::span<const double> values, Extremes extremes);
  // Leaves exact counting: every counted value goes to the levels.
  void SpillExact();
  void UpdateCapacity();
  // All retained values with their weights, sorted by value.
  std::vector<std::pair<double, uint64_t>> WeightedValues() const;

  uint32_t k_;
  uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
  std::vector<std::vector<double>> levels_;  // levels_[h] holds values of weight 2^h.
  // Whether levels_[1], levels_[2], ... are each sorted; Compress sorts them if not.
  bool upper_levels_sorted_ = true;
  uint64_t compactions_ = 0;  // Drives the deterministic choice of odd/even survivors.
  size_t retained_ = 0;       // Values kept over all levels.
  size_t total_capacity_ = 0;
  std::vector<uint32_t> capacities_;  // Per level, from UpdateCapacity.
  // Value -> count while counting exactly: open addressing on the value's bits, at most half full,
  // which costs a few times less per value than a general hash map (this lookup is most of the
  // work on low-cardinality columns). Both zeros count as +0.0.
  class ExactCounts {
   public:
    void Add(double value, uint64_t count);
    // Adds each of `values` once, in order, and stops after the one that takes the table past
    // `limit` distinct values. Returns how many it added.
    size_t AddEach(std::span<const double> values, size_t limit);
    size_t size() const { return size_; }
    void Clear();
    // The entries in slot order (deterministic for the same additions).
    std::vector<std::pair<double, uint64_t>> Entries() const;
    // The table as it is laid out, and back: a restored table iterates in the same order, so
    // merges after a round trip through bytes (shards on other machines) add the same values in
    // the same order. Restore fails on a layout no table of Add calls could have.
    void Save(std::string* out) const;
    bool Restore(std::string_view* in);

   private:
    struct Slot {
      uint64_t bits = 0;
      uint64_t count = 0;  // 0: empty.
    };
    // The slot that holds `bits`, or the empty slot where it belongs. The table is never full.
    Slot& Find(uint64_t bits) {
      // Fibonacci hashing: the top bits of a multiplication spread nearby values over the table.
      const size_t mask = slots_.size() - 1;
      size_t index = static_cast<size_t>((bits * 0x9E3779B97F4A7C15ull) >> shift_);
      while (slots_[index].count != 0 && slots_[index].bits != bits) index = (index + 1) & mask;
      return slots_[index];
    }
    void Grow();
    std::vector<Slot> slots_;  // A power of two of them; starts small, doubles when half full.
    int shift_ = 64;           // 64 - log2(slots_.size()): keeps the top bits of a hash.
    size_t size_ = 0;
  };
  bool exact_mode_ = true;
  ExactCounts exact_;  // While exact_mode_.
};

}  // namespace weir::stats

#endif  // WEIR_STATS_QUANTILE_SKETCH_H_
