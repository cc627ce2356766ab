// The timing game: closed form, episodes on the engine, and the attacker's search for T.

#include "cyberdeter/models/games/timing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/sim/simulation.hpp"

namespace cyberdeter::models::games {

double Stakes::lowest() const noexcept {
  return kind == Kind::uniform ? uniform.lo : *std::min_element(values.begin(), values.end());
}

double Stakes::highest() const noexcept {
  return kind == Kind::uniform ? uniform.hi : *std::max_element(values.begin(), values.end());
}

double Stakes::p_at_least(double threshold) const noexcept {
  if (kind == Kind::uniform) return 1.0 - uniform.cdf(threshold);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double p = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] >= threshold) p += weights[i] / total;
  }
  return p;
}

double Stakes::partial_mean(double threshold) const noexcept {
  if (kind == Kind::uniform) {
    const double m = std::clamp(threshold, uniform.lo, uniform.hi);
    return (uniform.hi * uniform.hi - m * m) / (2.0 * (uniform.hi - uniform.lo));
  }
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double e = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] >= threshold) e += weights[i] / total * values[i];
  }
  return e;
}

double Stakes::draw(sim::RandomStream& rng) const {
  const double u = rng.uniform();
  if (kind == Kind::uniform) return uniform.lo + u * (uniform.hi - uniform.lo);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double cumulative = 0.0;
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    cumulative += weights[i] / total;
    if (u < cumulative) return values[i];
  }
  return values.back();
}

double timing_value(const TimingGame& g, double threshold) {
  if (g.stakes.kind == Stakes::Kind::discrete) {
    return deterrence::timing_value(g.stakes.values, g.stakes.weights, threshold, g.discount,
                                    g.stealth, g.persistence);
  }
  const double p = g.stakes.p_at_least(threshold);
  return g.stakes.partial_mean(threshold) /
         (1.0 - g.discount * (g.stealth * p + g.persistence * (1.0 - p)));
}

TimingOptimum solve_timing(const TimingGame& g) {
  TimingOptimum o;
  o.value_at_zero = timing_value(g, 0.0);
  if (g.stealth >= g.persistence) {
    o.use_at_once = true;
    o.threshold = 0.0;
    o.method = "use at once (stealth >= persistence)";
  } else if (g.stakes.kind == Stakes::Kind::discrete) {
    o.threshold = deterrence::optimal_threshold(g.stakes.values, g.stakes.weights, g.discount,
                                                g.stealth, g.persistence);
    o.method = "best support point (deterrence::optimal_threshold)";
  } else {
    // f(T) = T − w (P − S) V(T): f(0) < 0 < f(hi) = hi, and f' = 1 wherever f = 0 (V' = 0
    // there), so the root is unique. Bisect to adjacent doubles.
    const double k = g.discount * (g.persistence - g.stealth);
    const auto f = [&](double t) { return t - k * timing_value(g, t); };
    double lo = 0.0;
    double hi = g.stakes.highest();
    while (o.iterations < 200) {
      const double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      ++o.iterations;
      (f(mid) < 0.0 ? lo : hi) = mid;
    }
    o.threshold = std::abs(f(lo)) <= std::abs(f(hi)) ? lo : hi;
    o.residual = std::abs(f(o.threshold));
    o.method = "bisection on T = w (P - S) V(T)";
  }
  o.value = timing_value(g, o.threshold);
  return o;
}

std::uint64_t truncation_periods(double discount) noexcept {
  constexpr double cut = 1e-12;
  if (discount <= 0.0) return 1;
  auto t = static_cast<std::uint64_t>(std::ceil(std::log(cut) / std::log(discount)));
  while (std::pow(discount, static_cast<double>(t)) >= cut) ++t;
  while (t > 1 && std::pow(discount, static_cast<double>(t - 1)) < cut) --t;
  return t;
}

namespace {

struct PeriodEvent {
  std::uint64_t episode = 0;
  std::uint64_t period = 0;
  /// What the previous period did (used, survived), so that the trajectory hash
  /// fingerprints the draws and not just the schedule.
  std::uint8_t previous = 0;
  std::uint64_t trace_key() const noexcept { return (episode << 2) ^ previous; }
};

// Episodes one after another, one period per tick: period t of an episode uses the t-th
// numbers of that episode's two streams, whatever the threshold.
class Episodes {
 public:
  Episodes(const TimingGame& g, double threshold, const sim::StreamFactory& streams,
           std::uint64_t episodes, const char* prefix)
      : game_(g),
        threshold_(threshold),
        streams_(streams),
        episodes_(episodes),
        horizon_(truncation_periods(g.discount)),
        stakes_key_(std::string(prefix) + ".stakes"),
        survival_key_(std::string(prefix) + ".survival"),
        stakes_(0),
        survival_(0) {}

  void operator()(sim::Simulation<PeriodEvent>& s, const PeriodEvent& e) {
    if (e.period == 0) {
      stakes_ = streams_.stream(sim::StreamKey(stakes_key_, e.episode));
      survival_ = streams_.stream(sim::StreamKey(survival_key_, e.episode));
      value_ = 0.0;
      uses_ = 0;
    }
    const double stake = game_.stakes.draw(stakes_);
    const bool use = stake >= threshold_;
    if (use) {
      value_ += std::pow(game_.discount, static_cast<double>(e.period)) * stake;
      ++uses_;
    }
    const bool survives = survival_.uniform() < (use ? game_.stealth : game_.persistence);
    const auto previous = static_cast<std::uint8_t>((use ? 1u : 0u) | (survives ? 2u : 0u));
    if (survives && e.period + 1 < horizon_) {
      s.schedule_in(1, PeriodEvent{e.episode, e.period + 1, previous});
      return;
    }
    truncated_ += survives ? 1u : 0u;
    sum_ += value_;
    squares_ += value_ * value_;
    total_uses_ += uses_;
    total_periods_ += e.period + 1;
    if (e.episode + 1 < episodes_) s.schedule_in(1, PeriodEvent{e.episode + 1, 0, previous});
  }

