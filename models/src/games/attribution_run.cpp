// The event flow of the attribution game: one replication on the engine.
//
// Round k happens at day k. Within a round, events run in this order: the round (nature
// draws who has an opportunity, that attacker draws its benefit and decides), the signal
// (the defender sees it, retaliates or not against each attacker, and everyone learns),
// then, at the end of a trajectory block, the report. Each stochastic process has its own
// stream: who gets an opportunity, each attacker's benefits, each attacker's choices
// (logit or exploration draws), the signal, the defender's private cost for each attacker.
// Changing one attacker's parameters leaves every other stream's numbers unchanged.

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/sim/random.hpp"
#include "cyberdeter/sim/simulation.hpp"

namespace cyberdeter::models::games {
namespace {

namespace det = deterrence;

constexpr sim::Priority round_priority = 64;
constexpr sim::Priority signal_priority = 128;
constexpr sim::Priority report_priority = 224;

struct Event {
  enum class Kind : std::uint8_t { round, signal, report };
  std::uint64_t round = 0;
  std::uint32_t holder = 0;  // who had the opportunity; n for nobody
  Kind kind = Kind::round;
  bool attacked = false;
  /// A round event carries a digest of every earlier round's signal and retaliations, so
  /// that the trajectory hash (which sees only events) fingerprints what was drawn.
  std::uint64_t digest = 0;
  std::uint64_t trace_key() const noexcept {
    return digest ^ (std::uint64_t{holder} << 2) ^ (attacked ? 2u : 0u);
  }
};

using Sim = sim::Simulation<Event>;

double frequency(std::uint64_t part, std::uint64_t whole) noexcept {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole)
                   : std::numeric_limits<double>::quiet_NaN();
}

// Evidence after k observations when the prior is worth m pseudo-observations and the
// step exponent is κ: m^(1−κ) (m + k)^κ (m + k for κ = 1, Bayesian updating).
double evidence(double m, double k, double kappa) noexcept {
  return kappa == 1.0 ? m + k : std::pow(m, 1.0 - kappa) * std::pow(m + k, kappa);
}

// The attacker's estimate of P(retaliated | attacked) or P(retaliated | held back): the
// deterrence model's Beta belief (Belief::attributed / not_attributed, read as "retaliated
// against" / "not"), updated by observe_own. With κ < 1 the old evidence is discounted
// before each observation so that it totals evidence(m, k, κ) after k of them.
struct RetaliationBelief {
  det::Belief belief;
  double prior_weight = 1.0;
  std::uint64_t observations = 0;

  RetaliationBelief(double p, double weight) : prior_weight(weight) {
    belief.attributed = p * weight;
    belief.not_attributed = (1.0 - p) * weight;
  }
  double p() const noexcept { return belief.p_attributed(); }

