#include "cyberdeter/models/deterrence/emulator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace cyberdeter::models::deterrence {
namespace {

// Bounds of the hyperparameters, in log space: length scales from 1/30 to 5 times the
// unit cube's side, signal variance from 1e-6 to 10 times the standardised variance.
constexpr double log_length_lo = -3.4, log_length_hi = 1.6;
constexpr double log_signal_lo = -13.8, log_signal_hi = 2.3;
constexpr double jitter = 1e-8;

struct Fit {
  Eigen::VectorXd length;
  double signal = 1.0;
};

Eigen::MatrixXd covariance(const Eigen::MatrixXd& x, const Fit& f, const Eigen::VectorXd& nugget) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd k(n, n);
  const Eigen::ArrayXd inv = 1.0 / (f.length.array() * f.length.array());
  for (Eigen::Index i = 0; i < n; ++i) {
    k(i, i) = f.signal + nugget(i) + jitter;
    for (Eigen::Index j = 0; j < i; ++j) {
      const double d2 = ((x.row(i) - x.row(j)).array().square().transpose() * inv).sum();
      k(i, j) = k(j, i) = f.signal * std::exp(-0.5 * d2);
    }
  }
  return k;
}

// Negative log marginal likelihood of residuals r (constants dropped).
double nll(const Eigen::MatrixXd& x, const Eigen::VectorXd& r, const Eigen::VectorXd& nugget,
           const Fit& f) {
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance(x, f, nugget));
  if (llt.info() != Eigen::Success) return std::numeric_limits<double>::infinity();
  const Eigen::VectorXd a = llt.solve(r);
  const Eigen::MatrixXd& l = llt.matrixLLT();
  return 0.5 * r.dot(a) + l.diagonal().array().log().sum();
}

Fit unpack(const Eigen::VectorXd& theta) {
  Fit f;
  const Eigen::Index d = theta.size() - 1;
  f.length.resize(d);
  for (Eigen::Index i = 0; i < d; ++i) {
    f.length(i) = std::exp(std::clamp(theta(i), log_length_lo, log_length_hi));
  }
  f.signal = std::exp(std::clamp(theta(d), log_signal_lo, log_signal_hi));
  return f;
}

// Nelder–Mead (standard coefficients), a fixed number of evaluations at most.
template <class F>
Eigen::VectorXd nelder_mead(F f, Eigen::VectorXd start, double step, int max_evaluations) {
  const Eigen::Index n = start.size();
  std::vector<Eigen::VectorXd> simplex(static_cast<std::size_t>(n + 1), start);
  std::vector<double> value(static_cast<std::size_t>(n + 1));
  for (Eigen::Index i = 0; i < n; ++i) simplex[static_cast<std::size_t>(i + 1)](i) += step;
  int evaluations = 0;
  for (std::size_t i = 0; i < simplex.size(); ++i) {
    value[i] = f(simplex[i]);
    ++evaluations;
  }
  std::vector<std::size_t> order(simplex.size());
  while (evaluations < max_evaluations) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return value[a] < value[b]; });
    const std::size_t best = order.front(), worst = order.back(), second = order[order.size() - 2];
    if (std::abs(value[worst] - value[best]) < 1e-6 * (1.0 + std::abs(value[best]))) break;
    Eigen::VectorXd centroid = Eigen::VectorXd::Zero(n);
    for (std::size_t i = 0; i < simplex.size(); ++i) {
      if (i != worst) centroid += simplex[i];
    }
    centroid /= static_cast<double>(n);
    const Eigen::VectorXd reflected = centroid + (centroid - simplex[worst]);
    const double fr = f(reflected);
    ++evaluations;
    if (fr < value[best]) {
      const Eigen::VectorXd expanded = centroid + 2.0 * (centroid - simplex[worst]);
      const double fe = f(expanded);
      ++evaluations;
      if (fe < fr) {
        simplex[worst] = expanded;
        value[worst] = fe;
      } else {
        simplex[worst] = reflected;
        value[worst] = fr;
      }
    } else if (fr < value[second]) {
      simplex[worst] = reflected;
      value[worst] = fr;
    } else {
      const Eigen::VectorXd contracted = centroid + 0.5 * (simplex[worst] - centroid);
      const double fc = f(contracted);
      ++evaluations;
      if (fc < value[worst]) {
        simplex[worst] = contracted;
        value[worst] = fc;
      } else {
        for (std::size_t i = 0; i < simplex.size(); ++i) {
          if (i == best) continue;
          simplex[i] = simplex[best] + 0.5 * (simplex[i] - simplex[best]);
          value[i] = f(simplex[i]);
          ++evaluations;
        }
      }
    }
  }
  const auto it = std::min_element(value.begin(), value.end());
  return simplex[static_cast<std::size_t>(it - value.begin())];
}

}  // namespace

