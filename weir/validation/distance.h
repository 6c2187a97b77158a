// Distances between the distributions of one feature in two datasets, as TFDV's drift and skew
// comparators measure them:
//   - L-infinity distance between categorical value distributions: the largest difference, over
//     every value seen in either dataset, between the value's share of all values in one dataset
//     and in the other. Shares come from the rank histogram (top values when it is absent).
//   - Jensen-Shannon divergence (base 2, so within [0, 1]) between numeric distributions given as
//     histograms whose buckets need not line up (see HistogramJensenShannonDivergence), or between
//     categorical value distributions.
#ifndef WEIR_VALIDATION_DISTANCE_H_
#define WEIR_VALIDATION_DISTANCE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "weir/proto/statistics.pb.h"

namespace weir::validation {

namespace tfmd = ::tensorflow::metadata::v0;

// Each value's share of the feature's values. Empty when the statistics list no values.
std::map<std::string, double> ValueShares(const tfmd::StringStatistics& stats);

struct LInfinityDistance {
  double distance = 0;
  std::string value;  // The value whose share changed most (empty when the distance is 0).
};

// Distance between two value distributions; nullopt when either lists no values.
std::optional<LInfinityDistance> ComputeLInfinityDistance(const tfmd::StringStatistics& a,
                                                          const tfmd::StringStatistics& b);

// Jensen-Shannon divergence (log base 2) between two discrete distributions over the same
// cells, given as unnormalized non-negative weights of equal length. nullopt when either sums to 0.
std::optional<double> JensenShannonDivergence(const std::vector<double>& p,
                                              const std::vector<double>& q);

// Divergence between two value distributions (cells: every value seen in either).
std::optional<double> CategoricalJensenShannonDivergence(const tfmd::StringStatistics& a,
                                                         const tfmd::StringStatistics& b);

// Divergence between two histograms of one numeric feature. Their buckets are first spread onto
// common cells: the intervals between consecutive boundaries of both histograms, with each
// bucket's count split over the cells it covers in proportion to the overlap (values are taken
// as uniform within a bucket). A zero-width bucket (every value equal) is a point cell of its
// own, shared with the other histogram only if it has a point at the same value; NaN counts
// (num_nan) are one more cell. nullopt when either histogram has no samples or a bucket bound
// that is not finite (the overlap of an unbounded bucket is undefined).
std::optional<double> HistogramJensenShannonDivergence(const tfmd::Histogram& a,
                                                       const tfmd::Histogram& b);

}  // namespace weir::validation

#endif  // WEIR_VALIDATION_DISTANCE_H_