  void observe(bool retaliated, double kappa) {
    ++observations;
    if (kappa != 1.0) {
      const auto k = static_cast<double>(observations);
      const double before = evidence(prior_weight, k - 1.0, kappa);
      const double scale = std::max(0.0, (evidence(prior_weight, k, kappa) - 1.0) / before);
      belief.attributed *= scale;
      belief.not_attributed *= scale;
    }
    det::Observation o;
    o.attributed = retaliated;
    det::observe_own(belief, o);
  }
};

struct AttackerState {
  RetaliationBelief if_attack;
  RetaliationBelief if_hold;
  sim::RandomStream benefit;
  sim::RandomStream choice;
  sim::RandomStream defender_cost;       // the defender's private cost of retaliating against it
  std::uint64_t opportunities_seen = 0;  // its opportunities so far, for experiments
  AttributionAttackerRow row;
  std::uint64_t block_opportunities = 0;
  std::uint64_t block_attacks = 0;
};

class AttributionModel {
 public:
  AttributionModel(const AttributionScenario& sc, const AttributionEquilibrium& eq,
                   const sim::StreamFactory& streams, std::uint64_t replication)
      : sc_(sc),
        game_(sc.game),
        eq_(eq),
        n_(game_.attacker_count()),
        signals_(game_.signal_count()),
        per_attacker_(game_.opportunity_probability / static_cast<double>(n_)),
        learning_(sc.mode == AttributionMode::learning),
        replication_(replication),
        opportunity_(streams.stream(sim::StreamKey("attribution.opportunity"))),
        signal_(streams.stream(sim::StreamKey("attribution.signal"))),
        posterior_(n_),
        retaliated_(n_) {
    for (std::uint32_t i = 0; i < n_; ++i) {
      const auto& l = sc.learning.attackers[i];
      attackers_.push_back(
          AttackerState{RetaliationBelief(l.retaliated_if_attack, l.weight),
                        RetaliationBelief(l.retaliated_if_hold, l.weight),
                        streams.stream(sim::StreamKey("attribution.benefit", i)),
                        streams.stream(sim::StreamKey("attribution.choice", i)),
                        streams.stream(sim::StreamKey("attribution.defender_cost", i)),
                        0,
                        {},
                        0,
                        0});
      auto& row = attackers_.back().row;
      row.replication = replication;
      row.attacker = i;
      row.attack_theory = eq.attack[i];
      row.cutoff_theory = eq.cutoff[i];
    }
    signal_rows_.resize(n_ * signals_);
    for (std::uint32_t i = 0; i < n_; ++i) {
      for (std::uint32_t s = 0; s < signals_; ++s) {
        auto& r = signal_rows_[i * signals_ + s];
        r.replication = replication;
        r.attacker = i;
        r.signal = s;
        r.p_guilty_theory = eq.posterior[i * signals_ + s];
        r.retaliation_theory = eq.retaliation[i * signals_ + s];
      }
    }
    // The defender's estimate b_j = (γ/n) â_j and its signal counts, worth `weight` rounds of
    // the signal distribution its initial estimate implies.
    estimate_.resize(n_);
    for (std::size_t j = 0; j < n_; ++j) {
      estimate_[j] = per_attacker_ * sc.learning.attackers[j].defender_belief;
    }
    std::vector<double> a(n_);
    for (std::size_t j = 0; j < n_; ++j) a[j] = sc.learning.attackers[j].defender_belief;
    counts_ = signal_probabilities(game_, a);
    for (double& c : counts_) c *= sc.learning.defender_weight;
    run_row_.replication = replication;
    run_row_.seed = streams.seed();
  }

  void start(Sim& s) {
    s.schedule_at(0, Event{0, 0, Event::Kind::round, false}, round_priority);
    schedule_report(s, 0);
  }

  void operator()(Sim& s, const Event& e) {
    switch (e.kind) {
      case Event::Kind::round: on_round(s, e.round); break;
      case Event::Kind::signal: on_signal(s, e); break;
      case Event::Kind::report: on_report(s, e.round); break;
    }
  }

  AttributionResult result(const Sim& s, std::uint64_t fingerprint) {
    AttributionResult r;
    run_row_.events = s.events_processed();
    run_row_.fingerprint = fingerprint;
    r.run = run_row_;
    for (std::size_t i = 0; i < n_; ++i) {
      auto& st = attackers_[i];
      st.row.attack_frequency = frequency(st.row.attacks, st.row.opportunities);
      st.row.cutoff = cutoff(i);
      r.attackers.push_back(st.row);
    }
    for (auto& row : signal_rows_) {
      row.p_guilty = frequency(row.guilty, row.rounds);
      row.retaliation_frequency = frequency(row.retaliations, row.rounds);
    }
    r.signals = signal_rows_;
    r.trajectory = std::move(trajectory_);
    return r;
  }

 private:
  static sim::Tick day(std::uint64_t round) noexcept {
    return sim::Periodic{0, sim::ticks_per_day}.at(round);
  }

  void schedule_report(Sim& s, std::uint64_t block) {
    const std::uint64_t last = std::min(sc_.rounds, (block + 1) * sc_.block_rounds()) - 1;
    s.schedule_at(day(last), Event{block, 0, Event::Kind::report, false}, report_priority);
  }

