#pragma once
// A Gaussian-process emulator of one target over the unit cube (docs/calibration.md,
// "The emulators"): a linear mean plus a squared-exponential GP with one length scale per
// input, the known Monte Carlo variance of each training world as its nugget, and the
// hyperparameters (length scales, signal variance) at the maximum of the marginal
// likelihood (Nelder–Mead from a fixed start). Deterministic: the same data give the same
// emulator, bit for bit.

#include <cstddef>
#include <vector>

#include <Eigen/Dense>

namespace cyberdeter::models::deterrence {

class Emulator {
 public:
  /// Fits to worlds `x` (rows in [0, 1]^d), their values `y` and the Monte Carlo variance
  /// of each value `noise`. Needs at least d + 2 worlds.
  Emulator(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& noise);

  /// The emulator's expectation and variance of the target at `x` (the variance of the
  /// world's expected value, without Monte Carlo noise).
  void predict(const Eigen::VectorXd& x, double& mean, double& variance) const;
  /// The expectation alone (cheap: O(n d)).
  double predict_mean(const Eigen::VectorXd& x) const;
  /// The largest variance predict() can return (the signal variance).
  double max_variance() const { return signal_ * scale_ * scale_; }

  const Eigen::VectorXd& length_scales() const { return length_; }
  double signal_sd() const { return std::sqrt(signal_) * scale_; }
  /// Leave-one-out check: the share of training worlds whose value lies within 3 sd of
  /// the emulator fitted without them (in closed form, Rasmussen & Williams eq. 5.12).
  double loo_coverage() const { return loo_coverage_; }

 private:
  double kernel(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const;
  Eigen::VectorXd basis(const Eigen::VectorXd& x) const;

  Eigen::MatrixXd x_;
  Eigen::VectorXd length_;
  double signal_ = 1.0;  // in standardised units
  double centre_ = 0.0, scale_ = 1.0;
  Eigen::VectorXd beta_;
  Eigen::VectorXd alpha_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  double loo_coverage_ = 0.0;
};

}  // namespace cyberdeter::models::deterrence
