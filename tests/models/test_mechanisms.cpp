// The mechanisms of docs/model.md that make the hypotheses of the studies answerable:
// what an attacker can observe of its own outcomes (§8.3), resilience and the programs'
// costs and limits (§5.5, §9.3), scheduled events (§10.3) and the attack margin (§13).
#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/sim/random.hpp"
#include "cyberdeter/sim/time.hpp"
#include "deterrence_world.hpp"

using namespace cyberdeter::models::deterrence;
using testing::Collect;
using testing::world;

namespace {

RunResult run(const Scenario& sc, std::uint64_t replication, Collect& sink) {
  return run_replication(sc, replication, sink, RunOptions{true, true});
}

// Days as the engine holds them (whole seconds).
double on_tick(double days) { return cyberdeter::sim::to_days(cyberdeter::sim::to_ticks(days)); }

Program program(ProgramKind kind, std::size_t owner, std::size_t beneficiary) {
  Program p;
  p.kind = kind;
  p.owner = owner;
  p.beneficiary = beneficiary;
  p.start_day = 0;
  p.end_day = infinity;
  return p;
}

// The first detected operation (in detection time) of `attacker` against `victim` from `day`.
const IncidentRow* first_detected(const Collect& sink, std::uint32_t attacker, std::uint32_t victim,
                                  double day) {
  const IncidentRow* best = nullptr;
  for (const auto& i : sink.incidents) {
    if (i.attacker != attacker || i.victim != victim || !i.detected || i.detected_day < day) {
      continue;
    }
    if (best == nullptr || i.detected_day < best->detected_day) best = &i;
  }
  return best;
}

}  // namespace

TEST_CASE(
    "an attacker learns 'not named' when its silence window ends, not at a judgement "
    "it cannot see",
    "[model][learning]") {
  Scenario sc = world();
  sc.attackers[0].silence_days = 90;
  sc.attackers[1].silence_days = 90;
  Collect sink;
  const RunResult r = run(sc, 0, sink);
  std::size_t quiet = 0, named = 0, late = 0;
  for (const auto& i : sink.incidents) {
    if (i.landed_day < 0 || i.landed_day + 90 > sc.run.horizon_days) continue;
    INFO("incident " << i.incident);
    REQUIRE(i.learned_day >= 0.0);
    const bool named_rightly = i.response_day >= 0.0 && i.correct;
    if (named_rightly) {
      // Named publicly for it: learned then, whether or not its silence had ended before.
      CHECK(i.learned_named);
      CHECK(i.learned_day == i.response_day);
      ++named;
      if (i.response_day > i.landed_day + 90) ++late;
    } else if (i.response_day >= 0.0) {
      // Another was named for it: it sees the statement (or its silence ended first).
      CHECK_FALSE(i.learned_named);
      CHECK(i.learned_day == std::min(i.response_day, on_tick(i.landed_day + 90)));
    } else {
      // Nothing public: counted when the silence ends, whatever the judgement said and
      // whenever it was made (a quiet judgement is invisible to the attacker).
      CHECK_FALSE(i.learned_named);
      CHECK(i.learned_day == Approx(i.landed_day + 90).margin(1e-4));
      ++quiet;
    }
  }
  CHECK(quiet > 100);
  CHECK(named > 10);
  CHECK(late > 0);  // some namings came after the silence: the count was revised
  // Conservation: every learned operation counts exactly once in P̂_attr of its target.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<double, double>> learned;
  for (const auto& i : sink.incidents) {
    if (i.learned_day < 0.0) continue;
    auto& [n, named_count] = learned[{i.attacker, i.victim}];
    n += 1.0;
    if (i.learned_named) named_count += 1.0;
  }
  for (const BeliefRow& b : r.beliefs) {
    const Prior& prior = sc.attackers[b.attacker].prior;
    const auto [n, named_count] = learned[{b.attacker, b.state}];
    INFO("attacker " << b.attacker << " target " << b.state);
    CHECK(b.p_attributed ==
          Approx((prior.attributed + named_count) / (prior.attributed + prior.not_attributed + n))
              .epsilon(1e-12));
  }
}