  // The cutoff attacker i uses now: x_i* with equilibrium knowledge, else w_i Δ̂_i.
  double cutoff(std::size_t i) const noexcept {
    if (!learning_) return eq_.cutoff[i];
    const auto& st = attackers_[i];
    return game_.attackers[i].retaliation_cost * (st.if_attack.p() - st.if_hold.p());
  }

  bool decide(std::uint32_t i, double benefit, double type) {
    auto& st = attackers_[i];
    ++st.opportunities_seen;
    // Experimentation: at its k-th opportunity, with probability ε0/√k, the attacker attacks
    // or holds back with equal probability whatever its benefit, so both of its beliefs keep
    // meeting evidence (without it a belief can lock in: docs/games.md).
    const double epsilon = sc_.learning.attackers[i].exploration;
    if (learning_ && epsilon > 0.0 &&
        st.choice.uniform() < epsilon / std::sqrt(static_cast<double>(st.opportunities_seen))) {
      return st.choice.uniform() < 0.5;
    }
    // A strict attacker with discrete benefits that plays the equilibrium may mix at the atom
    // equal to its cutoff: it attacks iff the rank of its draw, `type` (uniform on [0, 1)),
    // exceeds 1 − a_i, which is "iff x > x*" away from the atom.
    if (!learning_ && game_.attackers[i].benefit.is_discrete() &&
        std::isinf(game_.attackers[i].rationality)) {
      return type > 1.0 - eq_.attack[i];
    }
    // The deterrence model's choice rule between "no operation" (utility 0) and attacking.
    const double utility = benefit - cutoff(i);
    return det::choose(std::span<const double>(&utility, 1), game_.attackers[i].rationality,
                       st.choice) == 1;
  }

  void on_round(Sim& s, std::uint64_t k) {
    Event e{k, static_cast<std::uint32_t>(n_), Event::Kind::signal, false};
    const double u = opportunity_.uniform();
    if (u < game_.opportunity_probability) {
      const auto i = std::min(static_cast<std::uint32_t>(n_ - 1),
                              static_cast<std::uint32_t>(u / per_attacker_));
      double type = 0.0;
      const double x = game_.attackers[i].benefit.draw(attackers_[i].benefit, &type);
      e.holder = i;
      e.attacked = decide(i, x, type);
      if (e.attacked && k >= sc_.burn_in_rounds) attackers_[i].row.benefit += x;
    }
    s.schedule_at(s.now(), e, signal_priority);
  }

  std::uint32_t draw_signal(const std::vector<double>& pi) {
    const double u = signal_.uniform();
    double cumulative = 0.0;
    for (std::uint32_t sgn = 0; sgn + 1 < signals_; ++sgn) {
      cumulative += pi[sgn];
      if (u < cumulative) return sgn;
    }
    return static_cast<std::uint32_t>(signals_ - 1);
  }

  // Posteriors p_j^s under the defender's current estimate (learning mode).
  void learned_posteriors(std::uint32_t sgn, double* out) const {
    double mass = 0.0;
    double q = 0.0;
    for (std::size_t j = 0; j < n_; ++j) {
      mass += estimate_[j];
      q += estimate_[j] * game_.attackers[j].signal[sgn];
    }
    q += (1.0 - mass) * game_.nobody[sgn];
    for (std::size_t j = 0; j < n_; ++j) {
      out[j] = q > 0.0 ? std::min(1.0, estimate_[j] * game_.attackers[j].signal[sgn] / q) : 0.0;
    }
  }