  TimingValueRow row(std::uint64_t events, std::uint64_t fingerprint) const {
    TimingValueRow r;
    r.fingerprint = fingerprint;
    const auto n = static_cast<double>(episodes_);
    r.threshold = threshold_;
    r.episodes = episodes_;
    r.value = sum_ / n;
    r.standard_error = episodes_ > 1
                           ? std::sqrt(std::max(0.0, (squares_ - sum_ * sum_ / n) / (n - 1.0)) / n)
                           : std::numeric_limits<double>::quiet_NaN();
    r.value_theory = timing_value(game_, threshold_);
    r.uses = static_cast<double>(total_uses_) / n;
    r.periods = static_cast<double>(total_periods_) / n;
    r.truncated = truncated_;
    r.events = events;
    return r;
  }

 private:
  const TimingGame& game_;
  double threshold_;
  const sim::StreamFactory& streams_;
  std::uint64_t episodes_;
  std::uint64_t horizon_;
  std::string stakes_key_;
  std::string survival_key_;
  sim::RandomStream stakes_;
  sim::RandomStream survival_;
  double value_ = 0.0;
  std::uint64_t uses_ = 0;
  double sum_ = 0.0;
  double squares_ = 0.0;
  std::uint64_t total_uses_ = 0;
  std::uint64_t total_periods_ = 0;
  std::uint64_t truncated_ = 0;
};

}  // namespace

TimingValueRow simulate_value(const TimingGame& game, double threshold,
                              const sim::StreamFactory& streams, std::uint64_t episodes,
                              const char* prefix) {
  Episodes model(game, threshold, streams, episodes, prefix);
  sim::Simulation<PeriodEvent> simulation;
  simulation.schedule_at(0, PeriodEvent{0, 0, 0});
  sim::TraceHash trace;
  simulation.run(model, sim::StopCondition{}, trace);
  return model.row(simulation.events_processed(), trace.value());
}

TimingResult run_timing(const TimingScenario& sc, const TimingOptimum& theory,
                        std::uint64_t replication) {
  return run_timing(sc, theory, sim::RunId{sc.seed, replication, {}});
}

TimingResult run_timing(const TimingScenario& sc, const TimingOptimum& theory,
                        const sim::RunId& id) {
  const sim::StreamFactory streams(id);
  const std::uint64_t replication = id.replication;
  TimingResult out;
  TimingRunRow& run = out.run;
  run.replication = replication;
  run.seed = streams.seed();
  run.threshold_theory = theory.threshold;
  run.value_theory = theory.value;
  const auto evaluate = [&](double t, std::uint8_t purpose, std::uint64_t episodes,
                            const char* prefix) {
    TimingValueRow row = simulate_value(sc.game, t, streams, episodes, prefix);
    row.replication = replication;
    row.purpose = purpose;
    run.events += row.events;
    run.fingerprint = sim::mix64(run.fingerprint, row.fingerprint);
    out.values.push_back(row);
    return row.value;
  };
  for (const double t : sc.thresholds) evaluate(t, 0, sc.episodes, "timing");
  if (!sc.search) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    run.threshold_found = run.value_in_sample = run.value_checked = nan;
    run.value_checked_se = run.value_theory_found = nan;
    return out;
  }

  // Grid over [lowest, highest] stake, then golden-section search on the bracket around
  // the best grid point, every evaluation on the same episodes' numbers.
  const double lo = std::max(0.0, sc.game.stakes.lowest());
  const double hi = sc.game.stakes.highest();
  double best_t = lo;
  double best_v = -std::numeric_limits<double>::infinity();
  const auto search = [&](double t) {
    const double v = evaluate(t, 1, sc.episodes, "timing");
    ++run.evaluations;
    if (v > best_v) {
      best_v = v;
      best_t = t;
    }
    return v;
  };
  const std::uint64_t points = sc.grid_points;
  for (std::uint64_t k = 0; k < points; ++k) {
    search(lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(points - 1));
  }
  const double step = (hi - lo) / static_cast<double>(points - 1);
  double a = std::max(lo, best_t - step);
  double b = std::min(hi, best_t + step);
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = b - ratio * (b - a);
  double d = a + ratio * (b - a);
  double fc = search(c);
  double fd = search(d);
  while (b - a > sc.tolerance) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = search(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = search(d);
    }
  }
  run.threshold_found = best_t;
  run.value_in_sample = best_v;
  const std::uint64_t check = sc.check_episodes > 0 ? sc.check_episodes : sc.episodes;
  const TimingValueRow checked = simulate_value(sc.game, best_t, streams, check, "timing.check");
  TimingValueRow row = checked;
  row.replication = replication;
  row.purpose = 2;
  run.events += row.events;
  run.fingerprint = sim::mix64(run.fingerprint, row.fingerprint);
  out.values.push_back(row);
  run.value_checked = checked.value;
  run.value_checked_se = checked.standard_error;
  run.value_theory_found = timing_value(sc.game, best_t);
  return out;
}

}  // namespace cyberdeter::models::games
