// The whole event flow of the ANU deterrence model (docs/anu.md).
//
// Time: one tick per round; round k of turn t happens at tick t · rounds_per_turn + k. A
// *round* event plays every state's attack in state order (the original's inner loop, so a
// later attacker sees the responses of earlier ones in the same round); the *turn* event,
// at the tick of the turn's last round and after it in the order, does selection and
// mutation, records the trajectory and schedules the next turn's first round.
//
// Determinism rule: every draw comes from a stream named by the process that makes it —
// ("anu.initial", state), ("anu.attack", attacker) for the target, the rationality draw and
// a random intensity, ("anu.response", defender) for the retaliation and attribution draws,
// ("anu.partners", defender) for coordinated retaliation, and "anu.evolution" for
// selection and mutation — so a run depends only on (parameters, run id).

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cyberdeter/models/reference/anu.hpp"
#include "cyberdeter/sim/check.hpp"
#include "cyberdeter/sim/simulation.hpp"

namespace cyberdeter::models::anu {
namespace {

struct AnuEvent {
  enum class Kind : std::uint8_t { round, turn };
  Kind kind = Kind::round;
  std::uint32_t turn = 0;
  std::uint32_t round = 0;
  /// A digest of every attack's outcome before this event, so the trajectory hash (which
  /// sees only events) fingerprints what happened, not just the fixed schedule.
  std::uint64_t digest = 0;
  std::uint64_t trace_key() const noexcept { return digest; }
};

constexpr sim::Priority turn_priority = 200;  // after the last round of the same tick

class World {
 public:
  World(const AnuParams& p, const sim::RunId& id)
      : p_(p),
        n_(p.states),
        k_(p.intensities),
        streams_(id),
        evolution_(streams_.stream(sim::StreamKey("anu.evolution"))),
        table_(std::size_t{n_} * k_),
        ignores_(std::size_t{n_} * k_),
        retaliates_(std::size_t{n_} * k_),
        expected_(std::size_t{n_} * k_),
        best_(n_),
        value_(n_),
        attacks_(k_),
        attacks_turn_(k_),
        retaliations_(k_),
        retaliations_turn_(k_),
        effect_(p.retaliation_effect * (1.0 + static_cast<double>(p.partners))) {
    attack_rng_.reserve(n_);
    response_rng_.reserve(n_);
    partner_rng_.reserve(n_);
    for (std::uint32_t s = 0; s < n_; ++s) {
      auto initial = streams_.stream(sim::StreamKey("anu.initial", s));
      for (std::uint32_t k = 0; k < k_; ++k) table_[s * k_ + k] = initial.uniform();
      attack_rng_.push_back(streams_.stream(sim::StreamKey("anu.attack", s)));
      response_rng_.push_back(streams_.stream(sim::StreamKey("anu.response", s)));
      partner_rng_.push_back(streams_.stream(sim::StreamKey("anu.partners", s)));
    }
    if (p.publication_delay_rounds > 0) pending_.resize(p.publication_delay_rounds);
  }

  std::uint64_t seed() const { return streams_.seed(); }

  /// The original's State.reset at the start of a turn: values to 0, counts to 1.
  void start_turn() {
    std::fill(value_.begin(), value_.end(), 0.0);
    std::fill(ignores_.begin(), ignores_.end(), 1u);
    std::fill(retaliates_.begin(), retaliates_.end(), 1u);
    std::fill(attacks_turn_.begin(), attacks_turn_.end(), 0u);
    std::fill(retaliations_turn_.begin(), retaliations_turn_.end(), 0u);
    for (auto& bucket : pending_) bucket.clear();
    for (std::uint32_t d = 0; d < n_; ++d) {
      for (std::uint32_t k = 0; k < k_; ++k)
        expected_[std::size_t{d} * k_ + k] = expected_value(d, k);
      rescan(d);
    }
  }

  /// Every state attacks once, in state order.
  void play_round(std::uint32_t round) {
    if (!pending_.empty()) publish(round);
    // The rules in locals: stores to the states' values cannot alias them, so they stay in
    // registers through the loop.
    const Rules rules{p_.rationality, p_.attribution, p_.defender_cost, p_.retaliation_cost,
                      p_.retaliation_effect};
    for (std::uint32_t a = 0; a < n_; ++a) attack(a, round, rules);
  }

