#include "weir/validation/distance.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace weir::validation {

std::map<std::string, double> ValueShares(const tfmd::StringStatistics& stats) {
  std::map<std::string, double> shares;
  double total = 0;
  if (stats.rank_histogram().buckets_size() > 0) {
    for (const auto& bucket : stats.rank_histogram().buckets()) {
      shares[bucket.label()] += bucket.sample_count();
      total += bucket.sample_count();
    }
  } else {
    for (const auto& top : stats.top_values()) {
      shares[top.value()] += top.frequency();
      total += top.frequency();
    }
  }
  if (total <= 0) return {};
  for (auto& [value, share] : shares) share /= total;
  return shares;
}

std::optional<LInfinityDistance> ComputeLInfinityDistance(const tfmd::StringStatistics& a,
                                                          const tfmd::StringStatistics& b) {
  std::map<std::string, double> pa = ValueShares(a);
  std::map<std::string, double> pb = ValueShares(b);
  if (pa.empty() || pb.empty()) return std::nullopt;
  LInfinityDistance result;
  auto consider = [&](const std::string& value, double difference) {
    if (difference > result.distance) {
      result.distance = difference;
      result.value = value;
    }
  };
  for (const auto& [value, share] : pa) {
    auto it = pb.find(value);
    consider(value, std::abs(share - (it == pb.end() ? 0.0 : it->second)));
  }
  for (const auto& [value, share] : pb) {
    if (!pa.contains(value)) consider(value, share);
  }
  return result;
}

std::optional<double> JensenShannonDivergence(const std::vector<double>& p,
                                              const std::vector<double>& q) {
  double sum_p = 0;
  double sum_q = 0;
  for (double w : p) sum_p += w;
  for (double w : q) sum_q += w;
  if (p.size() != q.size() || sum_p <= 0 || sum_q <= 0) return std::nullopt;
  // Cells where one side is 0 contribute only through the other side's term (0 log 0 = 0).
  double divergence = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    double pi = p[i] / sum_p;
    double qi = q[i] / sum_q;
    double mi = (pi + qi) / 2;
    if (pi > 0) divergence += 0.5 * pi * std::log2(pi / mi);
    if (qi > 0) divergence += 0.5 * qi * std::log2(qi / mi);
  }
  // Rounding can leave a tiny negative for identical inputs, or a hair above 1.
  return std::clamp(divergence, 0.0, 1.0);
}

std::optional<double> CategoricalJensenShannonDivergence(const tfmd::StringStatistics& a,
                                                         const tfmd::StringStatistics& b) {
  std::map<std::string, double> pa = ValueShares(a);
  std::map<std::string, double> pb = ValueShares(b);
  std::set<std::string> values;
  for (const auto& entry : pa) values.insert(entry.first);
  for (const auto& entry : pb) values.insert(entry.first);
  std::vector<double> p;
  std::vector<double> q;
  for (const std::string& value : values) {
    auto ia = pa.find(value);
    auto ib = pb.find(value);
    p.push_back(ia == pa.end() ? 0.0 : ia->second);
    q.push_back(ib == pb.end() ? 0.0 : ib->second);
  }
  return JensenShannonDivergence(p, q);
}

namespace {

bool FiniteBounds(const tfmd::Histogram& histogram) {
  for (const auto& bucket : histogram.buckets()) {
    if (!std::isfinite(bucket.low_value()) || !std::isfinite(bucket.high_value())) return false;
  }
  return true;
}

// Cells: [bounds[i], bounds[i+1]] for each i, then one per point value, then NaN.
std::vector<double> SpreadOntoCells(const tfmd::Histogram& histogram,
                                    const std::vector<double>& bounds,
                                    const std::vector<double>& points) {
  const size_t intervals = bounds.empty() ? 0 : bounds.size() - 1;
  std::vector<double> cells(intervals + points.size() + 1, 0.0);
  for (const auto& bucket : histogram.buckets()) {
    const double low = bucket.low_value();
    const double high = bucket.high_value();
    if (high <= low) {
      size_t point =
          static_cast<size_t>(std::lower_bound(points.begin(), points.end(), low) - points.begin());
      cells[intervals + point] += bucket.sample_count();
      continue;
    }
    // The first interval that can overlap the bucket starts at the last bound <= low.
    size_t i =
        static_cast<size_t>(std::upper_bound(bounds.begin(), bounds.end(), low) - bounds.begin());
    i = i == 0 ? 0 : i - 1;
    for (; i < intervals && bounds[i] < high; ++i) {
      double overlap = std::min(high, bounds[i + 1]) - std::max(low, bounds[i]);
      if (overlap > 0) cells[i] += bucket.sample_count() * overlap / (high - low);
    }
  }
  cells.back() = static_cast<double>(histogram.num_nan());
  return cells;
}

}  // namespace

std::optional<double> HistogramJensenShannonDivergence(const tfmd::Histogram& a,
                                                       const tfmd::Histogram& b) {
  if (!FiniteBounds(a) || !FiniteBounds(b)) return std::nullopt;
  std::vector<double> bounds;
  std::vector<double> points;
  for (const tfmd::Histogram* histogram : {&a, &b}) {
    for (const auto& bucket : histogram->buckets()) {
      if (bucket.high_value() <= bucket.low_value()) {
        points.push_back(bucket.low_value());
      } else {
        bounds.push_back(bucket.low_value());
        bounds.push_back(bucket.high_value());
      }
    }
  }
  for (std::vector<double>* values : {&bounds, &points}) {
    std::sort(values->begin(), values->end());
    values->erase(std::unique(values->begin(), values->end()), values->end());
  }
  return JensenShannonDivergence(SpreadOntoCells(a, bounds, points),
                                 SpreadOntoCells(b, bounds, points));
}

}  // namespace weir::validation
