#include "weir/stats/quantile_sketch.h"

#include <algorithm>
#include <bit>
#include <boost/sort/pdqsort/pdqsort.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "weir/base/coding.h"

namespace weir::stats {

QuantileSketch::QuantileSketch(uint32_t k) : k_(std::max<uint32_t>(k, 8)) {
  levels_.emplace_back();
  UpdateCapacity();
}

void QuantileSketch::ExactCounts::Add(double value, uint64_t count) {
  if (2 * (size_ + 1) > slots_.size()) Grow();
  if (value == 0) value = 0;  // -0.0 joins +0.0.
  Slot& slot = Find(std::bit_cast<uint64_t>(value));
  if (slot.count == 0) {
    slot.bits = std::bit_cast<uint64_t>(value);
    ++size_;
  }
  slot.count += count;
}

size_t QuantileSketch::ExactCounts::AddEach(std::span<const double> values, size_t limit) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    const double value = values[i] == 0 ? 0.0 : values[i];  // -0.0 joins +0.0.
    Slot& slot = Find(std::bit_cast<uint64_t>(value));
    if (slot.count == 0) {
      slot.bits = std::bit_cast<uint64_t>(value);
      if (++size_ > limit) {
        slot.count = 1;
        return i + 1;
      }
    }
    ++slot.count;
  }
  return values.size();
}

void QuantileSketch::ExactCounts::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(64, 2 * old.size()), Slot{});
  shift_ = 64 - std::countr_zero(slots_.size());
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.count == 0) continue;
    double value;
    std::memcpy(&value, &slot.bits, sizeof value);
    Add(value, slot.count);
  }
}

void QuantileSketch::ExactCounts::Clear() {
  slots_.clear();
  slots_.shrink_to_fit();
  size_ = 0;
}

std::vector<std::pair<double, uint64_t>> QuantileSketch::ExactCounts::Entries() const {
  std::vector<std::pair<double, uint64_t>> entries;
  entries.reserve(size_);
  for (const Slot& s : slots_) {
    if (s.count == 0) continue;
    double value;
    std::memcpy(&value, &s.bits, sizeof value);
    entries.emplace_back(value, s.count);
  }
  return entries;
}

// Layout: slots u32 (0 when empty), entries u32, then each as slot u32, value f64, count u64.
void QuantileSketch::ExactCounts::Save(std::string* out) const {
  base::PutFixed<uint32_t>(out, static_cast<uint32_t>(slots_.size()));
  base::PutFixed<uint32_t>(out, static_cast<uint32_t>(size_));
  for (size_t index = 0; index < slots_.size(); ++index) {
    if (slots_[index].count == 0) continue;
    base::PutFixed<uint32_t>(out, static_cast<uint32_t>(index));
    base::PutFixed<uint64_t>(out, slots_[index].bits);
    base::PutFixed<uint64_t>(out, slots_[index].count);
  }
}

bool QuantileSketch::ExactCounts::Restore(std::string_view* in) {
  uint32_t num_slots = 0, entries = 0;
  if (!base::GetFixed(in, &num_slots) || !base::GetFixed(in, &entries)) return false;
  // Add keeps the table a power of two, at least 64 slots, and at most half full.
  if (num_slots == 0) return entries == 0;
  if (!std::has_single_bit(num_slots) || num_slots < 64 || num_slots > 4 * kExactLimit ||
      2 * size_t{entries} > num_slots) {
    return false;
  }
  slots_.assign(num_slots, Slot{});
  shift_ = 64 - std::countr_zero(slots_.size());
  size_ = entries;
  for (uint32_t i = 0; i < entries; ++i) {
    uint32_t index = 0;
    Slot slot;
    if (!base::GetFixed(in, &index) || !base::GetFixed(in, &slot.bits) ||
        !base::GetFixed(in, &slot.count) || index >= num_slots || slot.count == 0 ||
        slots_[index].count != 0) {
      return false;
    }
    slots_[index] = slot;
  }
  return true;
}

uint32_t QuantileSketch::Capacity(size_t level) const { return capacities_[level]; }

