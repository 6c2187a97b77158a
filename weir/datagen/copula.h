// Numerical pieces of the Gaussian copula: the standard normal distribution, normal scores of
// ranked bins, the latent correlation that reproduces an observed correlation of scores, and a
// Cholesky factorisation. Internal to weir/datagen; exposed for its tests.
#ifndef WEIR_DATAGEN_COPULA_H_
#define WEIR_DATAGEN_COPULA_H_

#include <cstddef>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::datagen {

double NormalPdf(double z);
double NormalCdf(double z);
// The z with NormalCdf(z) == p, to double precision; -inf for p <= 0 and +inf for p >= 1.
double NormalQuantile(double p);

// A ranked variable with a finite number of values ("bins", each a share of the rows), seen
// through the copula: bin b is the interval of the latent standard normal Z between the normal
// quantiles of the cumulative shares before and after it, and its score is E[Z | Z in bin b].
struct BinScores {
  std::vector<double> scores;  // One per bin, increasing.
  double variance = 0;         // Var of the score (1 for a continuous variable, 0 for one bin).
  // c_m = E[score(Z) He_m(Z)] / sqrt(m!) for m = 1..kHermiteTerms: with latent correlation rho
  // between two variables, Cov(score_a, score_b) = sum_m rho^m c_m(a) c_m(b).
  std::vector<double> hermite;
};
inline constexpr int kHermiteTerms = 60;

// `shares` are the bins' shares in rank order, each > 0, summing to 1.
BinScores ScoreBins(std::span<const double> shares);

// The latent correlation rho in [-0.999, 0.999] under which the scores of `a` and `b` have
// correlation `observed` (0 when either variable is constant). Discrete variables have weaker
// score correlations than their latent ones; this undoes that attenuation.
double LatentCorrelation(const BinScores& a, const BinScores& b, double observed);

// The lower-triangular L (row-major n*n) with L L^T = matrix. FailedPrecondition when the matrix
// is not positive definite with every pivot at least `min_pivot`.
absl::StatusOr<std::vector<double>> Cholesky(std::span<const double> matrix, size_t n,
                                             double min_pivot = 1e-9);

// A positive definite correlation matrix near a symmetric unit-diagonal `matrix` (returned as
// is when its Cholesky pivots are all at least 1e-4): eigenvalues are raised to a floor and the
// diagonal rescaled to 1, repeatedly; shrinking towards the identity is the last resort.
std::vector<double> MakePositiveDefinite(std::vector<double> matrix, size_t n);

}  // namespace weir::datagen

#endif  // WEIR_DATAGEN_COPULA_H_
