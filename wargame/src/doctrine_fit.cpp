// Fitting a doctrine to a player's answers (doctrine_fit.hpp).
//
// Only where the thresholds fall among the sorted case strengths matters, and the
// candidates (resolve, start's thresholds, the midpoints between consecutive distinct z and
// max z + 0.05, all at least resolve) reach every such placement. The number of answers
// reproduced is a sum of one term per threshold, and so is the distance to start, so the
// best ordered chain is found exactly by a dynamic programme over the candidates, in
// O(n log n + rungs · candidates), instead of by a search over all triples.

#include "cyberdeter/wargame/doctrine_fit.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/sim/check.hpp"

namespace cyberdeter::wargame {

using namespace models::deterrence;
namespace {

constexpr std::array<Rung, 3> public_rungs{Rung::attribute, Rung::coordinate, Rung::sanction};
constexpr double above_largest = 0.05;  // the highest candidate is max z + this

std::size_t index(Rung k) noexcept { return static_cast<std::size_t>(k); }

std::size_t count_reproduced(std::span<const PlayedResponse> answers, const Doctrine& d,
                             double resolve) {
  return static_cast<std::size_t>(
      std::count_if(answers.begin(), answers.end(), [&](const PlayedResponse& a) {
        return respond_available(d, resolve, a.case_strength, a.enabled) == a.chosen;
      }));
}

// A choice of thresholds: answers it reproduces (more is better), then its distance to
// the start doctrine (less is better).
struct Score {
  std::ptrdiff_t reproduced = 0;
  double distance = 0.0;
};

// Distances summed in different orders may differ in the last bits; those are ties.
bool better(const Score& a, const Score& b) noexcept {
  if (a.reproduced != b.reproduced) return a.reproduced > b.reproduced;
  return a.distance < b.distance - 1e-12 * (1.0 + std::abs(a.distance) + std::abs(b.distance));
}

bool ordered(double resolve, const std::vector<double>& thresholds) noexcept {
  double lower = resolve;
  for (const double t : thresholds) {
    if (t < lower) return false;
    lower = t;
  }
  return true;
}

// The doctrine enabling exactly the `used` rungs (escalating) at `thresholds`; the other
// rungs keep start's thresholds, clamped between their neighbours so the chain holds.
Doctrine assemble(const Doctrine& start, double resolve, const std::vector<Rung>& used,
                  const std::vector<double>& thresholds) {
  Doctrine d = start;
  double lower = resolve;
  std::size_t next = 0;  // the first used rung not yet placed
  for (const Rung k : public_rungs) {
    RungPolicy& p = d.rung(k);
    if (next < used.size() && used[next] == k) {
      p = {true, thresholds[next++]};
    } else {
      const double upper = next < used.size() ? thresholds[next] : infinity;
      p = {false, std::min(std::max(start.rung(k).threshold, lower), upper)};
    }
    lower = p.threshold;
  }
  return d;
}

// The thresholds of the `used` rungs that reproduce the most answers (see the top).
std::vector<double> best_thresholds(std::span<const PlayedResponse> answers, const Doctrine& start,
                                    double resolve, const std::vector<Rung>& used) {
  const std::size_t n = answers.size();
  const std::size_t e = used.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return answers[a].case_strength < answers[b].case_strength;
  });
  std::vector<double> z(n);
  for (std::size_t m = 0; m < n; ++m) z[m] = answers[order[m]].case_strength;

  std::vector<double> candidates{resolve};
  for (const Rung k : public_rungs) candidates.push_back(start.rung(k).threshold);
  for (std::size_t m = 1; m < n; ++m) {
    if (z[m] == z[m - 1]) continue;
    // Between neighbouring doubles the midpoint rounds down to z[m-1]; z[m] splits them.
    const double mid = std::midpoint(z[m - 1], z[m]);
    candidates.push_back(mid > z[m - 1] ? mid : z[m]);
  }
  candidates.push_back(z.back() + above_largest);
  for (double& c : candidates) c = std::max(c, resolve);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const std::size_t c = candidates.size();

