// Fitting a doctrine to a player's answers: exact cases and properties on random answers.
#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/wargame/doctrine_fit.hpp"

using namespace cyberdeter;
using namespace cyberdeter::models::deterrence;
using namespace cyberdeter::wargame;

namespace {

constexpr std::array<Rung, 3> public_rungs{Rung::attribute, Rung::coordinate, Rung::sanction};
constexpr std::array<bool, rung_count> all_available{true, true, true, true};
constexpr std::array<bool, rung_count> no_sanction{true, true, true, false};

Doctrine doctrine(double attribute, double coordinate, double sanction, bool sanctions = true) {
  Doctrine d;
  d.attribute = {true, attribute};
  d.coordinate = {true, coordinate};
  d.sanction = {sanctions, sanction};
  return d;
}

PlayedResponse answer(double z, Rung chosen,
                      const std::array<bool, rung_count>& available = all_available) {
  return PlayedResponse{z, chosen, available};
}

// The answers `truth` gives at each z, every rung available.
std::vector<PlayedResponse> answers_of(const Doctrine& truth, double resolve,
                                       const std::vector<double>& zs) {
  std::vector<PlayedResponse> out;
  for (const double z : zs) out.push_back(answer(z, respond(truth, resolve, z)));
  return out;
}

// The loader's rule: resolve <= attribute <= coordinate <= sanction.
bool chain_holds(const Doctrine& d, double resolve) {
  return resolve <= d.attribute.threshold && d.attribute.threshold <= d.coordinate.threshold &&
         d.coordinate.threshold <= d.sanction.threshold;
}

std::size_t reproduced_by(const Doctrine& d, double resolve,
                          const std::vector<PlayedResponse>& answers) {
  std::size_t n = 0;
  for (const auto& a : answers) {
    if (respond_available(d, resolve, a.case_strength, a.enabled) == a.chosen) ++n;
  }
  return n;
}

// The most answers any doctrine enabling `enabled` reproduces, by trying every ordered
// triple of thresholds at resolve, at an answer's z or above them all.
std::size_t brute_force_best(const std::vector<PlayedResponse>& answers, double resolve,
                             const std::array<bool, rung_count>& enabled) {
  std::vector<double> values{resolve};
  double top = resolve;
  for (const auto& a : answers) {
    if (a.case_strength >= resolve) values.push_back(a.case_strength);
    top = std::max(top, a.case_strength);
  }
  values.push_back(top + 1.0);
  std::size_t best = 0;
  Doctrine d;
  for (const double ta : values) {
    for (const double tc : values) {
      for (const double ts : values) {
        if (!(ta <= tc && tc <= ts)) continue;
        d.attribute = {enabled[1], ta};
        d.coordinate = {enabled[2], tc};
        d.sanction = {enabled[3], ts};
        best = std::max(best, reproduced_by(d, resolve, answers));
      }
    }
  }
  return best;
}

}  // namespace

TEST_CASE("answers of a known doctrine are reproduced and its classes separated",
          "[doctrine_fit]") {
  const double resolve = 0.2;
  const Doctrine truth = doctrine(0.3, 0.6, 0.9);
  const auto answers =
      answers_of(truth, resolve, {0.05, 0.15, 0.25, 0.28, 0.35, 0.5, 0.62, 0.8, 0.91, 1.3});
  const Doctrine start = doctrine(0.45, 0.7, 1.1);
  const DoctrineFit fit = fit_doctrine(answers, start, resolve);
  CHECK(fit.total == answers.size());
  CHECK(fit.reproduced == answers.size());
  CHECK(fit.reproduced_by_start < answers.size());
  CHECK_FALSE(fit.clamped);
  CHECK(chain_holds(fit.doctrine, resolve));
  for (const Rung k : public_rungs) {
    INFO("rung " << to_string(k));
    const RungPolicy& p = fit.doctrine.rung(k);
    CHECK(p.enabled);
    double below = -infinity, at_or_above = infinity;
    for (const auto& a : answers) {
      if (a.chosen < k) below = std::max(below, a.case_strength);
      if (a.chosen >= k) at_or_above = std::min(at_or_above, a.case_strength);
    }
    CHECK(below < p.threshold);
    CHECK(p.threshold <= at_or_above);
  }
  // Start lies above each class boundary, so the fit takes the midpoint nearest to it.
  CHECK(fit.doctrine.attribute.threshold == Approx(0.315));
  CHECK(fit.doctrine.coordinate.threshold == Approx(0.56));
  CHECK(fit.doctrine.sanction.threshold == Approx(0.855));
  CHECK(fit.doctrine.sanction_days == start.sanction_days);
  CHECK(fit.doctrine.noise == start.noise);
}

