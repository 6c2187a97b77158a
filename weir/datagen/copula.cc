#include "weir/datagen/copula.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "weir/base/strings.h"

namespace weir::datagen {

double NormalPdf(double z) {
  if (std::isinf(z)) return 0;
  return std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double NormalQuantile(double p) {
  if (!(p > 0)) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  // The upper half by symmetry, so the lower tail (where erfc is accurate) does the work.
  if (p > 0.5) return -NormalQuantile(1 - p);
  // Bisection rather than a rational approximation: only profiles and generation plans call
  // this (not the per-row path), and it is exact to the last bit without tuned constants.
  if (p == 0.5) return 0;
  double lo = -40, hi = 0;
  while (true) {
    double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi || hi - lo < 1e-15) return mid;
    (NormalCdf(mid) < p ? lo : hi) = mid;
  }
}

BinScores ScoreBins(std::span<const double> shares) {
  BinScores out;
  size_t bins = shares.size();
  out.scores.resize(bins);
  out.hermite.assign(kHermiteTerms, 0);
  if (bins <= 1) {
    out.scores.assign(bins, 0);
    return out;
  }
  // Interior boundaries between bin b and b + 1.
  std::vector<double> bounds(bins - 1);
  double cumulative = 0;
  for (size_t b = 0; b + 1 < bins; ++b) {
    cumulative += shares[b];
    bounds[b] = NormalQuantile(cumulative);
  }
  for (size_t b = 0; b < bins; ++b) {
    double lower = b == 0 ? 0 : NormalPdf(bounds[b - 1]);
    double upper = b + 1 == bins ? 0 : NormalPdf(bounds[b]);
    out.scores[b] = (lower - upper) / shares[b];
    out.variance += shares[b] * out.scores[b] * out.scores[b];
  }
  // E[1{l<Z<u} He_m(Z)] = phi(l) He_{m-1}(l) - phi(u) He_{m-1}(u), so for a step function only
  // the jumps at the boundaries contribute. h_m are the orthonormal Hermite polynomials.
  for (size_t b = 0; b + 1 < bins; ++b) {
    double t = bounds[b];
    if (std::isinf(t)) continue;
    double weight = (out.scores[b + 1] - out.scores[b]) * NormalPdf(t);
    double h_prev = 0, h = 1;  // h_{m-1} for m = 1.
    for (int m = 1; m <= kHermiteTerms; ++m) {
      out.hermite[m - 1] += weight * h / std::sqrt(static_cast<double>(m));
      double h_next = (t * h - std::sqrt(static_cast<double>(m - 1)) * h_prev) /
                      std::sqrt(static_cast<double>(m));
      h_prev = h;
      h = h_next;
    }
  }
  return out;
}

double LatentCorrelation(const BinScores& a, const BinScores& b, double observed) {
  if (a.variance <= 0 || b.variance <= 0) return 0;
  double scale = 1 / std::sqrt(a.variance * b.variance);
  auto model = [&](double rho) {
    double sum = 0, power = 1;
    for (int m = 0; m < kHermiteTerms; ++m) {
      power *= rho;
      sum += power * a.hermite[m] * b.hermite[m];
    }
    return sum * scale;
  };
  // The model is increasing in rho: both score functions are non-decreasing.
  constexpr double kLimit = 0.999;
  double lo = -kLimit, hi = kLimit;
  if (observed <= model(lo)) return lo;
  if (observed >= model(hi)) return hi;
  for (int i = 0; i < 60; ++i) {
    double mid = 0.5 * (lo + hi);
    (model(mid) < observed ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

absl::StatusOr<std::vector<double>> Cholesky(std::span<const double> matrix, size_t n,
                                             double min_pivot) {
  if (matrix.size() != n * n) {
    return absl::InvalidArgumentError(
        weir::StrCat("matrix has ", matrix.size(), " entries, expected ", n * n));
  }
  std::vector<double> l(n * n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double sum = matrix[i * n + j];
      for (size_t k = 0; k < j; ++k) sum -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(sum >= min_pivot)) {
          return absl::FailedPreconditionError(
              weir::StrCat("matrix is not positive definite (pivot ", i, " is ", sum, ")"));
        }
        l[i * n + i] = std::sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

namespace {

// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: returns the eigenvalues
// and sets `vectors` (row-major, eigenvectors in columns). Copulas have tens of variables, where
// this is fast and accurate.
std::vector<double> SymmetricEigen(std::vector<double> a, size_t n, std::vector<double>& vectors) {
  vectors.assign(n * n, 0);
  for (size_t i = 0; i < n; ++i) vectors[i * n + i] = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) off += a[i * n + j] * a[i * n + j];
    }
    if (off < 1e-22) break;
    for (size_t p = 0; p < n; ++p) {
      for (size_t q = p + 1; q < n; ++q) {
        double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300) continue;
        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < n; ++k) {  // Columns p and q.
          double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (size_t k = 0; k < n; ++k) {  // Rows p and q.
          double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (size_t k = 0; k < n; ++k) {
          double vkp = vectors[k * n + p], vkq = vectors[k * n + q];
          vectors[k * n + p] = c * vkp - s * vkq;
          vectors[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<double> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = a[i * n + i];
  return values;
}

}  // namespace

std::vector<double> MakePositiveDefinite(std::vector<double> matrix, size_t n) {
  constexpr double kMinPivot = 1e-4;
  if (Cholesky(matrix, n, kMinPivot).ok()) return matrix;
  // Raise the eigenvalues to a floor and restore the unit diagonal: this changes a matrix
  // estimated pair by pair only where it is inconsistent, unlike shrinking every entry
  // towards 0. A few rounds, as rescaling the diagonal can push an eigenvalue under again.
  std::vector<double> repaired = matrix;
  for (int round = 0; round < 20; ++round) {
    std::vector<double> vectors;
    std::vector<double> values = SymmetricEigen(repaired, n, vectors);
    for (double& value : values) value = std::max(value, 1e-3);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        double sum = 0;
        for (size_t k = 0; k < n; ++k) sum += vectors[i * n + k] * values[k] * vectors[j * n + k];
        repaired[i * n + j] = sum;
      }
    }
    std::vector<double> scale(n);
    for (size_t i = 0; i < n; ++i) scale[i] = 1 / std::sqrt(repaired[i * n + i]);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        repaired[i * n + j] = i == j ? 1 : repaired[i * n + j] * scale[i] * scale[j];
      }
    }
    for (size_t i = 0; i < n; ++i) {  // Exact symmetry, which LoadProfile checks.
      for (size_t j = 0; j < i; ++j) repaired[j * n + i] = repaired[i * n + j];
    }
    if (Cholesky(repaired, n, kMinPivot).ok()) return repaired;
  }
  // Last resort: shrink towards the identity, which is positive definite.
  constexpr double kLadder[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0};
  for (double shrink : kLadder) {
    std::vector<double> shrunk = repaired;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        shrunk[i * n + j] = (1 - shrink) * repaired[i * n + j] + (i == j ? shrink : 0);
      }
    }
    if (Cholesky(shrunk, n, kMinPivot).ok()) return shrunk;
  }
  return repaired;  // Unreachable: shrink 1 gives the identity.
}

}  // namespace weir::datagen