  // An answer is at level L (0..e) when it reaches the thresholds of used[0..L-1] only.
  // prefix[L][m]: how many of the m weakest answers the fit reproduces at level L.
  std::vector<std::vector<std::ptrdiff_t>> prefix(e + 1, std::vector<std::ptrdiff_t>(n + 1, 0));
  for (std::size_t level = 0; level <= e; ++level) {
    for (std::size_t m = 0; m < n; ++m) {
      const PlayedResponse& a = answers[order[m]];
      Rung given = Rung::none;
      if (a.case_strength >= resolve) {
        for (std::size_t j = level; j-- > 0;) {
          if (a.enabled[index(used[j])]) {
            given = used[j];
            break;
          }
        }
      }
      prefix[level][m + 1] = prefix[level][m] + (given == a.chosen ? 1 : 0);
    }
  }

  // With split(u) the number of answers below u, thresholds u_1 <= ... <= u_e reproduce
  //   Σ_L prefix[L][split(u_L+1)] − prefix[L][split(u_L)]   (split(u_0) = 0, split(u_e+1) = n)
  //   = prefix[e][n] + Σ_j prefix[j−1][split(u_j)] − prefix[j][split(u_j)]:
  // one term per threshold. Backwards over the rungs, best[i] is the best score of the
  // thresholds from this rung up with this one at a candidate >= candidates[i], and
  // choice[j][i] that candidate (the lowest on ties).
  std::vector<std::size_t> split(c);
  for (std::size_t i = 0; i < c; ++i) {
    split[i] =
        static_cast<std::size_t>(std::lower_bound(z.begin(), z.end(), candidates[i]) - z.begin());
  }
  std::vector<Score> above(c);  // best[] of the rung above; zero above the last
  std::vector<std::vector<std::size_t>> choice(e, std::vector<std::size_t>(c));
  for (std::size_t j = e; j-- > 0;) {
    const double target = start.rung(used[j]).threshold;
    std::vector<Score> best(c);
    for (std::size_t i = c; i-- > 0;) {
      const Score here{prefix[j][split[i]] - prefix[j + 1][split[i]] + above[i].reproduced,
                       std::abs(candidates[i] - target) + above[i].distance};
      if (i + 1 < c && better(best[i + 1], here)) {
        best[i] = best[i + 1];
        choice[j][i] = choice[j][i + 1];
      } else {
        best[i] = here;
        choice[j][i] = i;
      }
    }
    above = std::move(best);
  }

  std::vector<double> thresholds(e);
  std::size_t i = 0;
  for (std::size_t j = 0; j < e; ++j) {
    i = choice[j][i];
    thresholds[j] = candidates[i];
  }
  CYBERDETER_CHECK(
      e == 0 || static_cast<std::size_t>(prefix[e][n] + above[0].reproduced) ==
                    count_reproduced(answers, assemble(start, resolve, used, thresholds), resolve),
      "the programme's count is the doctrine's");
  return thresholds;
}

}  // namespace

Rung respond_available(const Doctrine& doctrine, double resolve, double z,
                       const std::array<bool, rung_count>& available) noexcept {
  Doctrine d = doctrine;
  for (const Rung k : public_rungs) d.rung(k).enabled = d.rung(k).enabled && available[index(k)];
  return respond(d, resolve, z);
}