TEST_CASE("slower attribution weakens deterrence once attackers learn only what they see",
          "[model][learning][statistics]") {
  // H3's mechanism: with the silence window, a slower judgement only delays (or, past the
  // window, misses) the namings an attacker learns from, so attacks rise with the delay.
  Scenario fast = world();
  for (auto& s : fast.states) {
    s.attribution_accuracy = 0.95;
    s.doctrine.attribute = {true, 0.05};
    s.resolve = 0.05;
  }
  Scenario slow = fast;
  for (auto& s : slow.states) s.attribution_days = 400;
  for (auto& s : fast.states) s.attribution_days = 20;
  double diff = 0.0, diff2 = 0.0;
  const std::uint64_t n = 20;
  for (std::uint64_t rep = 0; rep < n; ++rep) {
    RunSink none;
    const double a = static_cast<double>(run_replication(fast, rep, none).run.launched_by_kind[0]);
    const double b = static_cast<double>(run_replication(slow, rep, none).run.launched_by_kind[0]);
    diff += b - a;
    diff2 += (b - a) * (b - a);
  }
  const double count = static_cast<double>(n);
  const double mean = diff / count;
  const double sd = std::sqrt((diff2 - count * mean * mean) / (count - 1));
  INFO("slow - fast: " << mean << " state-sponsored launches (sd " << sd << ")");
  CHECK(mean - 3.0 * sd / std::sqrt(count) > 0.0);  // more attacks when attribution is slow
}

TEST_CASE(
    "resilience takes its share of damage and recovery, and what a program retains "
    "fades",
    "[model][resilience]") {
  Scenario sc = world();
  sc.run.horizon_days = 3000;
  sc.states[0].resilience = 0.1;
  sc.states[0].recovery_days = 40;
  sc.attackers[0].disruption = 1.0;  // the state group's gain is the victim's disruption
  Program drill = program(ProgramKind::exercise, 0, 0);
  drill.start_day = 500;
  drill.end_day = 800;
  drill.detection_multiplier = 1.0;
  drill.resilience = 0.4;
  drill.retained = 0.5;
  drill.retention_days = 200;
  sc.programs.push_back(drill);
  Collect sink;
  const RunResult r = run(sc, 0, sink);
  std::size_t inside = 0, after = 0;
  double apt_gain = 0.0;
  for (const auto& i : sink.incidents) {
    if (i.landed_day < 0) continue;
    double expected = 0.0;
    if (i.victim == 0) {
      double layer = 0.0;
      if (i.landed_day >= 500 && i.landed_day < 800) {
        layer = 0.4;
        ++inside;
      } else if (i.landed_day >= 800) {
        layer = 0.4 * 0.5 * std::exp2(-(i.landed_day - 800) / 200);
        ++after;
      }
      expected = 1.0 - 0.9 * (1.0 - layer);
    }
    INFO("incident " << i.incident << " landed " << i.landed_day);
    CHECK(i.resilience == Approx(expected).epsilon(1e-12));
    CHECK(i.damage == Approx(i.severity * (1.0 - i.resilience)).epsilon(1e-12));
    if (i.success) {
      CHECK(i.recovery_days ==
            Approx(sc.states[i.victim].recovery_days * (1.0 - i.resilience)).epsilon(1e-12));
    } else {
      CHECK(i.recovery_days == 0.0);
    }
    if (i.attacker == 0) apt_gain += i.severity * (1.0 - i.resilience);
  }
  CHECK(inside > 5);
  CHECK(after > 5);
  CHECK(r.attackers[0].gain == Approx(apt_gain));
  double damage = 0.0;
  for (const auto& i : sink.incidents) {
    if (i.victim == 0 && i.landed_day >= 0) damage += i.damage;
  }
  CHECK(r.states[0].counts.damage == Approx(damage));
  CHECK(r.states[0].final_resilience ==
        Approx(1.0 - 0.9 * (1.0 - 0.2 * std::exp2(-(3000.0 - 800.0) / 200.0))));
}