void QuantileSketch::CountValues(uint64_t n, Extremes extremes) {
  if (count_ == 0) {
    min_ = extremes.lowest;
    max_ = extremes.highest;
  } else {
    min_ = std::min(min_, extremes.lowest);
    max_ = std::max(max_, extremes.highest);
  }
  count_ += n;
}

void QuantileSketch::Add(double value) {
  if (std::isnan(value)) return;
  CountValues(1, {value, value});
  if (exact_mode_) {
    exact_.Add(value, 1);
    if (exact_.size() > kExactLimit) SpillExact();
    return;
  }
  levels_[0].push_back(value);
  if (++retained_ > total_capacity_) Compress();
}

void QuantileSketch::AddAll(std::span<const double> values) {
  Extremes extremes{std::numeric_limits<double>::infinity(),
                    -std::numeric_limits<double>::infinity()};
  size_t nans = 0;
  for (double value : values) {
    // std::min and std::max keep their first argument when the second is NaN.
    extremes.lowest = std::min(extremes.lowest, value);
    extremes.highest = std::max(extremes.highest, value);
    nans += std::isnan(value);
  }
  if (nans == 0) return AddAll(values, extremes);
  std::vector<double> numbers;
  numbers.reserve(values.size() - nans);
  for (double value : values) {
    if (!std::isnan(value)) numbers.push_back(value);
  }
  AddAll(numbers, extremes);
}

void QuantileSketch::AddAll(std::span<const double> values, Extremes extremes) {
  if (values.empty()) return;
  CountValues(values.size(), extremes);
  if (exact_mode_) {
    if (AddAllSmallIntegers(values, extremes)) return;
    values = values.subspan(exact_.AddEach(values, kExactLimit));
    if (exact_.size() > kExactLimit) SpillExact();
  }
  // As many values at a time as fit before the next compaction is due (Add compresses once the
  // levels hold one value more than their capacity).
  while (!values.empty()) {
    const size_t room = std::min(values.size(), total_capacity_ + 1 - retained_);
    levels_[0].insert(levels_[0].end(), values.begin(), values.begin() + room);
    values = values.subspan(room);
    retained_ += room;
    if (retained_ > total_capacity_) Compress();
  }
}

bool QuantileSketch::AddAllSmallIntegers(std::span<const double> values, Extremes extremes) {
  // Hours, months, categories: a counting array instead of a hash lookup per value. The map ends
  // up with the same counts as adding one by one, since no value can push it past kExactLimit.
  // Gives up at the first value that is not an integer, so other columns pay little.
  constexpr double kLargest = 1 << 30;
  if (!(extremes.lowest >= -kLargest && extremes.highest <= kLargest)) return false;
  const int64_t lowest = static_cast<int64_t>(extremes.lowest);
  const int64_t highest = static_cast<int64_t>(extremes.highest);
  const int64_t room = static_cast<int64_t>(kExactLimit - exact_.size());
  if (highest - lowest >= room) return false;
  std::vector<uint64_t> counts(static_cast<size_t>(highest - lowest) + 1);
  for (double value : values) {
    const int64_t integer = static_cast<int64_t>(value);
    if (static_cast<double>(integer) != value) return false;
    ++counts[static_cast<size_t>(integer - lowest)];
  }
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0)
      exact_.Add(static_cast<double>(lowest + static_cast<int64_t>(i)), counts[i]);
  }
  return true;
}

void QuantileSketch::AddWeighted(double value, uint64_t count) {
  for (size_t level = 0; count != 0; ++level, count >>= 1) {
    if ((count & 1) == 0) continue;
    if (level >= levels_.size()) {
      levels_.resize(level + 1);
      UpdateCapacity();
    }
    levels_[level].push_back(value);
    ++retained_;
    if (level > 0) upper_levels_sorted_ = false;
  }
}

void QuantileSketch::SpillExact() {
  exact_mode_ = false;
  for (const auto& [value, count] : exact_.Entries()) AddWeighted(value, count);
  exact_.Clear();
  Compress();
}