  /// Selection and mutation: the state of least value copies, intensity by intensity, its
  /// own probability or the best state's (each with probability 1/2), then mutates.
  void end_turn() {
    std::uint32_t loser = 0, winner = 0;
    for (std::uint32_t s = 1; s < n_; ++s) {  // first of equals, as Python's min and max
      if (value_[s] < value_[loser]) loser = s;
      if (value_[s] > value_[winner]) winner = s;
    }
    for (std::uint32_t k = 0; k < k_; ++k) {
      double v = evolution_.below(2) == 0 ? table_[loser * k_ + k] : table_[winner * k_ + k];
      if (evolution_.uniform() < p_.mutation) v = evolution_.uniform();
      table_[loser * k_ + k] = v;
    }
    fold(0x5e1ec7ULL ^ (std::uint64_t{loser} << 32) ^ winner);
  }

  std::uint64_t digest() const { return digest_; }

  double mean_retaliation(std::uint32_t k) const {
    double sum = 0.0;
    for (std::uint32_t s = 0; s < n_; ++s) sum += table_[s * k_ + k];
    return sum / static_cast<double>(n_);
  }
  double sd_retaliation(std::uint32_t k, double mean) const {
    double ss = 0.0;
    for (std::uint32_t s = 0; s < n_; ++s) {
      const double e = table_[s * k_ + k] - mean;
      ss += e * e;
    }
    return n_ > 1 ? std::sqrt(ss / static_cast<double>(n_ - 1)) : 0.0;
  }

  /// Adds the turn's counts to the run's; called once after each turn.
  void count_turn() {
    for (std::uint32_t k = 0; k < k_; ++k) {
      attacks_[k] += attacks_turn_[k];
      retaliations_[k] += retaliations_turn_[k];
    }
  }
  std::uint64_t attacks(std::uint32_t k) const { return attacks_[k]; }
  std::uint64_t attacks_turn(std::uint32_t k) const { return attacks_turn_[k]; }
  std::uint64_t retaliations(std::uint32_t k) const { return retaliations_[k]; }
  std::uint64_t rational_choices() const { return rational_; }
  std::uint64_t successful_retaliations() const { return successes_; }

 private:
  // The original's expectedValue, in its order of operations, from the counts an attacker
  // sees: pNo = ignores / (ignores + retaliates).
  double expected_value(std::uint32_t d, std::uint32_t k) const {
    const std::size_t c = std::size_t{d} * k_ + k;
    const double p_no =
        static_cast<double>(ignores_[c]) / static_cast<double>(ignores_[c] + retaliates_[c]);
    const double p_success = (1.0 - p_no) * p_.attribution;
    const double p_fail = (1.0 - p_no) * (1.0 - p_.attribution);
    return static_cast<double>(k + 1) * (p_no + p_fail - p_success * effect_);
  }

  // best_[d] is the first intensity of greatest expected value (Python's max keeps the
  // first of equals), kept up to date as d's counts change: only the changed intensity's
  // value is computed again.
  void rescan(std::uint32_t d) {
    const double* ev = &expected_[std::size_t{d} * k_];
    std::uint32_t best = 0;
    for (std::uint32_t k = 1; k < k_; ++k) {
      if (ev[k] > ev[best]) best = k;
    }
    best_[d] = best;
  }
  void count(std::uint32_t d, std::uint32_t k, bool retaliated) {
    const std::size_t c = std::size_t{d} * k_ + k;
    ++(retaliated ? retaliates_[c] : ignores_[c]);
    if (!track_best_) return;
    const double before = expected_[c];
    const double now = expected_value(d, k);
    expected_[c] = now;
    const std::uint32_t best = best_[d];
    if (k == best) {
      if (now < before) rescan(d);
    } else {
      const double top = expected_[std::size_t{d} * k_ + best];
      if (now > top || (now == top && k < best)) best_[d] = k;
    }
  }