TEST_CASE("a disruptive attacker weighs the victim's resilience; a spy does not",
          "[model][resilience]") {
  Attacker a;
  a.capability = 1.0;
  Belief b;
  // evaluate() takes the gain as the model computes it: the disruptive share times 1 − r.
  const double gain = 10.0, r = 0.3;
  for (const double disruption : {0.0, 0.5, 1.0}) {
    const double expected = gain * (1.0 - disruption * r);
    CHECK(evaluate(a, b, 0.0, expected).gain == expected);
  }
  // Through the model: a sabotage group facing a resilient victim attacks it less.
  Scenario plain = world();
  plain.attackers[0].disruption = 1.0;
  plain.attackers[0].operation_cost = 2.5;
  Scenario resilient = plain;
  resilient.states[0].resilience = 0.5;
  // Its own launches on the resilient victim (the criminal, who steals, is not deterred).
  const auto launches = [](const Scenario& sc) {
    std::uint64_t n = 0;
    for (std::uint64_t rep = 0; rep < 5; ++rep) {
      Collect sink;
      run_replication(sc, rep, sink, RunOptions{true, false});
      for (const auto& i : sink.incidents) n += i.attacker == 0 && i.victim == 0 ? 1 : 0;
    }
    return n;
  };
  const std::uint64_t on_plain = launches(plain), on_resilient = launches(resilient);
  INFO(on_plain << " launches on the plain victim, " << on_resilient << " on the resilient one");
  CHECK(on_resilient * 10 < on_plain * 9);  // more than 10 % fewer attacks on it
}

TEST_CASE(
    "exercises do not stack, capacity building stops at its ceiling, programs cost "
    "their owner",
    "[model][programs]") {
  Scenario sc = world();
  sc.run.horizon_days = 1826.25;  // five years
  for (const double multiplier : {2.0, 3.0}) {
    Program e = program(ProgramKind::exercise, 0, 0);
    e.end_day = infinity;  // still running at the end
    e.detection_multiplier = multiplier;
    e.cost_per_year = 10.0;
    sc.programs.push_back(e);
  }
  Program partner = program(ProgramKind::capacity_building, 0, 1);
  partner.rate = 1.0;  // doubles a year: without a ceiling, x32 in five years
  partner.detection_bound = 1.5;
  partner.bound = 0.5;
  partner.end_day = 365.25;
  partner.cost_per_year = 4.0;
  sc.programs.push_back(partner);
  RunSink none;
  const RunResult r = run_replication(sc, 0, none);
  // Both exercises run: the larger multiplier, not the product.
  CHECK(r.states[0].final_detection_rate == Approx(0.02 * 3.0));
  CHECK(r.states[1].final_detection_rate == Approx(0.02 * 1.5));
  // Each exercise 10 VU a year for five years; the partnership 4 VU for its year, paid by
  // its owner (state 0), not by its beneficiary.
  CHECK(r.states[0].program_cost == Approx(2 * 10.0 * 5.0 + 4.0 * 1.0));
  CHECK(r.states[1].program_cost == 0.0);
  CHECK(r.run.program_cost == Approx(r.states[0].program_cost));
}

TEST_CASE("a scheduled sanction on a day names, costs and teaches as a response would",
          "[model][scheduled]") {
  Scenario sc = world();
  for (auto& s : sc.states) {  // nobody names anyone but the scheduled act
    s.doctrine.attribute.enabled = false;
    s.doctrine.coordinate.enabled = false;
  }
  ScheduledEvent e;
  e.name = "demonstration";
  e.state = 0;
  e.action = ScheduledAction::sanction;
  e.target = 0;
  e.signers = {1};
  e.day = 1000;
  sc.scheduled.push_back(e);
  Scenario off = sc;
  off.scheduled[0].enabled = false;
  Collect with_sink, without_sink;
  const RunResult with = run(sc, 2, with_sink);
  const RunResult without = run(off, 2, without_sink);
  CHECK(with.run.total.scheduled_acts == 1);
  CHECK(with.states[0].counts.scheduled_acts == 1);
  CHECK(without.run.total.scheduled_acts == 0);
  CHECK(with.attackers[0].named == 1);
  CHECK(without.attackers[0].named == 0);
  // Its own stream: everything before the act is the same, decision by decision.
  std::size_t compared = 0;
  for (std::size_t i = 0; i < without_sink.choices.size(); ++i) {
    if (without_sink.choices[i].day >= 1000) break;
    REQUIRE(with_sink.choices[i].utility == without_sink.choices[i].utility);
    ++compared;
  }
  CHECK(compared > 100);
  // The costs: ρ 2^β for the statement of two signers, and σ (w_0 + w_1) T for a duration
  // T drawn from the event's own stream ("scheduled", 0) with the sanctioning state's mean.
  const Attacker& apt = sc.attackers[0];
  CHECK(with.attackers[0].reputation_cost ==
        Approx(apt.reputation_cost * std::pow(2.0, apt.coalition_exponent)));
  auto stream = cyberdeter::sim::StreamFactory(cyberdeter::sim::RunId{sc.run.seed, 2, {}})
                    .stream(cyberdeter::sim::StreamKey("scheduled", 0));
  const double days = stream.exponential(1.0 / sc.states[0].doctrine.sanction_days);
  const double weight = sc.states[0].economy + sc.states[1].economy;
  CHECK(with.attackers[0].sanction_cost == Approx(apt.sanction_cost * weight * days));
  CHECK(with.states[0].counts.sanctions_imposed == 1);
  CHECK(with.run.sanction_cost == Approx(with.attackers[0].sanction_cost));
}