void QuantileSketch::Compress() {
  // Lazy compaction: only while more values are kept than the levels hold in all, compact the
  // lowest level that is over its own capacity. Lower levels thus keep more than their share,
  // which makes the sketch more accurate for the same memory.
  if (!upper_levels_sorted_) {
    for (size_t level = 1; level < levels_.size(); ++level) {
      std::sort(levels_[level].begin(), levels_[level].end());
    }
    upper_levels_sorted_ = true;
  }
  while (retained_ > total_capacity_) {
    size_t level = 0;
    while (level < levels_.size() && levels_[level].size() < Capacity(level)) ++level;
    if (level == levels_.size()) break;
    if (level + 1 == levels_.size()) {
      levels_.emplace_back();
      UpdateCapacity();
    }
    std::vector<double>& values = levels_[level];
    // Level 0 takes values as they come; the levels above are kept sorted, so that compacting
    // them needs no sort. Branchless partitioning: random order makes std::sort's branches
    // mispredict half the time (a third less time in the sketch).
    if (level == 0) boost::sort::pdqsort_branchless(values.begin(), values.end());
    // Keep every other value, alternating which half survives, and promote them one level up
    // (where each weighs twice as much). An odd value out stays behind.
    size_t keep_odd = (compactions_++) & 1;
    size_t pairs = values.size() / 2;
    std::vector<double>& above = levels_[level + 1];
    const size_t above_before = above.size();
    for (size_t i = 0; i < pairs; ++i) above.push_back(values[2 * i + keep_odd]);
    std::inplace_merge(above.begin(), above.begin() + static_cast<ptrdiff_t>(above_before),
                       above.end());
    double leftover = values.back();
    bool odd = values.size() % 2 == 1;
    values.clear();
    if (odd) values.push_back(leftover);
    retained_ -= pairs;
  }
}

void QuantileSketch::UpdateCapacity() {
  // The top level keeps k values; each level below keeps 2/3 of the one above, but at least
  // kMinCapacity, so that the lowest levels are not compacted every few values (costly, and
  // less accurate).
  constexpr uint32_t kMinCapacity = 64;
  capacities_.resize(levels_.size());
  total_capacity_ = 0;
  for (size_t level = 0; level < levels_.size(); ++level) {
    size_t depth = levels_.size() - 1 - level;
    double capacity = std::ceil(k_ * std::pow(2.0 / 3.0, static_cast<double>(depth)));
    capacities_[level] = std::max(kMinCapacity, static_cast<uint32_t>(capacity));
    total_capacity_ += capacities_[level];
  }
}

void QuantileSketch::Merge(const QuantileSketch& other) {
  if (other.count_ == 0) return;
  CountValues(other.count_, {other.min_, other.max_});
  if (exact_mode_ && other.exact_mode_) {
    for (const auto& [value, count] : other.exact_.Entries()) {
      if (!exact_mode_) {
        AddWeighted(value, count);
      } else {
        exact_.Add(value, count);
        if (exact_.size() > kExactLimit) SpillExact();  // Before the table could fill up.
      }
    }
    if (!exact_mode_) Compress();
    return;
  }
  if (exact_mode_) SpillExact();
  for (const auto& [value, count] : other.exact_.Entries()) AddWeighted(value, count);
  if (other.levels_.size() > levels_.size()) levels_.resize(other.levels_.size());
  for (size_t level = 0; level < other.levels_.size(); ++level) {
    levels_[level].insert(levels_[level].end(), other.levels_[level].begin(),
                          other.levels_[level].end());
    retained_ += other.levels_[level].size();
  }
  upper_levels_sorted_ = false;
  UpdateCapacity();
  Compress();
}

std::vector<std::pair<double, uint64_t>> QuantileSketch::WeightedValues() const {
  std::vector<std::pair<double, uint64_t>> weighted = exact_.Entries();
  for (size_t level = 0; level < levels_.size(); ++level) {
    for (double value : levels_[level]) weighted.emplace_back(value, uint64_t{1} << level);
  }
  std::sort(weighted.begin(), weighted.end());
  return weighted;
}