  // The best intensity from the counts, for rationality 0, where a best reply happens only
  // when the draw is exactly 0 and keeping best_ up to date would cost every attack.
  std::uint32_t best_now(std::uint32_t d) {
    for (std::uint32_t k = 0; k < k_; ++k)
      expected_[std::size_t{d} * k_ + k] = expected_value(d, k);
    rescan(d);
    return best_[d];
  }

  // Public attribution with a delay: responses of round r reach attackers at round r + delay.
  void publish(std::uint32_t round) {
    auto& bucket = pending_[round % pending_.size()];
    for (const auto& [d, k, retaliated] : bucket) count(d, k, retaliated);
    bucket.clear();
  }

  struct Rules {
    double rationality, attribution, defender_cost, retaliation_cost, retaliation_effect;
  };

  void attack(std::uint32_t a, std::uint32_t round, const Rules& r) {
    auto& rng = attack_rng_[a];
    std::uint32_t d = static_cast<std::uint32_t>(rng.below(n_ - 1));
    if (d >= a) ++d;  // uniform over the other states, as the original's choice-and-retry
    std::uint32_t k;
    if (rng.uniform() > r.rationality) {
      k = static_cast<std::uint32_t>(rng.below(k_));
    } else {
      k = track_best_ ? best_[d] : best_now(d);
      ++rational_;
    }
    const double intensity = static_cast<double>(k + 1);
    ++attacks_turn_[k];
    auto& response = response_rng_[d];
    std::uint64_t outcome;
    bool retaliated;
    if (response.uniform() > table_[std::size_t{d} * k_ + k]) {
      value_[a] += intensity;
      value_[d] -= intensity * r.defender_cost;
      retaliated = false;
      outcome = 0;
    } else if (response.uniform() > r.attribution) {
      value_[a] += intensity;
      value_[d] -= intensity * r.retaliation_cost;
      retaliated = true;
      outcome = 1;
    } else {
      value_[a] -= intensity * r.retaliation_effect;
      value_[d] -= intensity * r.retaliation_cost;
      if (p_.partners > 0) join(a, d, intensity);
      retaliated = true;
      outcome = 2;
      ++successes_;
    }
    if (retaliated) ++retaliations_turn_[k];
    if (pending_.empty()) {
      count(d, k, retaliated);
    } else {
      pending_[round % pending_.size()].push_back({d, k, retaliated});
    }
    digest_ = digest_ * 0x100000001b3ULL + ((std::uint64_t{d} * k_ + k) * 3 + outcome);
  }

  // Coordinated retaliation: `partners` distinct states other than the attacker and the
  // defender join, each hitting the attacker and paying its own cost.
  void join(std::uint32_t a, std::uint32_t d, double intensity) {
    auto& rng = partner_rng_[d];
    chosen_.clear();
    while (chosen_.size() < p_.partners) {
      const auto s = static_cast<std::uint32_t>(rng.below(n_));
      if (s == a || s == d || std::find(chosen_.begin(), chosen_.end(), s) != chosen_.end()) {
        continue;
      }
      chosen_.push_back(s);
      value_[a] -= intensity * p_.retaliation_effect;
      value_[s] -= intensity * p_.partner_cost;
    }
  }

  void fold(std::uint64_t v) { digest_ = (digest_ ^ v) * 0x9e3779b97f4a7c15ULL; }

  struct Response {
    std::uint32_t defender;
    std::uint32_t intensity;
    bool retaliated;
  };