TEST_CASE("the fit switches a rung on or off only when the answers need it", "[doctrine_fit]") {
  const double resolve = 0.2;
  SECTION("never sanctions: sanction stays on, above every case it declined") {
    const Doctrine start = doctrine(0.3, 0.6, 0.65);
    const std::vector<PlayedResponse> answers{
        answer(0.1, Rung::none),       answer(0.4, Rung::attribute),
        answer(0.7, Rung::attribute),  answer(0.8, Rung::coordinate),
        answer(1.2, Rung::coordinate), answer(1.5, Rung::coordinate)};
    const DoctrineFit fit = fit_doctrine(answers, start, resolve);
    CHECK(fit.reproduced == answers.size());
    CHECK(fit.doctrine.sanction.enabled);
    CHECK(fit.doctrine.sanction.threshold > 1.5);
    CHECK(fit.doctrine.coordinate.threshold == Approx(0.75));
    CHECK(chain_holds(fit.doctrine, resolve));
  }
  SECTION("a rung off in the scenario and never chosen stays off") {
    const Doctrine start = doctrine(0.3, 0.6, 0.65, false);
    const std::vector<PlayedResponse> answers{answer(0.4, Rung::attribute),
                                              answer(1.5, Rung::coordinate)};
    const DoctrineFit fit = fit_doctrine(answers, start, resolve);
    CHECK(fit.reproduced == answers.size());
    CHECK_FALSE(fit.doctrine.sanction.enabled);
    CHECK(chain_holds(fit.doctrine, resolve));
  }
  SECTION("sanctions once: sanction enabled at or below that case") {
    const Doctrine start = doctrine(0.3, 0.6, 1.0, false);
    const std::vector<PlayedResponse> answers{
        answer(0.1, Rung::none), answer(0.4, Rung::attribute), answer(0.7, Rung::coordinate),
        answer(0.95, Rung::coordinate), answer(1.1, Rung::sanction)};
    const DoctrineFit fit = fit_doctrine(answers, start, resolve);
    CHECK(fit.reproduced == answers.size());
    CHECK(fit.reproduced_by_start == answers.size() - 1);
    CHECK(fit.doctrine.sanction.enabled);
    CHECK(fit.doctrine.sanction.threshold <= 1.1);
    CHECK(fit.doctrine.sanction.threshold > 0.95);
    CHECK(fit.doctrine.sanction.threshold == 1.0);  // start's, which separates them
  }
  SECTION("never public where the doctrine would be: a rung it could use is switched off") {
    const Doctrine start = doctrine(0.3, 0.6, 0.9, false);
    // The attribute rung would have fired at 0.5 and 0.55; raising its threshold above
    // them keeps it on (no switch) and reproduces both, so it stays on, at 0.55 + 0.05.
    const std::vector<PlayedResponse> answers{answer(0.5, Rung::none), answer(0.55, Rung::none)};
    const DoctrineFit fit = fit_doctrine(answers, start, resolve);
    CHECK(fit.reproduced == answers.size());
    CHECK(fit.doctrine.attribute.enabled);
    CHECK(fit.doctrine.attribute.threshold > 0.55);
    CHECK(fit.doctrine.coordinate.enabled);
    CHECK_FALSE(fit.doctrine.sanction.enabled);
  }
  SECTION("a session answered by the doctrine gives back the doctrine") {
    const Doctrine start = doctrine(0.3, 0.6, 0.9, false);
    const auto answers = answers_of(start, resolve, {0.05, 0.15, 0.25, 0.35, 0.45, 0.58});
    const DoctrineFit fit = fit_doctrine(answers, start, resolve);
    CHECK(fit.reproduced == answers.size());
    for (const Rung k : public_rungs) {
      CHECK(fit.doctrine.rung(k).enabled == start.rung(k).enabled);
      CHECK(fit.doctrine.rung(k).threshold == start.rung(k).threshold);
    }
  }
}

TEST_CASE("answers consistent with the start doctrine give back its thresholds", "[doctrine_fit]") {
  const double resolve = 0.2;
  const Doctrine start = doctrine(0.3137, 0.6, 0.9);  // not rounded: kept as written
  const auto answers = answers_of(start, resolve, {0.1, 0.25, 0.4, 0.5, 0.7, 0.85, 1.0, 1.4});
  const DoctrineFit fit = fit_doctrine(answers, start, resolve);
  CHECK(fit.reproduced == answers.size());
  CHECK(fit.reproduced_by_start == answers.size());
  for (const Rung k : public_rungs) {
    CHECK(fit.doctrine.rung(k).enabled);
    CHECK(fit.doctrine.rung(k).threshold == start.rung(k).threshold);
  }
}