DoctrineFit fit_doctrine(std::span<const PlayedResponse> answers, const Doctrine& start,
                         double resolve) {
  DoctrineFit fit;
  fit.doctrine = start;
  fit.total = answers.size();
  if (answers.empty()) return fit;
  fit.reproduced_by_start = count_reproduced(answers, start, resolve);
  fit.clamped = std::any_of(answers.begin(), answers.end(), [&](const PlayedResponse& a) {
    return a.chosen != Rung::none && a.case_strength < resolve;
  });

  // Every set of enabled rungs, each with its best thresholds: the most answers reproduced,
  // then the fewest rungs switched on or off against start, then the nearest thresholds.
  // A session played by the doctrine itself thus gives back the doctrine.
  std::vector<Rung> used;
  std::vector<double> thresholds;
  std::size_t best_reproduced = 0;
  std::size_t best_flips = 0;
  double best_distance = 0.0;
  bool first = true;
  for (unsigned mask = 0; mask < 8; ++mask) {
    std::vector<Rung> trial;
    std::size_t flips = 0;
    for (std::size_t j = 0; j < public_rungs.size(); ++j) {
      const bool on = (mask >> j) & 1u;
      if (on) trial.push_back(public_rungs[j]);
      if (on != start.rung(public_rungs[j]).enabled) ++flips;
    }
    std::vector<double> t = best_thresholds(answers, start, resolve, trial);
    const std::size_t reproduced =
        count_reproduced(answers, assemble(start, resolve, trial, t), resolve);
    double distance = 0.0;
    for (std::size_t j = 0; j < trial.size(); ++j) {
      distance += std::abs(t[j] - start.rung(trial[j]).threshold);
    }
    const bool wins =
        first || reproduced > best_reproduced ||
        (reproduced == best_reproduced &&
         (flips < best_flips || (flips == best_flips && distance < best_distance - 1e-12)));
    if (wins) {
      used = std::move(trial);
      thresholds = std::move(t);
      best_reproduced = reproduced;
      best_flips = flips;
      best_distance = distance;
      first = false;
    }
  }

  // Round to 3 decimals for readability where that loses no answer; start's own
  // thresholds stay as written.
  const std::size_t reproduced =
      count_reproduced(answers, assemble(start, resolve, used, thresholds), resolve);
  for (std::size_t j = 0; j < used.size(); ++j) {
    const double rounded = std::round(thresholds[j] * 1000.0) / 1000.0;
    if (rounded == thresholds[j] || thresholds[j] == start.rung(used[j]).threshold) continue;
    std::vector<double> trial = thresholds;
    trial[j] = rounded;
    if (ordered(resolve, trial) &&
        count_reproduced(answers, assemble(start, resolve, used, trial), resolve) == reproduced) {
      thresholds = std::move(trial);
    }
  }

  fit.doctrine = assemble(start, resolve, used, thresholds);
  fit.reproduced = count_reproduced(answers, fit.doctrine, resolve);
  CYBERDETER_CHECK(fit.reproduced == reproduced, "rounding lost no answer");
  CYBERDETER_CHECK(resolve <= fit.doctrine.attribute.threshold &&
                       fit.doctrine.attribute.threshold <= fit.doctrine.coordinate.threshold &&
                       fit.doctrine.coordinate.threshold <= fit.doctrine.sanction.threshold,
                   "the fitted thresholds are ordered");
  return fit;
}

JoinFit fit_joining(std::span<const PlayedJoin> answers, double join_alignment, double max_factor) {
  JoinFit fit;
  fit.total = answers.size();
  for (const PlayedJoin& a : answers) {
    fit.joined += a.joined ? 1 : 0;
    fit.expected += a.p_model;
  }
  fit.expected_fitted = fit.expected;
  if (answers.empty()) return fit;
  constexpr double lowest = 0.05;
  const double highest = std::max(lowest, max_factor);
  auto logit = [](double p) {
    p = std::clamp(p, 1e-12, 1.0 - 1e-12);
    return std::log(p / (1.0 - p));
  };
  auto p_at = [&](const PlayedJoin& a, double f) {
    return 1.0 / (1.0 + std::exp(-(logit(a.p_model) + join_alignment * a.alignment * (f - 1.0))));
  };
  // The derivative of the log-likelihood in f, decreasing: its root by bisection.
  auto slope = [&](double f) {
    double g = 0.0;
    for (const PlayedJoin& a : answers) {
      g += ((a.joined ? 1.0 : 0.0) - p_at(a, f)) * join_alignment * a.alignment;
    }
    return g;
  };
  double f = 1.0;
  if (slope(highest) >= 0.0) {
    f = highest;
    fit.at_bound = true;
  } else if (slope(lowest) <= 0.0) {
    f = lowest;
    fit.at_bound = true;
  } else {
    double lo = lowest, hi = highest;
    for (int i = 0; i < 100; ++i) {
      const double mid = 0.5 * (lo + hi);
      (slope(mid) > 0.0 ? lo : hi) = mid;
    }
    f = 0.5 * (lo + hi);
  }
  fit.factor = std::round(f * 100.0) / 100.0;  // as a sweep file writes it
  fit.factor = std::clamp(fit.factor, lowest, highest);
  fit.expected_fitted = 0.0;
  for (const PlayedJoin& a : answers) fit.expected_fitted += p_at(a, fit.factor);
  return fit;
}

}  // namespace cyberdeter::wargame