  const AnuParams& p_;
  const std::uint32_t n_;
  const std::uint32_t k_;
  const sim::StreamFactory streams_;
  sim::RandomStream evolution_;
  std::vector<sim::RandomStream> attack_rng_, response_rng_, partner_rng_;
  std::vector<double> table_;                        // retaliation probability, state-major
  std::vector<std::uint32_t> ignores_, retaliates_;  // what attackers see, this turn
  std::vector<double> expected_;                     // expected value of each (target, intensity)
  std::vector<std::uint32_t> best_;                  // each target's best intensity
  std::vector<double> value_;                        // this turn's value of each state
  std::vector<std::uint64_t> attacks_, attacks_turn_, retaliations_, retaliations_turn_;
  std::vector<std::vector<Response>> pending_;  // unpublished responses, by round mod delay
  std::vector<std::uint32_t> chosen_;
  const double effect_;  // what a successful retaliation costs the attacker per unit
  const bool track_best_ = p_.rationality > 0.0;
  std::uint64_t rational_ = 0, successes_ = 0;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
};

}  // namespace

AnuResult run_anu(const AnuParams& p, const sim::RunId& id) {
  CYBERDETER_CHECK(p.states >= 2 && p.intensities >= 1 && p.rounds_per_turn >= 1,
                   "ANU parameters were not validated");
  World world(p, id);
  AnuResult result;
  AnuRun& run = result.run;
  run.replication = id.replication;
  run.seed = world.seed();
  run.point = id.design_point.value_or(0);
  run.rationality = p.rationality;
  run.attribution = p.attribution;

  const auto record = [&](std::uint32_t turn) {
    for (std::uint32_t k = 0; k < p.intensities; ++k) {
      result.trajectory.push_back({id.replication, run.point, turn, k + 1,
                                   world.mean_retaliation(k), world.attacks_turn(k)});
    }
  };
  const sim::Tick rounds = p.rounds_per_turn;
  sim::Simulation<AnuEvent> simulation;
  simulation.reserve(2);
  sim::TraceHash trace;
  if (p.turns > 0) {
    world.start_turn();
    simulation.schedule_at(0, AnuEvent{AnuEvent::Kind::round, 0, 0, world.digest()});
  }
  simulation.run(
      [&](sim::Simulation<AnuEvent>& s, const AnuEvent& e) {
        if (e.kind == AnuEvent::Kind::round) {
          world.play_round(e.round);
          if (e.round + 1 < p.rounds_per_turn) {
            s.schedule_at(static_cast<sim::Tick>(e.turn) * rounds + e.round + 1,
                          AnuEvent{AnuEvent::Kind::round, e.turn, e.round + 1, world.digest()});
          } else {
            s.schedule_at(s.now(), AnuEvent{AnuEvent::Kind::turn, e.turn, e.round, world.digest()},
                          turn_priority);
          }
          return;
        }
        world.end_turn();
        world.count_turn();
        const std::uint32_t done = e.turn + 1;
        if (done == p.turns || (p.trajectory_turns > 0 && done % p.trajectory_turns == 0)) {
          record(done);
        }
        if (done == p.turns) return;
        world.start_turn();
        s.schedule_at(static_cast<sim::Tick>(done) * rounds,
                      AnuEvent{AnuEvent::Kind::round, done, 0, world.digest()});
      },
      sim::StopCondition{}, trace);

  double intensity_sum = 0.0, last_sum = 0.0;
  std::uint64_t last_attacks = 0;
  run.max_deterrence = -1.0;
  for (std::uint32_t k = 0; k < p.intensities; ++k) {
    const double mean = world.mean_retaliation(k);
    result.intensities.push_back({id.replication, run.point, k + 1, mean,
                                  world.sd_retaliation(k, mean), world.attacks(k),
                                  world.attacks_turn(k), world.retaliations(k)});
    if (mean > run.max_deterrence) {  // the first of equals, as Python's max
      run.max_deterrence = mean;
      run.max_deterrence_intensity = k + 1;
    }
    run.mean_deterrence += mean / static_cast<double>(p.intensities);
    run.attacks += world.attacks(k);
    run.retaliations += world.retaliations(k);
    intensity_sum += static_cast<double>(k + 1) * static_cast<double>(world.attacks(k));
    last_sum += static_cast<double>(k + 1) * static_cast<double>(world.attacks_turn(k));
    last_attacks += world.attacks_turn(k);
  }
  if (p.turns == 0) run.max_deterrence = 0.0;
  run.rational_choices = world.rational_choices();
  run.successful_retaliations = world.successful_retaliations();
  run.mean_intensity = run.attacks > 0 ? intensity_sum / static_cast<double>(run.attacks) : 0.0;
  run.mean_intensity_last_turn =
      last_attacks > 0 ? last_sum / static_cast<double>(last_attacks) : 0.0;
  run.events = simulation.events_processed();
  run.fingerprint = trace.value();
  return result;
}

}  // namespace cyberdeter::models::anu