TEST_CASE("one inconsistent answer costs exactly one", "[doctrine_fit]") {
  const double resolve = 0.2;
  const Doctrine truth = doctrine(0.3, 0.6, 0.9);
  auto answers = answers_of(truth, resolve, {0.1, 0.25, 0.35, 0.45, 0.5, 0.7, 0.8, 0.95, 1.2});
  REQUIRE(answers[4].chosen == Rung::attribute);
  answers[4].chosen = Rung::none;  // stays quiet at 0.5, yet named at 0.35 and 0.45
  const DoctrineFit fit = fit_doctrine(answers, doctrine(0.4, 0.5, 1.0), resolve);
  CHECK(fit.total == answers.size());
  CHECK(fit.reproduced == answers.size() - 1);
  CHECK(chain_holds(fit.doctrine, resolve));
  for (const Rung k : public_rungs) CHECK(fit.doctrine.rung(k).enabled);
}

TEST_CASE("answers given while a rung was unavailable do not count against it", "[doctrine_fit]") {
  const double resolve = 0.2;
  const Doctrine start = doctrine(0.3, 0.6, 0.9);
  std::vector<PlayedResponse> answers{
      answer(0.4, Rung::attribute), answer(0.7, Rung::coordinate), answer(0.95, Rung::sanction),
      answer(1.2, Rung::coordinate, no_sanction), answer(1.5, Rung::coordinate, no_sanction)};
  const DoctrineFit fit = fit_doctrine(answers, start, resolve);
  CHECK(fit.reproduced == answers.size());
  CHECK(fit.reproduced_by_start == answers.size());
  CHECK(fit.doctrine.sanction.enabled);
  CHECK(fit.doctrine.sanction.threshold <= 0.95);
  CHECK(fit.doctrine.sanction.threshold == 0.9);

  // Had sanctions been available, quiet coordination at 1.2 and 1.5 would contradict the
  // sanction at 0.95: the best doctrine then gives up that one.
  for (auto& a : answers) a.enabled = all_available;
  const DoctrineFit strict = fit_doctrine(answers, start, resolve);
  CHECK(strict.reproduced == answers.size() - 1);
  CHECK(strict.doctrine.sanction.threshold > 1.5);
  CHECK(chain_holds(strict.doctrine, resolve));
}

TEST_CASE("a public answer below resolve is clamped, not reproduced", "[doctrine_fit]") {
  const double resolve = 0.2;
  const std::vector<PlayedResponse> answers{
      answer(0.1, Rung::attribute), answer(0.4, Rung::attribute), answer(0.7, Rung::coordinate)};
  const DoctrineFit fit = fit_doctrine(answers, doctrine(0.3, 0.6, 0.9), resolve);
  CHECK(fit.clamped);
  CHECK(fit.reproduced == answers.size() - 1);
  CHECK(fit.doctrine.attribute.threshold >= resolve);
  CHECK(chain_holds(fit.doctrine, resolve));
  // Staying quiet below resolve is no clamping.
  const std::vector<PlayedResponse> quiet{answer(0.1, Rung::none), answer(0.4, Rung::attribute)};
  CHECK_FALSE(fit_doctrine(quiet, doctrine(0.3, 0.6, 0.9), resolve).clamped);
}

TEST_CASE("no answers leave the start doctrine unchanged", "[doctrine_fit]") {
  Doctrine start = doctrine(0.25, 0.5, 0.8, false);
  start.noise = 0.1;
  const DoctrineFit fit = fit_doctrine({}, start, 0.2);
  CHECK(fit.total == 0);
  CHECK(fit.reproduced == 0);
  CHECK(fit.reproduced_by_start == 0);
  CHECK_FALSE(fit.clamped);
  for (const Rung k : public_rungs) {
    CHECK(fit.doctrine.rung(k).enabled == start.rung(k).enabled);
    CHECK(fit.doctrine.rung(k).threshold == start.rung(k).threshold);
  }
  CHECK(fit.doctrine.noise == start.noise);
}