Emulator::Emulator(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& noise)
    : x_(x) {
  const Eigen::Index n = x.rows(), d = x.cols();
  if (n < d + 2) throw std::invalid_argument("an emulator needs at least d + 2 worlds");
  centre_ = y.mean();
  const double var = (y.array() - centre_).square().sum() / static_cast<double>(n - 1);
  scale_ = var > 0.0 ? std::sqrt(var) : 1.0;
  const Eigen::VectorXd ys = (y.array() - centre_) / scale_;
  const Eigen::VectorXd nugget = noise.array() / (scale_ * scale_);
  Eigen::MatrixXd h(n, d + 1);
  for (Eigen::Index i = 0; i < n; ++i) h.row(i) = basis(x.row(i).transpose()).transpose();
  beta_ = h.colPivHouseholderQr().solve(ys);
  const Eigen::VectorXd r = ys - h * beta_;
  const double rvar = std::max(r.squaredNorm() / static_cast<double>(n), 1e-6);
  Eigen::VectorXd theta(d + 1);
  theta.head(d).setConstant(std::log(0.3));
  theta(d) = std::log(rvar);
  theta = nelder_mead([&](const Eigen::VectorXd& t) { return nll(x, r, nugget, unpack(t)); }, theta,
                      0.7, 60 * static_cast<int>(d + 1));
  const Fit fit = unpack(theta);
  length_ = fit.length;
  signal_ = fit.signal;
  llt_.compute(covariance(x, fit, nugget));
  if (llt_.info() != Eigen::Success)
    throw std::runtime_error("emulator: covariance not positive definite");
  alpha_ = llt_.solve(r);
  const Eigen::MatrixXd inverse = llt_.solve(Eigen::MatrixXd::Identity(n, n));
  Eigen::Index covered = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double kii = inverse(i, i);
    if (std::abs(alpha_(i)) / kii <= 3.0 / std::sqrt(kii)) ++covered;
  }
  loo_coverage_ = static_cast<double>(covered) / static_cast<double>(n);
}

Eigen::VectorXd Emulator::basis(const Eigen::VectorXd& x) const {
  Eigen::VectorXd h(x.size() + 1);
  h(0) = 1.0;
  h.tail(x.size()) = x;
  return h;
}

double Emulator::kernel(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const {
  return signal_ * std::exp(-0.5 * ((a - b).array() / length_.array()).square().sum());
}

double Emulator::predict_mean(const Eigen::VectorXd& x) const {
  double m = basis(x).dot(beta_);
  for (Eigen::Index i = 0; i < x_.rows(); ++i) m += kernel(x_.row(i).transpose(), x) * alpha_(i);
  return centre_ + scale_ * m;
}

void Emulator::predict(const Eigen::VectorXd& x, double& mean, double& variance) const {
  const Eigen::Index n = x_.rows();
  Eigen::VectorXd k(n);
  for (Eigen::Index i = 0; i < n; ++i) k(i) = kernel(x_.row(i).transpose(), x);
  mean = centre_ + scale_ * (basis(x).dot(beta_) + k.dot(alpha_));
  const Eigen::VectorXd v = llt_.matrixL().solve(k);
  variance = std::max(signal_ - v.squaredNorm(), 0.0) * scale_ * scale_;
}

}  // namespace cyberdeter::models::deterrence