  // The defender's update after seeing signal `sgn`: count it (discounting old counts when
  // κ < 1), then one EM step towards the maximum-likelihood estimate of the attack
  // probabilities given the counts: b_j <- Σ_s (n_s / N) p_j^s(b).
  void defender_learns(std::uint32_t sgn) {
    const double kappa = sc_.learning.step_exponent;
    ++defender_observations_;
    const double m = sc_.learning.defender_weight;
    if (kappa != 1.0) {
      const auto k = static_cast<double>(defender_observations_);
      const double scale =
          std::max(0.0, (evidence(m, k, kappa) - 1.0) / evidence(m, k - 1.0, kappa));
      for (double& c : counts_) c *= scale;
    }
    counts_[sgn] += 1.0;
    double total = 0.0;
    for (const double c : counts_) total += c;
    std::vector<double>& next = scratch_;
    next.assign(n_, 0.0);
    std::vector<double>& p = scratch_posterior_;
    p.resize(n_);
    for (std::uint32_t s = 0; s < signals_; ++s) {
      if (counts_[s] == 0.0) continue;
      learned_posteriors(s, p.data());
      for (std::size_t j = 0; j < n_; ++j) next[j] += counts_[s] / total * p[j];
    }
    for (std::size_t j = 0; j < n_; ++j) estimate_[j] = std::min(next[j], per_attacker_);
  }

  void on_signal(Sim& s, const Event& e) {
    const bool someone = e.attacked;
    const std::uint32_t sgn =
        draw_signal(someone ? game_.attackers[e.holder].signal : game_.nobody);
    const double* p = nullptr;
    if (learning_) {
      learned_posteriors(sgn, posterior_.data());
      p = posterior_.data();
    }
    const bool counted = e.round >= sc_.burn_in_rounds;
    bool anyone_hit = false;
    for (std::uint32_t j = 0; j < n_; ++j) {
      auto& st = attackers_[j];
      const double pj = learning_ ? p[j] : eq_.posterior[j * signals_ + sgn];
      // The defender's private cost of retaliating against j this round: it retaliates iff
      // its posterior reaches the cost, so r = P(c <= p). With discrete costs, playing the
      // equilibrium, it may mix where p equals a possible cost: it retaliates iff the rank
      // of its cost draw is below r_j^s (which is "iff p >= c" away from a tie).
      const auto& cost = game_.defender_cost;
      double rank = 0.0;
      const double c = cost.draw(st.defender_cost, &rank);
      const bool hit =
          !learning_ && cost.is_discrete() ? rank < eq_.retaliation[j * signals_ + sgn] : pj >= c;
      retaliated_[j] = hit;
      anyone_hit = anyone_hit || hit;
      if (!counted) continue;
      const bool guilty = someone && e.holder == j;
      auto& row = signal_rows_[j * signals_ + sgn];
      ++row.rounds;
      row.guilty += guilty ? 1u : 0u;
      row.retaliations += hit ? 1u : 0u;
      if (hit) {
        ++st.row.retaliations;
        ++run_row_.retaliations;
        st.row.retaliation_cost += game_.attackers[j].retaliation_cost;
        if (guilty) {
          ++st.row.retaliations_guilty;
        } else {
          ++st.row.retaliations_innocent;
          ++run_row_.retaliations_innocent;
        }
        if (e.holder == j && !e.attacked) ++st.row.retaliated_after_hold;
      }
    }
    if (e.holder < n_) {
      auto& st = attackers_[e.holder];
      ++st.block_opportunities;
      st.block_attacks += e.attacked ? 1u : 0u;
      if (counted) {
        ++st.row.opportunities;
        ++run_row_.opportunities;
        if (e.attacked) {
          ++st.row.attacks;
          ++run_row_.attacks;
        }
      }
    }
    if (counted) {
      ++run_row_.rounds;
      if (!someone && anyone_hit) ++run_row_.rounds_without_attack_retaliated;
    }
    if (learning_) {
      // The attacker that had the opportunity learns whether it was retaliated against; the
      // defender learns from the signal alone (it never learns who attacked).
      if (e.holder < n_) {
        auto& st = attackers_[e.holder];
        auto& belief = e.attacked ? st.if_attack : st.if_hold;
        belief.observe(retaliated_[e.holder], sc_.learning.step_exponent);
      }
      defender_learns(sgn);
    }
    digest_ = (digest_ ^ sgn) * 0x100000001b3ULL;
    for (std::uint32_t j = 0; j < n_; ++j) digest_ = (digest_ ^ (retaliated_[j] ? 1u : 0u)) * 31u;
    if (e.round + 1 < sc_.rounds) {
      s.schedule_at(day(e.round + 1), Event{e.round + 1, 0, Event::Kind::round, false, digest_},
                    round_priority);
    }
  }