TEST_CASE("a scheduled act on a condition fires once, at the first matching operation",
          "[model][scheduled]") {
  Scenario sc = world();
  ScheduledEvent e;
  e.state = 0;
  e.action = ScheduledAction::attribute;
  e.target = 0;
  e.trigger = ScheduledTrigger::detected;
  e.after_day = 700;
  e.delay_days = 5;
  sc.scheduled.push_back(e);
  sc.states[0].doctrine.attribute.enabled = false;  // only the scheduled act names anyone
  sc.states[0].doctrine.coordinate.enabled = false;
  Collect sink;
  const RunResult r = run(sc, 0, sink);
  CHECK(r.run.total.scheduled_acts == 1);
  const IncidentRow* first = first_detected(sink, 0, 0, 700);
  REQUIRE(first != nullptr);
  // The culprit learns it was named for that very operation, when the act came.
  CHECK(first->learned_named);
  CHECK(first->learned_day == Approx(first->detected_day + 5).margin(1e-4));
  std::size_t named = 0;
  for (const auto& i : sink.incidents) named += i.learned_named && i.victim == 0 ? 1 : 0;
  CHECK(named == 1);
}

TEST_CASE("a disclosure burns the scarce stock and lowers the capability for its duration",
          "[model][scheduled]") {
  Scenario sc = world();
  sc.attackers[0].scarce.enabled = true;
  sc.attackers[0].scarce.stock = 3;
  sc.attackers[0].scarce.max_stock = 3;
  sc.attackers[0].scarce.persistence = 1.0;
  sc.attackers[0].scarce.stealth = 1.0;  // capabilities survive their use
  sc.attackers[0].scarce.threshold = 0.0;
  ScheduledEvent e;
  e.state = 0;
  e.action = ScheduledAction::disclose;
  e.target = 0;
  e.day = 800;
  e.capability_loss = 1.0;  // nothing succeeds while it re-tools
  e.duration_days = 300;
  sc.scheduled.push_back(e);
  Collect sink;
  const RunResult r = run(sc, 0, sink);
  CHECK(r.attackers[0].disclosed == 1);
  CHECK(r.attackers[0].stock == 0);  // burned, and no arrivals to refill it
  std::size_t before = 0;
  for (const auto& i : sink.incidents) {
    if (i.attacker != 0 || i.landed_day < 0) continue;
    CHECK(i.decided_day < 800);  // an empty stock decides nothing after the disclosure
    ++before;
  }
  CHECK(before > 10);
}

TEST_CASE("the attack margin is the mean best EU and holding probability of the decisions",
          "[model][margin]") {
  Scenario sc = world();
  sc.run.horizon_days = 1000;
  Collect sink;
  const RunResult r = run(sc, 1, sink);
  for (std::uint32_t a = 0; a < 2; ++a) {
    std::map<std::uint64_t, std::pair<double, double>> decisions;  // best EU, P(act)
    std::map<std::uint64_t, double> day;
    for (const auto& c : sink.choices) {
      if (c.attacker != a) continue;
      auto& [best, act] = decisions.try_emplace(c.decision, -infinity, 0.0).first->second;
      best = std::max(best, c.utility);
      act += c.probability;
      day[c.decision] = c.day;
    }
    double margin = 0.0, hold = 0.0, final_margin = 0.0;
    std::size_t final_n = 0;
    for (const auto& [k, v] : decisions) {
      margin += v.first;
      hold += 1.0 - v.second;
      if (day[k] >= on_tick(1000 - 365.25)) {
        final_margin += v.first;
        ++final_n;
      }
    }
    const AttackerRow& row = r.attackers[a];
    INFO("attacker " << a);
    CHECK(row.decisions == decisions.size());
    CHECK(row.decisions == row.opportunities);  // no scarce stock: every opportunity decides
    const auto count = static_cast<double>(decisions.size());
    CHECK(row.margin_mean == Approx(margin / count));
    CHECK(row.p_none_mean == Approx(hold / count).margin(1e-12));
    CHECK(row.decisions_final == final_n);
    CHECK(row.margin_final == Approx(final_margin / static_cast<double>(final_n)));
  }
}