std::vector<double> QuantileSketch::EvenQuantiles(int n) const {
  std::vector<double> result;
  if (count_ == 0 || n < 2) return result;
  std::vector<std::pair<double, uint64_t>> weighted = WeightedValues();
  uint64_t total = 0;
  for (const auto& [value, weight] : weighted) total += weight;
  size_t index = 0;
  uint64_t cumulative = 0;
  for (int i = 1; i < n; ++i) {
    // The smallest retained value whose cumulative weight reaches q * total.
    double target = static_cast<double>(total) * i / n;
    while (index < weighted.size() &&
           static_cast<double>(cumulative + weighted[index].second) < target) {
      cumulative += weighted[index].second;
      ++index;
    }
    result.push_back(index < weighted.size() ? weighted[index].first : max_);
  }
  return result;
}

double QuantileSketch::Quantile(double q) const {
  if (count_ == 0) return 0;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  std::vector<std::pair<double, uint64_t>> weighted = WeightedValues();
  uint64_t total = 0;
  for (const auto& [value, weight] : weighted) total += weight;
  double target = static_cast<double>(total) * q;
  uint64_t cumulative = 0;
  for (const auto& [value, weight] : weighted) {
    cumulative += weight;
    if (static_cast<double>(cumulative) >= target) return value;
  }
  return max_;
}

double QuantileSketch::CountAtMost(double x) const {
  if (count_ == 0) return 0;
  if (x >= max_) return static_cast<double>(count_);
  if (x < min_) return 0;
  uint64_t weight_at_most = 0;
  uint64_t total = 0;
  for (const auto& [value, weight] : WeightedValues()) {
    total += weight;
    if (value <= x) weight_at_most += weight;
  }
  return static_cast<double>(count_) * static_cast<double>(weight_at_most) /
         static_cast<double>(total);
}

// Layout (little-endian): k u32, count u64, min f64, max f64, compactions u64, the exact counts
// table (ExactCounts::Save), levels u32, then per level: size u32 and the values as f64.
std::string QuantileSketch::Serialize() const {
  std::string out;
  base::PutFixed<uint32_t>(&out, k_);
  base::PutFixed<uint64_t>(&out, count_);
  base::PutFixed<double>(&out, min_);
  base::PutFixed<double>(&out, max_);
  base::PutFixed<uint64_t>(&out, compactions_);
  exact_.Save(&out);
  base::PutFixed<uint32_t>(&out, static_cast<uint32_t>(levels_.size()));
  for (const auto& level : levels_) {
    base::PutFixed<uint32_t>(&out, static_cast<uint32_t>(level.size()));
    base::PutFixedArray(&out, level.data(), level.size());
  }
  return out;
}

absl::StatusOr<QuantileSketch> QuantileSketch::Deserialize(std::string_view bytes) {
  QuantileSketch sketch;
  uint32_t num_levels = 0;
  if (!base::GetFixed(&bytes, &sketch.k_) || !base::GetFixed(&bytes, &sketch.count_) ||
      !base::GetFixed(&bytes, &sketch.min_) || !base::GetFixed(&bytes, &sketch.max_) ||
      !base::GetFixed(&bytes, &sketch.compactions_)) {
    return absl::DataLossError("corrupt quantile sketch header");
  }
  if (!sketch.exact_.Restore(&bytes) || sketch.exact_.size() > kExactLimit) {
    return absl::DataLossError("corrupt quantile sketch counts");
  }
  if (!base::GetFixed(&bytes, &num_levels) || num_levels == 0 || num_levels > 64) {
    return absl::DataLossError("corrupt quantile sketch levels");
  }
  sketch.levels_.assign(num_levels, {});
  sketch.retained_ = 0;
  for (auto& level : sketch.levels_) {
    uint32_t size = 0;
    if (!base::GetFixed(&bytes, &size) || bytes.size() / sizeof(double) < size) {
      return absl::DataLossError("corrupt quantile sketch level");
    }
    level.resize(size);
    base::GetFixedArray(&bytes, level.data(), size);
    sketch.retained_ += size;
  }
  // A sketch that has spilled may later hold no exact counts; one that has not holds no levels.
  sketch.exact_mode_ = sketch.retained_ == 0;
  sketch.upper_levels_sorted_ = false;
  sketch.UpdateCapacity();
  if (!bytes.empty()) return absl::DataLossError("trailing bytes after quantile sketch");
  return sketch;
}

}  // namespace weir::stats