  void on_report(Sim& s, std::uint64_t block) {
    const std::uint64_t first = block * sc_.block_rounds();
    const std::uint64_t last = std::min(sc_.rounds, first + sc_.block_rounds()) - 1;
    for (std::uint32_t i = 0; i < n_; ++i) {
      auto& st = attackers_[i];
      AttributionTrajectoryRow row;
      row.replication = replication_;
      row.block = block;
      row.first_round = first;
      row.last_round = last;
      row.attacker = i;
      row.opportunities = st.block_opportunities;
      row.attacks = st.block_attacks;
      row.attack_frequency = frequency(st.block_attacks, st.block_opportunities);
      row.cutoff = cutoff(i);
      if (learning_) {
        row.belief_retaliated_if_attack = st.if_attack.p();
        row.belief_retaliated_if_hold = st.if_hold.p();
        row.defender_estimate = estimate_[i] / per_attacker_;
      } else {
        // Equilibrium knowledge: Σ_s π_i^s r_i^s and Σ_s π_0^s r_i^s, and â = a.
        double if_attack = 0.0;
        double if_hold = 0.0;
        for (std::size_t sgn = 0; sgn < signals_; ++sgn) {
          if_attack += game_.attackers[i].signal[sgn] * eq_.retaliation[i * signals_ + sgn];
          if_hold += game_.nobody[sgn] * eq_.retaliation[i * signals_ + sgn];
        }
        row.belief_retaliated_if_attack = if_attack;
        row.belief_retaliated_if_hold = if_hold;
        row.defender_estimate = eq_.attack[i];
      }
      trajectory_.push_back(row);
      st.block_opportunities = 0;
      st.block_attacks = 0;
    }
    if (last + 1 < sc_.rounds) schedule_report(s, block + 1);
  }

  const AttributionScenario& sc_;
  const AttributionGame& game_;
  const AttributionEquilibrium& eq_;
  std::size_t n_;
  std::size_t signals_;
  double per_attacker_;  // γ/n
  bool learning_;
  std::uint64_t replication_;
  sim::RandomStream opportunity_;
  sim::RandomStream signal_;
  std::vector<AttackerState> attackers_;
  std::vector<double> estimate_;  // the defender's b_j = (γ/n) â_j
  std::vector<double> counts_;    // the defender's signal counts n_s (with the prior's)
  std::uint64_t defender_observations_ = 0;
  std::vector<double> posterior_;  // the defender's learned p_j^s of this round's signal
  std::vector<bool> retaliated_;
  std::vector<double> scratch_;
  std::vector<double> scratch_posterior_;
  AttributionRunRow run_row_;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
  std::vector<AttributionSignalRow> signal_rows_;
  std::vector<AttributionTrajectoryRow> trajectory_;
};

}  // namespace

AttributionResult run_attribution(const AttributionScenario& sc,
                                  const AttributionEquilibrium& equilibrium,
                                  std::uint64_t replication) {
  return run_attribution(sc, equilibrium, sim::RunId{sc.seed, replication, {}});
}

AttributionResult run_attribution(const AttributionScenario& sc,
                                  const AttributionEquilibrium& equilibrium, const sim::RunId& id) {
  const sim::StreamFactory streams(id);
  AttributionModel model(sc, equilibrium, streams, id.replication);
  Sim simulation;
  model.start(simulation);
  sim::TraceHash trace;
  simulation.run(model, sim::StopCondition{}, trace);
  return model.result(simulation, trace.value());
}

}  // namespace cyberdeter::models::games