TEST_CASE("a statement's content sets what a naming costs: separate statements, weights, evidence",
          "[model][scheduled][statement]") {
  Scenario sc = world();
  for (auto& s : sc.states) {  // nobody names anyone but the scheduled act
    s.doctrine.attribute.enabled = false;
    s.doctrine.coordinate.enabled = false;
  }
  ScheduledEvent e;
  e.state = 0;
  e.action = ScheduledAction::coordinate;
  e.target = 0;
  e.day = 1000;
  sc.scheduled.push_back(e);
  const Attacker& apt = sc.attackers[0];
  const double beta = apt.coalition_exponent;
  auto cost = [](const Scenario& s) {
    Collect sink;
    return run(s, 1, sink).attackers[0].reputation_cost;
  };
  // A co-signer counts one; a separate statement 1 − d; evidence multiplies by 1 + γ_e e.
  Scenario cosigned = sc;
  cosigned.scheduled[0].signers = {1};
  CHECK(cost(cosigned) == Approx(apt.reputation_cost * std::pow(2.0, beta)));
  Scenario split = sc;
  split.scheduled[0].separate = {1};
  split.calibration.split_discount = 0.5;
  CHECK(cost(split) == Approx(apt.reputation_cost * std::pow(1.5, beta)));
  Scenario evidence = cosigned;
  evidence.scheduled[0].evidence = 0.5;
  evidence.calibration.evidence_weight = 2.0;
  CHECK(cost(evidence) == Approx(apt.reputation_cost * std::pow(2.0, beta) * 2.0));
  // Weighted by economy: the ally (0.2) counts four leads (0.05).
  Scenario weighted = cosigned;
  weighted.calibration.signer_weight_share = 1.0;
  CHECK(cost(weighted) == Approx(apt.reputation_cost * std::pow(5.0, beta)));

  // The attacker learns the statement's force: after the act it expects more from a
  // naming with evidence than without, other things equal.
  auto expected_after = [](const Scenario& s) {
    Collect sink;
    run(s, 1, sink);
    for (const ChoiceRow& c : sink.choices) {
      if (c.day > 1000 && c.attacker == 0 && c.target == 0) return c.expected_cost_if_attributed;
    }
    return -1.0;
  };
  const double plain = expected_after(cosigned);
  const double more = expected_after(evidence);
  REQUIRE(plain > 0.0);
  CHECK(more > plain);
}

TEST_CASE("a doctrine's evidence is released in every public response and priced",
          "[model][statement]") {
  Scenario sc = world();
  sc.states[0].doctrine.evidence = 0.4;
  sc.calibration.evidence_weight = 1.5;
  Collect sink;
  run(sc, 0, sink);
  std::size_t public_responses = 0, joint = 0, alone = 0;
  const Attacker& apt = sc.attackers[0];
  for (const IncidentRow& i : sink.incidents) {
    if (i.victim != 0 || i.rung_final == 0 || i.named != 0) continue;
    ++public_responses;
    CHECK(i.evidence == 0.4);
    CHECK(i.separate == 0);
    CHECK(i.reputation_cost ==
          Approx(apt.reputation_cost *
                 std::pow(static_cast<double>(i.signers), apt.coalition_exponent) * 1.6));
    if (i.invited > 0) {
      CHECK(i.statement == (i.signers > 1 ? 1 : 3));
      (i.signers > 1 ? joint : alone) += 1;
    } else {
      CHECK(i.statement == 0);
    }
  }
  CHECK(public_responses > 5);
  CHECK(joint > 0);
  // The other victim releases nothing: its namings cost ρ k^β as before.
  for (const IncidentRow& i : sink.incidents) {
    if (i.victim == 1 && i.rung_final > 0) CHECK(i.evidence == 0.0);
  }
}