TEST_CASE("on random answers the fit is optimal and satisfies the loader's chain",
          "[doctrine_fit]") {
  std::mt19937_64 rng(20240607);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> rung(0, 3);
  std::uniform_int_distribution<std::size_t> size(1, 12);
  for (int set = 0; set < 200; ++set) {
    INFO("set " << set);
    const double resolve = 0.5 * unit(rng);
    std::array<double, 3> t{resolve + unit(rng), resolve + unit(rng), resolve + unit(rng)};
    std::sort(t.begin(), t.end());
    Doctrine start;
    start.attribute = {unit(rng) < 0.8, t[0]};
    start.coordinate = {unit(rng) < 0.8, t[1]};
    start.sanction = {unit(rng) < 0.5, t[2]};
    start.sanction_days = 100.0 + 1000.0 * unit(rng);
    start.noise = unit(rng);
    const bool always_available = set % 2 == 0;
    const bool coarse = set % 3 == 0;  // many equal case strengths

    std::vector<PlayedResponse> answers(size(rng));
    bool below_resolve = false;
    for (auto& a : answers) {
      a.case_strength = -0.2 + 1.8 * unit(rng);
      if (coarse) a.case_strength = std::round(a.case_strength * 5.0) / 5.0;
      a.chosen = static_cast<Rung>(rung(rng));
      if (!always_available) {
        for (std::size_t k = 1; k < rung_count; ++k) a.enabled[k] = unit(rng) < 0.7;
      }
      below_resolve = below_resolve || (a.chosen != Rung::none && a.case_strength < resolve);
    }

    const DoctrineFit fit = fit_doctrine(answers, start, resolve);
    CHECK(chain_holds(fit.doctrine, resolve));
    CHECK(fit.total == answers.size());
    CHECK(fit.reproduced == reproduced_by(fit.doctrine, resolve, answers));
    // The best over every set of enabled rungs; the start's switches when they do as well.
    std::size_t best = 0;
    for (unsigned mask = 0; mask < 8; ++mask) {
      best = std::max(
          best, brute_force_best(answers, resolve,
                                 {true, (mask & 1u) != 0, (mask & 2u) != 0, (mask & 4u) != 0}));
    }
    CHECK(fit.reproduced == best);
    const std::array<bool, rung_count> start_switches{
        true, start.attribute.enabled, start.coordinate.enabled, start.sanction.enabled};
    if (brute_force_best(answers, resolve, start_switches) == best) {
      for (const Rung k : public_rungs) {
        CHECK(fit.doctrine.rung(k).enabled == start.rung(k).enabled);
      }
    }
    CHECK(fit.reproduced_by_start == reproduced_by(start, resolve, answers));
    // With every rung always there, the start is one of the doctrines the fit weighs.
    if (always_available) CHECK(fit.reproduced >= fit.reproduced_by_start);
    CHECK(fit.clamped == below_resolve);
    CHECK(fit.doctrine.sanction_days == start.sanction_days);
    CHECK(fit.doctrine.noise == start.noise);
  }
}

TEST_CASE("fit_joining finds the alignment factor that made the answers", "[doctrine_fit]") {
  using cyberdeter::wargame::fit_joining;
  using cyberdeter::wargame::PlayedJoin;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double a = 6.0;  // japan_2015_2021's join_alignment
  for (const double truth : {0.5, 1.0, 1.4}) {
    std::vector<PlayedJoin> answers;
    for (int i = 0; i < 20000; ++i) {
      PlayedJoin j;
      j.alignment = 0.2 + 0.5 * u(rng);
      j.p_model = 0.1 + 0.8 * u(rng);
      const double x = std::log(j.p_model / (1.0 - j.p_model)) + a * j.alignment * (truth - 1.0);
      j.joined = u(rng) < 1.0 / (1.0 + std::exp(-x));
      answers.push_back(j);
    }
    const auto fit = fit_joining(answers, a, 1.0 / 0.7);
    CHECK(fit.factor == Approx(truth).margin(0.03));
    CHECK(!fit.at_bound);
    CHECK(fit.expected_fitted == Approx(static_cast<double>(fit.joined)).epsilon(0.02));
  }
  SECTION("the model's own answers give the factor 1; none, always and never give bounds") {
    CHECK(fit_joining({}, a, 2.0).factor == 1.0);
    std::vector<PlayedJoin> always(10, PlayedJoin{0.3, 0.5, true});
    const auto up = fit_joining(always, a, 2.0);
    CHECK(up.factor == 2.0);
    CHECK(up.at_bound);
    std::vector<PlayedJoin> never(10, PlayedJoin{0.3, 0.5, false});
    CHECK(fit_joining(never, a, 2.0).factor == 0.05);
    std::vector<PlayedJoin> half{{0.5, 0.5, true}, {0.5, 0.5, false}};
    CHECK(fit_joining(half, a, 2.0).factor == 1.0);
  }
}
