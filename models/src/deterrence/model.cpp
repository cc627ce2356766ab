// The event flow of the deterrence model (docs/model.md §11), in one file.
//
// Every stochastic process draws from its own stream, keyed by its name and agent:
//   opportunity/a, choice/a, landing/a, capability/a   (attacker a)
//   detection/s, attribution/s, doctrine/s, coalition/s, sanction/s   (state s)
// so a policy change at one state leaves every other process's numbers where they were,
// and two scenarios that differ only in a policy see the same opportunities, detections
// and attribution draws until the policy makes them differ (common random numbers).

#include "cyberdeter/models/deterrence/model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../toml_reader.hpp"
#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/sim/check.hpp"
#include "cyberdeter/sim/simulation.hpp"

namespace cyberdeter::models::deterrence {
namespace {

using sim::Tick;

enum class Kind : std::uint8_t {
  opportunity,         // agent: attacker
  attack_lands,        // slot: incident
  detected,            // slot: incident
  attributed,          // slot: incident
  ally_answer,         // slot: incident, agent: ally
  coalition_deadline,  // slot: incident
  sanctions_lifted,    // agent: named attacker
  program_tick,        // agent: program, slot: tick number k
  program_start,       // agent: program
  program_end,         // agent: program
  policy_change,       // agent: policy change
  capability_arrival,  // agent: attacker
  capability_decay,    // agent: attacker, slot: period number k
  report,              // agent: period number
  turn,                // agent: turn number k (war-game only)
  verdict,             // slot: incident; the culprit's silence window ends
  scheduled,           // agent: scheduled event; slot: incident that triggered it, or none
  retooled,            // agent: attacker; a disclosure's capability loss ends
};

// The slot of an event that refers to no incident.
constexpr std::uint32_t no_incident = 0xffffffffU;

struct Event {
  Kind kind;
  std::uint32_t agent = 0;
  std::uint32_t slot = 0;

  std::uint64_t trace_key() const noexcept {
    return (std::uint64_t{static_cast<std::uint8_t>(kind)} << 56) | (std::uint64_t{agent} << 28) |
           slot;
  }
};

// Order of events within one tick: the world changes (policies, programs) before agents
// act on it, coalition deadlines come after the answers of the same tick, and the report
// closes the tick.
constexpr sim::Priority priority_policy = 10;
constexpr sim::Priority priority_turn = 15;  // players see the scenario's policy changes
constexpr sim::Priority priority_program = 20;
constexpr sim::Priority priority_flow = sim::default_priority;
constexpr sim::Priority priority_deadline = 200;
constexpr sim::Priority priority_report = 250;

constexpr double max_defense = 0.99;            // hardening never makes a state invulnerable
constexpr double default_defense_bound = 0.95;  // ceiling of defense programs without `bound`
constexpr double program_tick_days = 365.25 / 12.0;
constexpr double days_per_year = 365.25;
constexpr double quarter_days = days_per_year / 4.0;  // the briefs' recent window

using Sim = sim::Simulation<Event>;

// An incident's slot is in use (`live`) from the decision until both its own flow has
// ended (`closed`: quiet or public) and no event still refers to it (`pending`: the
// culprit's verdict, scheduled acts it triggered); its row is written then.
struct Incident {
  IncidentRow row;
  double normalised_severity = 0.0;
  std::uint32_t joiners = 0;
  double joined_weight = 0.0;
  bool live = false;
  bool closed = false;
  std::uint32_t pending = 0;
  bool learned = false;                    // the culprit has counted this operation's outcome
  bool learned_named = false;              // ... as named publicly (α), not as unattributed (β)
  std::vector<std::uint32_t> late_played;  // played allies whose answer misses the deadline
  // The statement (§7.5): the lead's draft, the invitees that have not answered, and the
  // stances of those that did.
  StatementDraft draft;
  std::vector<std::uint32_t> unanswered;
  std::uint32_t separate = 0;
  double separate_weight = 0.0;
  std::uint32_t rejected = 0;
  std::vector<std::uint32_t> rejecters;  // war-games: who rejected (an adjudication's reasons)
  std::vector<std::uint32_t> cosigners;  // a war-game's only: who co-signed, who went apart
  std::vector<std::uint32_t> apart;
};

class Model {
 public:
  Model(const Scenario& sc, const sim::RunId& id, RunSink& sink, const RunOptions& options)
      : sc_(sc),
        replication_(id.replication),
        sink_(sink),
        options_(options),
        streams_(id),
        horizon_(sim::to_ticks(sc.run.horizon_days)),
        report_period_{0, sim::to_ticks(sc.run.reporting_days)},
        programs_(sc.programs) {
    const std::size_t n_states = sc.states.size();
    const std::size_t n_attackers = sc.attackers.size();
    for (std::size_t a = 0; a < n_attackers; ++a) {
      const auto i = static_cast<std::uint64_t>(a);
      opportunity_rng_.push_back(streams_.stream(sim::StreamKey("opportunity", i)));
      choice_rng_.push_back(streams_.stream(sim::StreamKey("choice", i)));
      landing_rng_.push_back(streams_.stream(sim::StreamKey("landing", i)));
      capability_rng_.push_back(streams_.stream(sim::StreamKey("capability", i)));
    }
    for (std::size_t s = 0; s < n_states; ++s) {
      const auto i = static_cast<std::uint64_t>(s);
      detection_rng_.push_back(streams_.stream(sim::StreamKey("detection", i)));
      attribution_rng_.push_back(streams_.stream(sim::StreamKey("attribution", i)));
      doctrine_rng_.push_back(streams_.stream(sim::StreamKey("doctrine", i)));
      coalition_rng_.push_back(streams_.stream(sim::StreamKey("coalition", i)));
      sanction_rng_.push_back(streams_.stream(sim::StreamKey("sanction", i)));
    }

    defense_.resize(n_states);
    workforce_.resize(n_states);
    detection_boost_.assign(n_states, 1.0);
    doctrine_.resize(n_states);
    for (std::size_t s = 0; s < n_states; ++s) {
      defense_[s] = sc.states[s].defense;
      workforce_[s] = sc.states[s].workforce;
      doctrine_[s] = sc.states[s].doctrine;
    }
    membership_.assign(sc.communities.size(), std::vector<std::uint32_t>(n_states, 0));
    for (std::size_t c = 0; c < sc.communities.size(); ++c) {
      for (const std::size_t m : sc.communities[c].members) membership_[c][m] = 1;
    }

    beliefs_.resize(n_attackers);
    stock_.resize(n_attackers);
    threshold_.resize(n_attackers);
    expected_sector_multiplier_.resize(n_attackers);
    for (std::size_t a = 0; a < n_attackers; ++a) {
      const Attacker& att = sc.attackers[a];
      beliefs_[a].reserve(n_states);
      for (std::size_t s = 0; s < n_states; ++s) {
        beliefs_[a].push_back(Belief::from_prior(att.prior, sc.states[s].doctrine.sanction_days));
      }
      stock_[a] = att.scarce.enabled ? att.scarce.stock : 0;
      double weight = 0.0;
      double weighted = 0.0;
      for (std::size_t k = 0; k < sc.sectors.size(); ++k) {
        weight += att.sector_weights[k];
        weighted += att.sector_weights[k] * sc.sectors[k].value_multiplier;
      }
      expected_sector_multiplier_[a] = weight > 0.0 ? weighted / weight : 1.0;
      threshold_[a] = att.scarce.enabled ? scarce_threshold(a) : 0.0;
    }

    consequence_.resize(n_attackers * n_states);
    stale_.assign(n_attackers * n_states, 1);
    by_state_.resize(n_states);
    known_named_.assign(n_states, std::vector<std::uint64_t>(n_attackers, 0));
    coalitions_joined_.assign(n_states, 0);
    sanctioned_.assign(n_attackers, 0);
    played_.assign(n_states, 0);
    detected_days_.resize(n_states);
    if (const Wargame* game = options.wargame) {
      CYBERDETER_CHECK(game->decider != nullptr, "a war-game needs a decider");
      for (const std::size_t s : game->played) played_.at(s) = 1;
      previous_record_.resize(n_states);
      for (auto& r : previous_record_) r = empty_record();
    }
    attacker_rows_.resize(n_attackers);
    for (std::size_t a = 0; a < n_attackers; ++a) {
      attacker_rows_[a].replication = replication_;
      attacker_rows_[a].attacker = static_cast<std::uint32_t>(a);
    }
    capability_factor_.assign(n_attackers, 1.0);
    burned_day_.assign(n_attackers, -1.0);
    by_state_recovery_.assign(n_states, 0.0);
    scheduled_fired_.assign(sc.scheduled.size(), 0);
    disclosed_.assign(sc.scheduled.size(), 0);
    for (std::size_t i = 0; i < sc.scheduled.size(); ++i) {
      scheduled_rng_.push_back(
          streams_.stream(sim::StreamKey("scheduled", static_cast<std::uint64_t>(i))));
    }
    final_year_ = sim::to_ticks(std::max(0.0, sc.run.horizon_days - days_per_year));
  }

  void start(Sim& sim) {
    for (std::size_t a = 0; a < sc_.attackers.size(); ++a) {
      const auto agent = static_cast<std::uint32_t>(a);
      schedule_next_opportunity(sim, agent);
      const Scarce& scarce = sc_.attackers[a].scarce;
      if (scarce.enabled && scarce.arrival_rate > 0.0) schedule_arrival(sim, agent);
      if (scarce.enabled && scarce.persistence < 1.0) {
        sim.schedule_at(decay_schedule(a).at(1), {Kind::capability_decay, agent, 1},
                        priority_program);
      }
    }
    for (std::size_t p = 0; p < programs_.size(); ++p) start_program(sim, p);
    for (std::size_t i = 0; i < sc_.policy_changes.size(); ++i) {
      sim.schedule_at(sim::to_ticks(sc_.policy_changes[i].day),
                      {Kind::policy_change, static_cast<std::uint32_t>(i), 0}, priority_policy);
    }
    for (std::size_t i = 0; i < sc_.scheduled.size(); ++i) {
      const ScheduledEvent& e = sc_.scheduled[i];
      if (!e.enabled || e.trigger != ScheduledTrigger::day) continue;
      const Tick at = sim::to_ticks(e.day + e.delay_days);
      if (at > horizon_) continue;
      sim.schedule_at(at, {Kind::scheduled, static_cast<std::uint32_t>(i), no_incident},
                      e.action == ScheduledAction::policy ? priority_policy : priority_flow);
    }
    schedule_report(sim, 1);
    if (options_.wargame && !options_.wargame->played.empty() &&
        options_.wargame->turn_days > 0.0) {
      schedule_turn(sim, 1);
    }
  }

  void operator()(Sim& sim, const Event& e) {
    switch (e.kind) {
      case Kind::opportunity: return on_opportunity(sim, e.agent);
      case Kind::attack_lands: return on_attack_lands(sim, e.slot);
      case Kind::detected: return on_detected(sim, e.slot);
      case Kind::attributed: return on_attributed(sim, e.slot);
      case Kind::ally_answer: return on_ally_answer(sim, e.slot, e.agent);
      case Kind::coalition_deadline: return on_coalition_deadline(sim, e.slot);
      case Kind::sanctions_lifted: --active_sanctions_; return;
      case Kind::program_tick: return on_program_tick(sim, e.agent, e.slot);
      case Kind::program_start: return on_sharing(e.agent, true);
      case Kind::program_end: return on_sharing(e.agent, false);
      case Kind::policy_change: return on_policy_change(e.agent);
      case Kind::capability_arrival: return on_capability_arrival(sim, e.agent);
      case Kind::capability_decay: return on_capability_decay(sim, e.agent, e.slot);
      case Kind::report: return on_report(sim, e.agent);
      case Kind::turn: return on_turn(sim, e.agent);
      case Kind::verdict: return on_verdict(sim, e.slot);
      case Kind::scheduled: return on_scheduled(sim, e.agent, e.slot);
      case Kind::retooled: return set_disclosed(e.agent, e.slot, false);
    }
  }

  RunResult finish(const Sim& sim, std::uint64_t fingerprint) {
    // A last, partial reporting period, and the incidents still in flight, in the order
    // they began.
    const Tick last = report_period_.at(reports_emitted_);
    if (last < sim.now()) emit_period(last, sim.now());
    if (options_.incidents) {
      std::vector<const IncidentRow*> open;
      for (const Incident& inc : incidents_) {
        if (inc.live && inc.row.landed_day >= 0.0) open.push_back(&inc.row);  // launched
      }
      std::sort(open.begin(), open.end(), [](const IncidentRow* x, const IncidentRow* y) {
        return x->incident < y->incident;
      });
      for (const IncidentRow* row : open) sink_.incident(*row);
    }

    // Programs cost their owner while they run, up to the end of the run (§9.3).
    std::vector<double> program_cost(sc_.states.size(), 0.0);
    const double end = sim.now_days();
    for (const Program& p : programs_) {
      const double days = std::max(0.0, std::min(p.end_day, end) - p.start_day);
      program_cost[p.owner] += p.cost_per_year * days / days_per_year;
    }

    RunResult out;
    RunRow& r = run_;
    r.program_cost = std::accumulate(program_cost.begin(), program_cost.end(), 0.0);
    r.replication = replication_;
    r.seed = streams_.seed();
    r.events = sim.events_processed();
    r.end_day = sim.now_days();
    r.total = total_;
    r.fingerprint = fingerprint;
    out.run = r;

    for (std::size_t s = 0; s < sc_.states.size(); ++s) {
      StateRow row;
      row.replication = replication_;
      row.state = static_cast<std::uint32_t>(s);
      row.counts = by_state_[s];
      row.final_defense = defense_[s];
      row.final_detection_rate = detection_rate(s, sim.now());
      row.final_workforce = workforce_[s];
      row.final_resilience = resilience(s, sim.now());
      row.recovery_days = by_state_recovery_[s];
      row.program_cost = program_cost[s];
      out.states.push_back(row);
    }
    for (std::size_t a = 0; a < sc_.attackers.size(); ++a) {
      AttackerRow row = attacker_rows_[a];
      row.stock = stock_[a];
      if (row.decisions > 0) {
        row.margin_mean /= static_cast<double>(row.decisions);
        row.p_none_mean /= static_cast<double>(row.decisions);
      }
      if (row.decisions_final > 0) row.margin_final /= static_cast<double>(row.decisions_final);
      const auto& targets = sc_.attackers[a].targets;
      for (const std::size_t s : targets) {
        const Belief& b = beliefs_[a][s];
        row.p_attributed += b.p_attributed() / static_cast<double>(targets.size());
        for (std::size_t k = 0; k < rung_count; ++k) {
          row.p_rung[k] += b.p_rung(static_cast<Rung>(k)) / static_cast<double>(targets.size());
        }
        BeliefRow br;
        br.replication = replication_;
        br.attacker = static_cast<std::uint32_t>(a);
        br.state = static_cast<std::uint32_t>(s);
        br.p_attributed = b.p_attributed();
        for (std::size_t k = 0; k < rung_count; ++k) br.p_rung[k] = b.p_rung(static_cast<Rung>(k));
        br.coalition_size = b.coalition_size;
        br.delay_days = b.delay_days;
        br.sanction_weight = b.sanction_weight;
        br.sanction_days = b.sanction_days;
        out.beliefs.push_back(br);
      }
      out.attackers.push_back(row);
    }
    return out;
  }

 private:
  // ---- capability of states -------------------------------------------------------------

  double mega_multiplier(std::size_t s, Tick t) const {
    double m = 1.0;
    const double day = sim::to_days(t);
    for (const MegaEvent& e : sc_.mega_events) {
      if (e.host == s && day >= e.start_day && day <= e.end_day) m *= e.value_multiplier;
    }
    return m;
  }

  double workforce_scale(std::size_t s) const {
    return workforce_factor(workforce_[s], sc_.states[s].in_house_share, sc_.calibration);
  }

  double detection_rate(std::size_t s, Tick t) const {
    double rate = sc_.states[s].detection_rate * workforce_scale(s) * detection_boost_[s];
    for (std::size_t c = 0; c < sc_.communities.size(); ++c) {
      if (membership_[c][s] > 0) rate *= sc_.communities[c].detection_factor;
    }
    // Exercises do not stack: the state is as watchful as its most intense running one.
    const double day = sim::to_days(t);
    double exercise = 1.0;
    for (const Program& p : programs_) {
      if (p.kind == ProgramKind::exercise && p.beneficiary == s && day >= p.start_day &&
          day < p.end_day) {
        exercise = std::max(exercise, p.detection_multiplier);
      }
    }
    return rate * exercise;
  }

  // r_s(t) of §5.5: independent layers (the state's own, each program's while it runs and
  // what it retains after), r = 1 − Π(1 − r_i), so that layers have diminishing returns.
  double resilience(std::size_t s, Tick t) const {
    double kept = 1.0 - sc_.states[s].resilience;
    const double day = sim::to_days(t);
    for (const Program& p : programs_) {
      if (p.beneficiary != s || p.resilience <= 0.0 || day < p.start_day) continue;
      double layer = p.resilience;
      if (day >= p.end_day) {
        layer *= p.retained * std::exp2(-(day - p.end_day) / p.retention_days);
      }
      kept *= 1.0 - layer;
    }
    return 1.0 - kept;
  }

  // κ_a, lowered while a disclosure of its capabilities lasts (§10.3).
  double capability(std::size_t a) const {
    return sc_.attackers[a].capability * capability_factor_[a];
  }

  double attribution_accuracy(std::size_t s) const {
    double q = sc_.states[s].attribution_accuracy;
    for (std::size_t c = 0; c < sc_.communities.size(); ++c) {
      if (membership_[c][s] > 0) q *= sc_.communities[c].accuracy_factor;
    }
    return std::min(q, 1.0);
  }

  // ---- attackers ----------------------------------------------------------------------

  double expected_gain(std::size_t a, std::size_t s, Tick t) const {
    const Attacker& att = sc_.attackers[a];
    const double gain =
        att.gain_by_target[s] * mega_multiplier(s, t) * expected_sector_multiplier_[a];
    return att.disruption > 0.0 ? gain * (1.0 - att.disruption * resilience(s, t)) : gain;
  }

  // The threshold of an attacker with scarce capabilities: T* of the timing game
  // (docs/validation.md §2.1) for the stakes it can expect over the horizon — the best
  // gain it can obtain, piecewise constant between mega-event boundaries.
  double scarce_threshold(std::size_t a) const {
    const Attacker& att = sc_.attackers[a];
    if (att.scarce.threshold) return *att.scarce.threshold;
    std::vector<double> cuts{0.0, sc_.run.horizon_days};
    for (const MegaEvent& e : sc_.mega_events) {
      for (const double d : {e.start_day, e.end_day}) {
        if (d > 0.0 && d < sc_.run.horizon_days) cuts.push_back(d);
      }
    }
    std::sort(cuts.begin(), cuts.end());
    std::vector<double> stakes;
    std::vector<double> weights;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
      const double length = cuts[i + 1] - cuts[i];
      if (length <= 0.0) continue;
      const Tick mid = sim::to_ticks(0.5 * (cuts[i] + cuts[i + 1]));
      double best = 0.0;
      for (const std::size_t s : att.targets) {
        best = std::max(best,
                        att.capability * (1.0 - sc_.states[s].defense) * expected_gain(a, s, mid));
      }
      stakes.push_back(best);
      weights.push_back(length);
    }
    const double w = std::exp(-att.discount * att.scarce.period_days);
    return optimal_threshold(stakes, weights, w, att.scarce.stealth, att.scarce.persistence);
  }

  // The belief-dependent part of the calculus, recomputed only after the belief moved.
  const ConsequenceTerms& consequence(std::size_t a, std::size_t s) {
    const std::size_t i = a * sc_.states.size() + s;
    if (stale_[i]) {
      consequence_[i] = consequence_terms(sc_.attackers[a], beliefs_[a][s]);
      stale_[i] = 0;
    }
    return consequence_[i];
  }
  Belief& belief_to_update(std::size_t a, std::size_t s) {
    stale_[a * sc_.states.size() + s] = 1;
    return beliefs_[a][s];
  }

  void schedule_next_opportunity(Sim& sim, std::uint32_t a) {
    const double rate = sc_.attackers[a].opportunity_rate;
    sim.schedule_in(sim::to_ticks(opportunity_rng_[a].exponential(rate)), {Kind::opportunity, a, 0},
                    priority_flow);
  }

  void schedule_arrival(Sim& sim, std::uint32_t a) {
    const double rate = sc_.attackers[a].scarce.arrival_rate;
    sim.schedule_in(sim::to_ticks(capability_rng_[a].exponential(rate)),
                    {Kind::capability_arrival, a, 0}, priority_program);
  }

  void on_opportunity(Sim& sim, std::uint32_t a) {
    schedule_next_opportunity(sim, a);
    const Attacker& att = sc_.attackers[a];
    ++total_.opportunities;
    ++period_.opportunities;
    ++attacker_rows_[a].opportunities;
    if (att.scarce.enabled && stock_[a] == 0) return;  // nothing to attack with

    const Tick now = sim.now();
    terms_.clear();
    utilities_.clear();
    const double defense_factor = capability_factor_[a];  // 1 unless disclosed
    for (const std::size_t s : att.targets) {
      // A disclosure lowers κ_a: the same as a defense of 1 − factor (1 − D).
      const double effective_defense = 1.0 - defense_factor * (1.0 - defense_[s]);
      terms_.push_back(
          evaluate(att, consequence(a, s), effective_defense, expected_gain(a, s, now)));
      utilities_.push_back(terms_.back().utility);
    }
    // The choice (§4.4) and how far it was from holding: the attack margin (§13).
    choice_probabilities(utilities_, att.rationality, probabilities_);
    const std::size_t pick = std::isinf(att.rationality)
                                 ? static_cast<std::size_t>(std::find(probabilities_.begin(),
                                                                      probabilities_.end(), 1.0) -
                                                            probabilities_.begin())
                                 : choice_rng_[a].categorical(probabilities_);
    record_margin(a, now);
    const bool held = pick > 0 && att.scarce.enabled &&
                      terms_[pick - 1].p_success * terms_[pick - 1].gain < threshold_[a];
    if (options_.choices) record_choice(a, now, pick, held);
    if (held) ++attacker_rows_[a].held;
    if (pick == 0 || held) return;

    const std::size_t victim = att.targets[pick - 1];
    if (att.scarce.enabled) --stock_[a];
    const std::uint32_t slot = new_incident();
    IncidentRow& row = incidents_[slot].row;
    row.attacker = a;
    row.victim = static_cast<std::uint32_t>(victim);
    row.attacker_kind = static_cast<std::uint8_t>(att.kind);
    row.decided_day = sim::to_days(now);
    const double delay =
        att.preparation_days > 0.0 ? landing_rng_[a].exponential(1.0 / att.preparation_days) : 0.0;
    sim.schedule_in(sim::to_ticks(delay), {Kind::attack_lands, a, slot}, priority_flow);
  }

  void record_margin(std::uint32_t a, Tick now) {
    const double best = *std::max_element(utilities_.begin(), utilities_.end());
    AttackerRow& row = attacker_rows_[a];
    ++row.decisions;
    row.margin_mean += best;
    row.p_none_mean += probabilities_[0];
    if (now >= final_year_) {
      ++row.decisions_final;
      row.margin_final += best;
    }
  }

  void record_choice(std::uint32_t a, Tick now, std::size_t pick, bool held) {
    const Attacker& att = sc_.attackers[a];
    const auto& p = probabilities_;
    for (std::size_t i = 0; i < att.targets.size(); ++i) {
      ChoiceRow row;
      row.replication = replication_;
      row.decision = decisions_;
      row.day = sim::to_days(now);
      row.attacker = a;
      row.target = static_cast<std::uint32_t>(att.targets[i]);
      const ChoiceTerms& t = terms_[i];
      row.p_success = t.p_success;
      row.gain = t.gain;
      row.cost = t.cost;
      row.p_attributed = t.p_attributed;
      row.expected_cost_if_attributed = t.expected_cost_if_attributed;
      row.discount = t.discount;
      row.consequence = t.consequence;
      row.utility = t.utility;
      row.probability = p[i + 1];
      row.chosen = pick == i + 1;
      row.held = row.chosen && held;
      sink_.choice(row);
    }
    ++decisions_;
  }

  void on_capability_arrival(Sim& sim, std::uint32_t a) {
    if (stock_[a] < sc_.attackers[a].scarce.max_stock) ++stock_[a];
    schedule_arrival(sim, a);
  }

  sim::Periodic decay_schedule(std::size_t a) const {
    return {0, sim::to_ticks(sc_.attackers[a].scarce.period_days)};
  }

  void on_capability_decay(Sim& sim, std::uint32_t a, std::uint32_t k) {
    const Scarce& scarce = sc_.attackers[a].scarce;
    std::uint32_t kept = 0;
    for (std::uint32_t i = 0; i < stock_[a]; ++i) {
      if (capability_rng_[a].bernoulli(scarce.persistence)) ++kept;
    }
    stock_[a] = kept;
    sim.schedule_at(decay_schedule(a).at(k + 1), {Kind::capability_decay, a, k + 1},
                    priority_program);
  }

  // ---- the incident's path --------------------------------------------------------------

  void on_attack_lands(Sim& sim, std::uint32_t slot) {
    Incident& inc = incidents_[slot];
    IncidentRow& row = inc.row;
    const std::uint32_t a = row.attacker;
    const std::size_t s = row.victim;
    const Attacker& att = sc_.attackers[a];
    const Tick now = sim.now();
    auto& rng = landing_rng_[a];
    row.landed_day = sim::to_days(now);
    CYBERDETER_CHECK(row.landed_day >= row.decided_day, "attack landed before it was decided");

    row.sector = static_cast<std::uint32_t>(rng.categorical(att.sector_weights));
    const double mega = mega_multiplier(s, now);
    row.mega_event = mega > 1.0;
    row.success = rng.bernoulli(capability(a) * (1.0 - defense_[s]));
    row.resilience = resilience(s, now);
    if (row.success) {
      const double gain = att.gain_by_target[s] * mega * sc_.sectors[row.sector].value_multiplier;
      const double sigma = sc_.calibration.severity_sigma;
      // Mean-preserving log-normal: E[severity] = gain.
      row.severity = gain * rng.lognormal(-0.5 * sigma * sigma, sigma);
      // Resilience takes its share of the damage and of the recovery time (§5.5).
      row.damage = row.severity * (1.0 - row.resilience);
      row.recovery_days = sc_.states[s].recovery_days * (1.0 - row.resilience);
    }
    inc.normalised_severity = row.damage / sc_.calibration.severity_reference;
    // What the culprit can observe: a public naming within its silence window, or none.
    ++inc.pending;
    sim.schedule_in(sim::to_ticks(att.silence_days), {Kind::verdict, a, slot}, priority_flow);
    // The capability was committed at the decision; stealth decides whether it comes back,
    // unless a disclosure since the decision burned it.
    if (att.scarce.enabled && capability_rng_[a].bernoulli(att.scarce.stealth) &&
        stock_[a] < att.scarce.max_stock && row.decided_day >= burned_day_[a]) {
      ++stock_[a];
    }

    const auto kind = static_cast<std::size_t>(att.kind);
    count(s, [&](Counts& c) {
      ++c.launched;
      if (row.success) ++c.succeeded;
      c.damage += row.damage;
    });
    by_state_recovery_[s] += row.recovery_days;
    ++run_.launched_by_kind[kind];
    ++period_launched_by_kind_[kind];
    if (row.success) ++run_.succeeded_by_kind[kind];
    run_.damage_by_kind[kind] += row.damage;
    AttackerRow& ar = attacker_rows_[a];
    ++ar.launched;
    if (row.success) ++ar.succeeded;
    // The victim's resilience takes the disruptive share of the attacker's gain (§5.5).
    row.gain = row.severity * (1.0 - att.disruption * row.resilience);
    ar.gain += row.gain;

    const State& st = sc_.states[s];
    const double delay = detection_rng_[s].exponential(detection_rate(s, now));
    if (delay > st.detection_window_days) {
      return close_quietly(sim, slot);  // never found
    }
    sim.schedule_in(sim::to_ticks(delay), {Kind::detected, a, slot}, priority_flow);
  }

  void on_detected(Sim& sim, std::uint32_t slot) {
    Incident& inc = incidents_[slot];
    IncidentRow& row = inc.row;
    const std::size_t s = row.victim;
    const State& st = sc_.states[s];
    row.detected = true;
    row.detected_day = sim.now_days();
    run_.detection_delay_days_sum += row.detected_day - row.landed_day;
    if (options_.wargame) detected_days_[s].push_back(row.detected_day);  // for briefs
    count(s, [](Counts& c) { ++c.detected; });

    defense_[s] = std::min(max_defense, defense_[s] + st.hardening * inc.normalised_severity);
    const double mean = st.attribution_days / workforce_scale(s);
    const double delay = attribution_rng_[s].gamma_mean(st.attribution_shape, mean);
    sim.schedule_in(sim::to_ticks(delay), {Kind::attributed, row.attacker, slot}, priority_flow);
    trigger(sim, ScheduledTrigger::detected, slot, row.attacker);
  }

  void on_attributed(Sim& sim, std::uint32_t slot) {
    Incident& inc = incidents_[slot];
    IncidentRow& row = inc.row;
    const std::uint32_t culprit = row.attacker;
    const std::size_t s = row.victim;
    const State& st = sc_.states[s];
    auto& rng = attribution_rng_[s];

    // One uniform decides the judgement: right with probability q(1 − φ); wrong because of
    // the culprit's false flag with probability qφ; wrong by plain error otherwise.
    const double q = attribution_accuracy(s);
    const double phi = sc_.attackers[culprit].false_flag;
    const double u = rng.uniform();
    std::optional<std::uint32_t> named;
    if (u < q * (1.0 - phi)) {
      named = culprit;
    } else {
      row.false_flag = u < q;
      named = decoy(culprit, s, row.false_flag, rng);
    }
    const double m =
        named == culprit ? sc_.calibration.confidence_correct : sc_.calibration.confidence_wrong;
    const double kappa = sc_.calibration.confidence_concentration;
    const double confidence = rng.beta(m * kappa, (1.0 - m) * kappa);
    if (!named) return close_quietly(sim, slot);  // no plausible actor to name: inconclusive

    row.attributed = true;
    row.attributed_day = sim.now_days();
    row.named = static_cast<std::int32_t>(*named);
    row.correct = *named == culprit;
    row.confidence = confidence;
    run_.attribution_delay_days_sum += row.attributed_day - row.detected_day;
    count(s, [&](Counts& c) {
      ++c.attributed;
      if (row.correct) {
        ++c.attributed_correct;
      } else {
        ++c.attributed_wrong;
      }
    });

    const auto sponsor = sc_.attackers[*named].sponsor;
    const double dependence =
        sponsor ? sc_.dependence(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(*sponsor))
                : 0.0;
    double z = case_strength(confidence, inc.normalised_severity, st.naming_aversion, dependence);
    if (doctrine_[s].noise > 0.0) z += doctrine_rng_[s].normal(0.0, doctrine_[s].noise);
    row.case_strength = z;
    ++known_named_[s][*named];
    trigger(sim, ScheduledTrigger::attributed, slot, *named);
    Rung rung = respond(doctrine_[s], st.resolve, z);
    inc.draft = StatementDraft{};
    inc.draft.evidence = doctrine_[s].evidence;
    if (played_[s]) rung = ask_response(sim, inc, rung, sponsor, dependence);
    row.evidence = inc.draft.evidence;
    row.rung_decided = static_cast<std::uint8_t>(rung);

    if (rung == Rung::none) {
      count(s, [](Counts& c) { ++c.responses[0]; });
      return close_quietly(sim, slot);
    }
    if (rung == Rung::attribute) return go_public(sim, slot, Rung::attribute, 1);

    // Coordinate or sanction: invite every aligned state except the named sponsor; each
    // answers after an exponential delay, and answers after the deadline are lost.
    ++run_.coalitions_invited;
    // The draft's release day is the deadline of the answers (§7.5).
    const double deadline =
        inc.draft.release_days.value_or(sc_.calibration.coalition_deadline_days);
    for (std::size_t t = 0; t < sc_.states.size(); ++t) {
      if (t == s || (sponsor && t == *sponsor)) continue;
      if (sc_.alignment(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(t)) <= 0.0) {
        continue;
      }
      ++row.invited;
      inc.unanswered.push_back(static_cast<std::uint32_t>(t));
      const double answer = coalition_rng_[s].exponential(1.0 / sc_.calibration.coordination_days);
      if (answer <= deadline) {
        sim.schedule_in(sim::to_ticks(answer),
                        {Kind::ally_answer, static_cast<std::uint32_t>(t), slot}, priority_flow);
      } else if (played_[t]) {
        inc.late_played.push_back(static_cast<std::uint32_t>(t));  // asked at the deadline
      }
    }
    if (row.invited == 0) return on_coalition_deadline(sim, slot);  // nobody to wait for
    sim.schedule_in(sim::to_ticks(deadline), {Kind::coalition_deadline, culprit, slot},
                    priority_deadline);
  }

  // A wrong judgement names another actor that could plausibly have attacked s: with a
  // false flag, preferably one of another sponsor (the point of a false flag), else any.
  std::optional<std::uint32_t> decoy(std::uint32_t culprit, std::size_t s, bool false_flag,
                                     sim::RandomStream& rng) {
    candidates_.clear();
    const auto culprit_sponsor = sc_.attackers[culprit].sponsor;
    for (std::size_t b = 0; b < sc_.attackers.size(); ++b) {
      if (b == culprit) continue;
      const auto& targets = sc_.attackers[b].targets;
      if (std::find(targets.begin(), targets.end(), s) == targets.end()) continue;
      if (false_flag && sc_.attackers[b].sponsor == culprit_sponsor) continue;
      candidates_.push_back(static_cast<std::uint32_t>(b));
    }
    if (candidates_.empty() && false_flag) return decoy(culprit, s, false, rng);
    if (candidates_.empty()) return std::nullopt;
    const auto k = rng.uniform_int(0, static_cast<std::int64_t>(candidates_.size()) - 1);
    return candidates_[static_cast<std::size_t>(k)];
  }

  void on_ally_answer(const Sim& sim, std::uint32_t slot, std::uint32_t ally) {
    Incident& inc = incidents_[slot];
    const IncidentRow& row = inc.row;
    const std::size_t s = row.victim;
    const auto sponsor = sc_.attackers[static_cast<std::size_t>(row.named)].sponsor;
    const double alignment =
        sc_.alignment(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(ally));
    const double dependence = sponsor ? sc_.dependence(static_cast<Eigen::Index>(ally),
                                                       static_cast<Eigen::Index>(*sponsor))
                                      : 0.0;
    const double p = join_probability(sc_.calibration, alignment, row.confidence, dependence);
    bool joins = coalition_rng_[s].bernoulli(p);  // drawn whoever answers
    JoinAnswer answer;
    answer.stance = joins ? Stance::concur : Stance::abstain;
    if (played_[ally]) answer = ask_join(sim, inc, ally, alignment, dependence, p, joins);
    joins = answer.stance == Stance::concur || answer.stance == Stance::amend;
    if (options_.wargame) decider().answered(row.incident, ally, joins);
    std::erase(inc.unanswered, ally);
    take_stance(inc, ally, answer);
  }

  // An invitee's stance on the draft (§7.5): a co-signature (an amendment keeps the least
  // evidence and the weakest wording), a statement of its own, a rejection, or nothing.
  void take_stance(Incident& inc, std::size_t ally, const JoinAnswer& answer) {
    const double economy = sc_.states[ally].economy;
    switch (answer.stance) {
      case Stance::amend:
        inc.draft.evidence = std::min(inc.draft.evidence, answer.amendment.evidence);
        if (answer.amendment.likelihood >= 0 &&
            (inc.draft.likelihood < 0 || answer.amendment.likelihood < inc.draft.likelihood)) {
          inc.draft.likelihood = answer.amendment.likelihood;
        }
        [[fallthrough]];
      case Stance::concur:
        ++inc.joiners;
        inc.joined_weight += economy;
        ++coalitions_joined_[ally];
        if (options_.wargame) inc.cosigners.push_back(static_cast<std::uint32_t>(ally));
        break;
      case Stance::separate:
        ++inc.separate;
        inc.separate_weight += economy;
        if (options_.wargame) inc.apart.push_back(static_cast<std::uint32_t>(ally));
        break;
      case Stance::reject:
        ++inc.rejected;
        if (options_.wargame) inc.rejecters.push_back(static_cast<std::uint32_t>(ally));
        break;
      case Stance::abstain: break;
    }
  }

  void on_coalition_deadline(Sim& sim, std::uint32_t slot) {
    Incident& inc = incidents_[slot];
    // A played ally whose answer cannot arrive in time is still asked (docs/model.md
    // §11.5); its answer counts for nothing, and no random number is drawn for it.
    for (const std::uint32_t ally : inc.late_played) ask_late_join(sim, inc, ally);
    const auto decided = static_cast<Rung>(inc.row.rung_decided);
    // The consent rule (§7.5): under the silence procedure an invitee that did not answer
    // by the release concurs; a rejection, or under unanimity a silence, blocks the joint
    // text, and the lead goes alone.
    const Consent consent = inc.draft.consent;
    if (consent == Consent::silence) {
      for (const std::uint32_t ally : inc.unanswered) {
        ++inc.joiners;
        inc.joined_weight += sc_.states[ally].economy;
        if (options_.wargame) inc.cosigners.push_back(ally);
      }
    }
    bool blocked = (consent != Consent::willing && inc.rejected > 0) ||
                   (consent == Consent::unanimity && !inc.unanswered.empty());
    if (options_.wargame && inc.row.invited > 0) {
      // The outcome is proposed to a white cell, which may rule the other way
      // (docs/wargame.md, "Adjudication"); nothing is drawn, so accepting changes nothing.
      Adjudication a;
      a.incident = inc.row.incident;
      a.day = sim.now_days();
      a.lead = static_cast<std::uint32_t>(inc.row.victim);
      a.named = static_cast<std::uint32_t>(inc.row.named);
      a.rung = decided;
      a.consent = consent;
      a.unblocked = statement_outcome::unblocked(inc.joiners, inc.separate);
      a.proposed = blocked ? statement_outcome::blocked : a.unblocked;
      a.cosigners = inc.cosigners;
      a.separate = inc.apart;
      a.rejecters = inc.rejecters;
      a.silent = inc.unanswered;
      blocked = decider().adjudicate(a) == statement_outcome::blocked;
    }
    if (blocked) {
      inc.joiners = 0;
      inc.joined_weight = 0.0;
      inc.separate = 0;
      inc.separate_weight = 0.0;
      inc.cosigners.clear();
      inc.apart.clear();
    }
    inc.row.statement = inc.row.invited == 0 ? statement_outcome::uninvited
                        : blocked            ? statement_outcome::blocked
                                  : statement_outcome::unblocked(inc.joiners, inc.separate);
    if (inc.joiners == 0) ++run_.coalitions_failed;
    run_.coalition_signers_sum += 1 + inc.joiners;
    // A statement nobody joined or echoed is a unilateral attribution; sanctions stay
    // sanctions. Separate statements keep it a coordinated naming (§7.5).
    const Rung carried = decided == Rung::coordinate && inc.joiners == 0 && inc.separate == 0
                             ? Rung::attribute
                             : decided;
    go_public(sim, slot, carried, 1 + inc.joiners);
  }

  void go_public(Sim& sim, std::uint32_t slot, Rung rung, std::uint32_t signers) {
    Incident& inc = incidents_[slot];
    IncidentRow& row = inc.row;
    const std::size_t s = row.victim;
    const auto named = static_cast<std::uint32_t>(row.named);
    const Attacker& target = sc_.attackers[named];
    row.rung_final = static_cast<std::uint8_t>(rung);
    row.signers = signers;
    row.separate = inc.separate;
    row.evidence = inc.draft.evidence;
    row.response_day = sim.now_days();
    const Statement st = statement(s, signers, inc.joined_weight, inc.separate, inc.separate_weight,
                                   inc.draft.evidence);
    row.reputation_cost = target.reputation_cost * st.force(target.coalition_exponent);
    if (options_.wargame) {
      Publication p;
      p.incident = row.incident;
      p.day = row.response_day;
      p.lead = static_cast<std::uint32_t>(s);
      p.named = named;
      p.rung = rung;
      p.statement = row.statement;
      p.cosigners = inc.cosigners;
      p.separate = inc.apart;
      p.evidence = inc.draft.evidence;
      p.likelihood = inc.draft.likelihood;
      decider().published(p);
    }
    if (rung == Rung::sanction) {
      row.sanction_weight = sc_.states[s].economy + inc.joined_weight;
      row.sanction_days = sanction_rng_[s].exponential(1.0 / doctrine_[s].sanction_days);
      row.sanction_cost = target.sanction_cost * row.sanction_weight * row.sanction_days;
      ++active_sanctions_;
      sim.schedule_in(sim::to_ticks(row.sanction_days), {Kind::sanctions_lifted, named, 0},
                      priority_flow);
    }

    count(s, [&](Counts& c) {
      ++c.responses[static_cast<std::size_t>(rung)];
      if (rung == Rung::sanction) ++c.sanctions_imposed;
      if (!row.correct) ++c.innocent_punished;
    });
    ++run_.public_responses;
    run_.response_delay_days_sum += row.response_day - row.landed_day;
    run_.reputation_cost += row.reputation_cost;
    run_.sanction_cost += row.sanction_cost;
    if (rung == Rung::sanction) ++sanctioned_[named];
    AttackerRow& ar = attacker_rows_[named];
    ++ar.named;
    if (!row.correct) ++ar.named_wrongly;
    ar.reputation_cost += row.reputation_cost;
    ar.sanction_cost += row.sanction_cost;

    // Everyone sees a public response. The culprit learns its own outcome; every other
    // attacker (and the culprit too, if someone else was named) sees a demonstration.
    Observation seen;
    seen.attributed = true;
    seen.rung = rung;
    seen.coalition_size = st.signer_equivalents(target.coalition_exponent);
    seen.delay_days = row.response_day - row.landed_day;
    seen.sanction_weight = row.sanction_weight;
    seen.sanction_days = row.sanction_days;
    const std::uint32_t culprit = row.attacker;
    for (std::size_t b = 0; b < sc_.attackers.size(); ++b) {
      if (b == culprit && row.correct) {
        learn(sim, slot, &seen);
      } else {
        if (b == culprit) learn(sim, slot, nullptr);  // it sees another named for its operation
        observe_other(belief_to_update(b, s), seen, sc_.attackers[b].observe_others);
      }
    }
    close(slot);
  }

  // The culprit counts its operation's outcome: named publicly (`seen`, with the rung and
  // what it cost) or not (nullptr). Each operation counts once in P̂_attr: a naming that
  // comes after the silence window had counted it as unattributed replaces that count.
  void learn(const Sim& sim, std::uint32_t slot, const Observation* seen) {
    Incident& inc = incidents_[slot];
    Belief& belief = belief_to_update(inc.row.attacker, inc.row.victim);
    if (seen == nullptr) {
      if (inc.learned) return;
      observe_own(belief, Observation{});
    } else if (!inc.learned) {
      observe_own(belief, *seen);
    } else if (!inc.learned_named) {
      belief.not_attributed -= 1.0;  // counted as unattributed when its silence ended
      observe_own(belief, *seen);
    } else {
      observe_other(belief, *seen, 1.0);  // named again for it: only the rung is news
      return;
    }
    inc.learned = true;
    inc.learned_named = seen != nullptr && seen->attributed;
    inc.row.learned_day = sim.now_days();
    inc.row.learned_named = inc.learned_named;
  }

  void on_verdict(const Sim& sim, std::uint32_t slot) {
    Incident& inc = incidents_[slot];
    learn(sim, slot, nullptr);  // nothing public named it within the window
    --inc.pending;
    release_if_done(slot);
  }

  // An incident that ends without a public response. The culprit cannot see that: its
  // silence window will count the operation as not attributed (on_verdict), unless the
  // scenario lets it learn of a correct, quiet attribution now.
  void close_quietly(const Sim& sim, std::uint32_t slot) {
    const IncidentRow& row = incidents_[slot].row;
    if (sc_.calibration.learn_quiet_hardening && row.attributed && row.correct) {
      Observation o;
      o.attributed = true;
      o.rung = Rung::none;
      learn(sim, slot, &o);
    }
    close(slot);
  }

  // ---- scheduled events (§10.3) ----------------------------------------------------------

  // The first detection (of an operation by the target) or judgement (naming it) that
  // matches a conditional scheduled event fires it, after its delay, once.
  void trigger(Sim& sim, ScheduledTrigger what, std::uint32_t slot, std::size_t attacker) {
    Incident& inc = incidents_[slot];
    const double day = sim.now_days();
    for (std::size_t i = 0; i < sc_.scheduled.size(); ++i) {
      const ScheduledEvent& e = sc_.scheduled[i];
      if (!e.enabled || e.trigger != what || scheduled_fired_[i] || e.target != attacker) continue;
      if (inc.row.victim != e.victim.value_or(e.state) || day < e.after_day) continue;
      scheduled_fired_[i] = 1;
      if (options_.wargame) decider().scheduled(i, day, false);
      ++inc.pending;  // the act is about this operation
      sim.schedule_in(sim::to_ticks(e.delay_days),
                      {Kind::scheduled, static_cast<std::uint32_t>(i), slot},
                      e.action == ScheduledAction::policy ? priority_policy : priority_flow);
    }
  }

  void on_scheduled(Sim& sim, std::uint32_t index, std::uint32_t slot) {
    const ScheduledEvent& e = sc_.scheduled[index];
    const std::size_t s = e.state;
    if (options_.wargame) decider().scheduled(index, sim.now_days(), true);
    count(s, [](Counts& c) { ++c.scheduled_acts; });
    switch (e.action) {
      case ScheduledAction::policy: {
        RungPolicy& policy = doctrine_[s].rung(e.rung);
        if (e.rung_enabled) policy.enabled = *e.rung_enabled;
        if (e.threshold) policy.threshold = *e.threshold;
        break;
      }
      case ScheduledAction::disclose: {
        const std::size_t a = *e.target;
        if (sc_.attackers[a].scarce.enabled) stock_[a] = 0;  // its tools are burned,
        burned_day_[a] = sim.now_days();                     // those in flight too
        set_disclosed(static_cast<std::uint32_t>(a), index, true);
        ++attacker_rows_[a].disclosed;
        sim.schedule_in(sim::to_ticks(e.duration_days),
                        {Kind::retooled, static_cast<std::uint32_t>(a), index}, priority_flow);
        break;
      }
      case ScheduledAction::attribute:
      case ScheduledAction::coordinate:
      case ScheduledAction::sanction: scheduled_public_act(sim, index, slot); break;
    }
    if (slot != no_incident) {
      --incidents_[slot].pending;
      release_if_done(slot);
    }
  }

  // A public act that no doctrine decided: costs, counts and beliefs as for a response
  // (§7.3, §8), with the signers the scenario names.
  void scheduled_public_act(Sim& sim, std::uint32_t index, std::uint32_t slot) {
    const ScheduledEvent& e = sc_.scheduled[index];
    const std::size_t s = e.state;
    const auto named = static_cast<std::uint32_t>(*e.target);
    const Attacker& target = sc_.attackers[named];
    const Rung rung = e.action == ScheduledAction::sanction     ? Rung::sanction
                      : e.action == ScheduledAction::coordinate ? Rung::coordinate
                                                                : Rung::attribute;
    double cosigned_weight = 0.0, separate_weight = 0.0;
    for (const std::size_t t : e.signers) cosigned_weight += sc_.states[t].economy;
    for (const std::size_t t : e.separate) separate_weight += sc_.states[t].economy;
    const Statement st =
        statement(s, static_cast<std::uint32_t>(1 + e.signers.size()), cosigned_weight,
                  static_cast<std::uint32_t>(e.separate.size()), separate_weight, e.evidence);
    Observation seen;
    seen.attributed = true;
    seen.rung = rung;
    seen.coalition_size = st.signer_equivalents(target.coalition_exponent);
    const double reputation = target.reputation_cost * st.force(target.coalition_exponent);
    double sanction = 0.0;
    if (rung == Rung::sanction) {
      double weight = sc_.states[s].economy;
      for (const std::size_t t : e.signers) weight += sc_.states[t].economy;
      const double days = scheduled_rng_[index].exponential(1.0 / doctrine_[s].sanction_days);
      seen.sanction_weight = weight;
      seen.sanction_days = days;
      sanction = target.sanction_cost * weight * days;
      ++active_sanctions_;
      count(s, [](Counts& c) { ++c.sanctions_imposed; });
      sim.schedule_in(sim::to_ticks(days), {Kind::sanctions_lifted, named, 0}, priority_flow);
      ++sanctioned_[named];
    }
    run_.reputation_cost += reputation;
    run_.sanction_cost += sanction;
    AttackerRow& ar = attacker_rows_[named];
    ++ar.named;
    ar.reputation_cost += reputation;
    ar.sanction_cost += sanction;
    // Beliefs: about the victim of the operation that triggered it, else the acting state.
    const std::size_t about = slot != no_incident ? incidents_[slot].row.victim : s;
    if (slot != no_incident) {
      const IncidentRow& row = incidents_[slot].row;
      seen.delay_days = sim.now_days() - row.landed_day;
    }
    for (std::size_t b = 0; b < sc_.attackers.size(); ++b) {
      if (b != named) {
        observe_other(belief_to_update(b, about), seen, sc_.attackers[b].observe_others);
      } else if (slot != no_incident && incidents_[slot].row.attacker == named) {
        learn(sim, slot, &seen);  // named for this very operation
      } else {
        observe_own(belief_to_update(b, about), seen);
      }
    }
  }

  // What the named actor sees of a public statement (§7.5): k signers, of whom k − 1
  // co-signed the lead's text, and `separate` states naming it in words of their own.
  struct Statement {
    double signers = 1.0;   // k_eff: co-signers and separate statements, in signer units
    double evidence = 0.0;  // e
    double evidence_weight = 0.0;
    // k_eff^β · (1 + γ_e · e): the statement's reputation cost per unit of ρ.
    double force(double beta) const {
      return std::pow(signers, beta) * (1.0 + evidence_weight * evidence);
    }
    // The k an attacker learns (k̂, §8): the signers that would cost it as much without
    // evidence, so that ρ · k̂^β is what it expects to pay.
    double signer_equivalents(double beta) const {
      if (evidence == 0.0 || evidence_weight == 0.0 || beta <= 0.0) return signers;
      return signers * std::pow(1.0 + evidence_weight * evidence, 1.0 / beta);
    }
  };

  Statement statement(std::size_t lead, std::uint32_t signers, double cosigned_weight,
                      std::uint32_t separate, double separate_weight, double evidence) const {
    const Calibration& m = sc_.calibration;
    Statement st;
    st.evidence = evidence;
    st.evidence_weight = m.evidence_weight;
    const double keep = 1.0 - m.split_discount;  // what a separate statement counts
    if (m.signer_weight_share > 0.0 && sc_.states[lead].economy > 0.0) {
      // Each co-signer counts (1 − η) + η · w_t / w_lead.
      const double eta = m.signer_weight_share;
      const double lead_weight = sc_.states[lead].economy;
      const double cosigners = static_cast<double>(signers - 1);
      st.signers = 1.0 + (1.0 - eta) * cosigners + eta * cosigned_weight / lead_weight +
                   keep * ((1.0 - eta) * separate + eta * separate_weight / lead_weight);
    } else {
      st.signers = static_cast<double>(signers) + keep * static_cast<double>(separate);
    }
    return st;
  }

  // Marks disclosure `index` of attacker `a` as lasting or over; κ_a is lowered by every
  // disclosure that lasts.
  void set_disclosed(std::uint32_t a, std::uint32_t index, bool on) {
    disclosed_[index] = on ? 1 : 0;
    double factor = 1.0;
    for (std::size_t i = 0; i < sc_.scheduled.size(); ++i) {
      if (disclosed_[i] && sc_.scheduled[i].target == a) {
        factor *= 1.0 - sc_.scheduled[i].capability_loss;
      }
    }
    capability_factor_[a] = factor;
  }

  // ---- programs and policies ------------------------------------------------------------

  static double grow(double value, const Program& p, double rate, double years, double bound) {
    const double grown =
        p.multiplicative ? value * std::pow(1.0 + rate, years) : value + rate * years;
    return std::min(grown, bound);
  }

  // Monthly ticks from the program's start; the k-th is at start + k * month.
  static sim::Periodic program_schedule(const Program& p) {
    return {sim::to_ticks(p.start_day), sim::to_ticks(program_tick_days)};
  }

  void on_program_tick(Sim& sim, std::uint32_t index, std::uint32_t k) {
    const Program& p = programs_[index];
    const double years = program_tick_days / days_per_year;
    const std::size_t b = p.beneficiary;
    switch (p.kind) {
      case ProgramKind::training:
        workforce_[b] = grow(workforce_[b], p, p.rate, years, p.bound.value_or(infinity));
        break;
      case ProgramKind::investment:
        // Boards that see security as an investment turn more of it into defense.
        defense_[b] = grow(defense_[b], p, p.rate * sc_.states[b].board_engagement, years,
                           p.bound.value_or(default_defense_bound));
        break;
      case ProgramKind::capacity_building:
        defense_[b] = grow(defense_[b], p, p.rate, years, p.bound.value_or(default_defense_bound));
        // Diminishing returns: the partner's detection grows up to the program's ceiling.
        detection_boost_[b] = std::max(
            detection_boost_[b],
            std::min(detection_boost_[b] * std::pow(1.0 + p.rate, years), p.detection_bound));
        break;
      default: break;
    }
    const Tick next = program_schedule(p).at(k + 1);
    if (sim::to_days(next) <= p.end_day) {
      sim.schedule_at(next, {Kind::program_tick, index, k + 1}, priority_program);
    }
  }

  void start_program(Sim& sim, std::size_t index) {
    const Program& prog = programs_[index];
    const auto agent = static_cast<std::uint32_t>(index);
    const Tick begin = sim::to_ticks(prog.start_day);
    if (begin > horizon_) return;
    switch (prog.kind) {
      case ProgramKind::training:
      case ProgramKind::investment:
      case ProgramKind::capacity_building:
        sim.schedule_at(program_schedule(prog).at(1), {Kind::program_tick, agent, 1},
                        priority_program);
        break;
      case ProgramKind::information_sharing:
        sim.schedule_at(begin, {Kind::program_start, agent, 0}, priority_program);
        if (std::isfinite(prog.end_day)) {
          sim.schedule_at(sim::to_ticks(prog.end_day), {Kind::program_end, agent, 0},
                          priority_program);
        }
        break;
      case ProgramKind::exercise: break;  // acts through detection_rate() while active
    }
  }

  void on_sharing(std::uint32_t index, bool joins) {
    const Program& p = programs_[index];
    if (!p.community) return;
    auto& members = membership_[*p.community][p.beneficiary];
    if (joins) {
      ++members;
    } else if (members > 0) {
      --members;
    }
  }

  void on_policy_change(std::uint32_t index) {
    const PolicyChange& change = sc_.policy_changes[index];
    RungPolicy& policy = doctrine_[change.state].rung(change.rung);
    if (change.enabled) policy.enabled = *change.enabled;
    if (change.threshold) policy.threshold = *change.threshold;
  }

  // ---- war-game: the played states' decisions (wargame.hpp) ------------------------------

  StateRecord empty_record() const {
    StateRecord r;
    r.named.assign(sc_.attackers.size(), 0);
    r.publicly_named.assign(sc_.attackers.size(), 0);
    r.sanctioned.assign(sc_.attackers.size(), 0);
    return r;
  }

  StateRecord record(std::size_t s, double day) const {
    StateRecord r;
    const Counts& c = by_state_[s];
    r.detected = c.detected;
    // Detections come in time order: count the last two quarters by bisection.
    const auto& days = detected_days_[s];
    auto since = [&](double from) {
      return static_cast<std::uint64_t>(days.end() -
                                        std::lower_bound(days.begin(), days.end(), from));
    };
    r.detected_last_quarter = since(day - quarter_days);
    r.detected_previous_quarter = since(day - 2.0 * quarter_days) - r.detected_last_quarter;
    r.judgements = c.attributed;
    r.responses = c.responses;
    r.coalitions_joined = coalitions_joined_[s];
    r.named = known_named_[s];
    r.publicly_named.reserve(attacker_rows_.size());
    for (const AttackerRow& a : attacker_rows_) r.publicly_named.push_back(a.named);
    r.sanctioned = sanctioned_;
    r.active_sanctions = active_sanctions_;
    return r;
  }

  Decider& decider() const { return *options_.wargame->decider; }

  Rung ask_response(const Sim& sim, Incident& inc, Rung recommended,
                    std::optional<std::size_t> sponsor, double dependence) {
    const IncidentRow& row = inc.row;
    const std::size_t s = row.victim;
    const auto named = static_cast<std::uint32_t>(row.named);
    ResponseBrief b;
    b.day = sim.now_days();
    b.state = row.victim;
    b.incident = row.incident;
    b.sector = row.sector;
    b.success = row.success;
    b.severity = row.severity;
    b.normalised_severity = inc.normalised_severity;
    b.mega_event = row.mega_event;
    b.landed_day = row.landed_day;
    b.detected_day = row.detected_day;
    b.named = named;
    b.confidence = row.confidence;
    if (sponsor) b.sponsor = static_cast<std::uint32_t>(*sponsor);
    b.dependence = dependence;
    for (std::size_t a = 0; a < sc_.attackers.size(); ++a) {
      const Attacker& att = sc_.attackers[a];
      if (a == named || att.false_flag <= 0.0 || att.sponsor == sc_.attackers[named].sponsor) {
        continue;
      }
      if (std::find(att.targets.begin(), att.targets.end(), s) != att.targets.end()) {
        b.false_flag_suspects.push_back(static_cast<std::uint32_t>(a));
      }
    }
    b.case_strength = row.case_strength;
    b.recommended = recommended;
    b.doctrine = doctrine_[s];
    b.resolve = sc_.states[s].resolve;
    for (std::size_t t = 0; t < sc_.states.size(); ++t) {
      if (t == s || (sponsor && t == *sponsor)) continue;
      const double alignment =
          sc_.alignment(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(t));
      if (alignment <= 0.0) continue;
      AllyStance a;
      a.state = static_cast<std::uint32_t>(t);
      a.alignment = alignment;
      a.dependence = sponsor ? sc_.dependence(static_cast<Eigen::Index>(t),
                                              static_cast<Eigen::Index>(*sponsor))
                             : 0.0;
      a.p_join = join_probability(sc_.calibration, alignment, row.confidence, a.dependence);
      a.played = played_[t] != 0;
      b.allies.push_back(a);
    }
    b.record = record(s, b.day);
    const Rung chosen = decider().respond(b);
    const auto options = b.options();
    if (std::find(options.begin(), options.end(), chosen) == options.end()) {
      throw std::logic_error("the decider chose a rung that is not enabled");
    }
    if (chosen != Rung::none) {
      inc.draft = decider().draft(b, chosen, doctrine_[s].evidence);
      CYBERDETER_CHECK(inc.draft.evidence >= 0.0 && inc.draft.evidence <= 1.0,
                       "a draft's evidence is a share");
      CYBERDETER_CHECK(!inc.draft.release_days || *inc.draft.release_days > 0.0,
                       "a draft is released after its invitations");
    }
    return chosen;
  }

  JoinAnswer ask_join(const Sim& sim, const Incident& inc, std::size_t ally, double alignment,
                      double dependence, double p, bool model_answer) {
    const IncidentRow& row = inc.row;
    const auto named = static_cast<std::uint32_t>(row.named);
    JoinBrief b;
    b.day = sim.now_days();
    b.late = lateness_;
    b.state = static_cast<std::uint32_t>(ally);
    b.leader = row.victim;
    b.incident = row.incident;
    b.rung = static_cast<Rung>(row.rung_decided);
    b.sector = row.sector;
    b.severity = row.severity;
    b.named = named;
    if (const auto sponsor = sc_.attackers[named].sponsor) {
      b.sponsor = static_cast<std::uint32_t>(*sponsor);
    }
    b.confidence = row.confidence;
    b.alignment = alignment;
    b.dependence = dependence;
    b.p_join = p;
    b.model_answer = model_answer;
    b.invited_day = row.attributed_day;
    b.deadline_day = row.attributed_day +
                     inc.draft.release_days.value_or(sc_.calibration.coalition_deadline_days);
    b.draft = inc.draft;
    b.record = record(ally, b.day);
    const bool joins = decider().join(b);
    JoinAnswer answer = decider().stance(b, joins);
    if (b.late) answer.stance = Stance::abstain;  // it counts for nothing
    return answer;
  }

  void ask_late_join(const Sim& sim, const Incident& inc, std::size_t ally) {
    const IncidentRow& row = inc.row;
    const auto sponsor = sc_.attackers[static_cast<std::size_t>(row.named)].sponsor;
    const double alignment =
        sc_.alignment(static_cast<Eigen::Index>(row.victim), static_cast<Eigen::Index>(ally));
    const double dependence = sponsor ? sc_.dependence(static_cast<Eigen::Index>(ally),
                                                       static_cast<Eigen::Index>(*sponsor))
                                      : 0.0;
    const double p = join_probability(sc_.calibration, alignment, row.confidence, dependence);
    lateness_ = true;
    ask_join(sim, inc, ally, alignment, dependence, p, false);
    lateness_ = false;
  }

  static sim::Periodic turn_schedule(double turn_days) { return {0, sim::to_ticks(turn_days)}; }

  void schedule_turn(Sim& sim, std::uint32_t k) {
    const Tick t = turn_schedule(options_.wargame->turn_days).at(k);
    if (t <= horizon_) sim.schedule_at(t, {Kind::turn, k, 0}, priority_turn);
  }

  TurnBrief turn_brief(const Sim& sim, std::uint32_t k, std::size_t s) const {
    TurnBrief b;
    b.day = sim.now_days();
    b.turn = k;
    b.state = static_cast<std::uint32_t>(s);
    b.doctrine = doctrine_[s];
    b.resolve = sc_.states[s].resolve;
    b.record = record(s, b.day);
    b.previous = previous_record_[s];
    b.defense = defense_[s];
    b.detection_rate = detection_rate(s, sim.now());
    b.workforce = workforce_[s];
    b.programs = programs_;
    for (std::size_t p = 0; p < programs_.size(); ++p) {
      const Program& prog = programs_[p];
      if (prog.beneficiary == s && prog.start_day <= b.day && b.day < prog.end_day) {
        b.running_programs.push_back(p);
      }
    }
    for (std::size_t c = 0; c < sc_.communities.size(); ++c) {
      // Not a member, and no sharing program of its own already on the way in.
      bool joining = membership_[c][s] > 0;
      for (const Program& prog : programs_) {
        joining = joining || (prog.kind == ProgramKind::information_sharing &&
                              prog.beneficiary == s && prog.community == c && b.day < prog.end_day);
      }
      if (!joining) b.joinable_communities.push_back(c);
    }
    return b;
  }

  void on_turn(Sim& sim, std::uint32_t k) {
    for (const std::size_t s : options_.wargame->played) {
      for (;;) {
        const TurnBrief brief = turn_brief(sim, k, s);
        const DoctrineAction action = decider().turn(brief);
        if (action.kind == ActionKind::done) break;
        if (const auto why = check_action(sc_, brief, action)) {
          throw std::logic_error("the decider took an action that is not allowed: " + *why);
        }
        if (action.kind == ActionKind::program) {
          programs_.push_back(make_program(sc_, s, brief.day, action));
          start_program(sim, programs_.size() - 1);
        } else {
          apply(doctrine_[s], action);
        }
      }
      previous_record_[s] = record(s, sim.now_days());
    }
    schedule_turn(sim, k + 1);
  }

  // ---- reporting ------------------------------------------------------------------------

  void schedule_report(Sim& sim, std::uint32_t k) {
    const Tick t = report_period_.at(k);
    if (t <= horizon_) sim.schedule_at(t, {Kind::report, k, 0}, priority_report);
  }

  void on_report(Sim& sim, std::uint32_t k) {
    emit_period(report_period_.at(k - 1), sim.now());
    schedule_report(sim, k + 1);
  }

  void emit_period(Tick from, Tick to) {
    PeriodRow row;
    row.replication = replication_;
    row.period = reports_emitted_++;
    row.start_day = sim::to_days(from);
    row.end_day = sim::to_days(to);
    row.counts = period_;
    row.launched_by_kind = period_launched_by_kind_;
    row.sanctions_active = active_sanctions_;
    row.mean_defense = std::accumulate(defense_.begin(), defense_.end(), 0.0) /
                       static_cast<double>(defense_.size());
    double beliefs = 0.0;
    std::size_t n = 0;
    for (std::size_t a = 0; a < sc_.attackers.size(); ++a) {
      for (const std::size_t s : sc_.attackers[a].targets) {
        beliefs += beliefs_[a][s].p_attributed();
        ++n;
      }
    }
    row.mean_p_attributed = n > 0 ? beliefs / static_cast<double>(n) : 0.0;
    sink_.period(row);
    period_ = Counts{};
    period_launched_by_kind_ = {};
  }

  // Adds to the run, the current period and the victim's counts at once.
  template <class F>
  void count(std::size_t s, F&& add) {
    add(total_);
    add(period_);
    add(by_state_[s]);
  }

  // ---- incident pool (memory bounded by incidents in flight, not by the horizon) ----------

  std::uint32_t new_incident() {
    std::uint32_t slot;
    if (!free_incidents_.empty()) {
      slot = free_incidents_.back();
      free_incidents_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(incidents_.size());
      incidents_.emplace_back();
    }
    Incident& inc = incidents_[slot];
    inc = Incident{};
    inc.live = true;
    inc.row.replication = replication_;
    inc.row.incident = next_incident_++;
    inc.row.landed_day = -1.0;  // not launched yet
    return slot;
  }

  void close(std::uint32_t slot) {
    Incident& inc = incidents_[slot];
    CYBERDETER_CHECK(inc.live && !inc.closed, "incident closed twice");
    inc.closed = true;
    release_if_done(slot);
  }

  // Writes the incident and frees its slot once nothing more can happen to it.
  void release_if_done(std::uint32_t slot) {
    Incident& inc = incidents_[slot];
    if (!inc.closed || inc.pending > 0) return;
    if (options_.incidents) sink_.incident(inc.row);
    inc.live = false;
    free_incidents_.push_back(slot);
  }

  const Scenario& sc_;
  std::uint64_t replication_;
  RunSink& sink_;
  RunOptions options_;
  sim::StreamFactory streams_;
  Tick horizon_;
  sim::Periodic report_period_;

  std::vector<sim::RandomStream> opportunity_rng_, choice_rng_, landing_rng_, capability_rng_;
  std::vector<sim::RandomStream> detection_rng_, attribution_rng_, doctrine_rng_, coalition_rng_,
      sanction_rng_;

  std::vector<double> defense_, workforce_, detection_boost_;
  std::vector<Program> programs_;  // the scenario's, then those players start
  std::vector<Doctrine> doctrine_;
  std::vector<std::vector<std::uint32_t>> membership_;  // [community][state]: memberships held
  std::vector<std::vector<Belief>> beliefs_;            // [attacker][state]
  std::vector<ConsequenceTerms> consequence_;           // [attacker * states + state]
  std::vector<std::uint8_t> stale_;                     // consequence_ needs recomputing
  std::vector<std::uint32_t> stock_;
  std::vector<double> threshold_;
  std::vector<double> expected_sector_multiplier_;

  std::vector<Incident> incidents_;
  std::vector<std::uint32_t> free_incidents_;
  std::uint64_t next_incident_ = 0;
  std::uint64_t decisions_ = 0;
  std::uint64_t active_sanctions_ = 0;
  std::uint32_t reports_emitted_ = 0;

  Counts total_, period_;
  std::array<std::uint64_t, attacker_kind_count> period_launched_by_kind_{};
  std::vector<Counts> by_state_;
  // What states know (war-game briefs): judgements naming each attacker, invitations
  // joined; public namings and sanctions of each attacker, seen by everyone.
  std::vector<std::vector<std::uint64_t>> known_named_;  // [state][attacker]
  std::vector<std::uint64_t> coalitions_joined_;         // [state]
  std::vector<std::uint64_t> sanctioned_;                // [attacker]
  std::vector<std::uint8_t> played_;                     // [state]: a player decides
  std::vector<StateRecord> previous_record_;             // [state]: at its last turn
  std::vector<std::vector<double>> detected_days_;       // [state]: war-game only
  bool lateness_ = false;                                // asking a late played ally
  std::vector<AttackerRow> attacker_rows_;
  RunRow run_;
  std::vector<double> by_state_recovery_;         // [state]: recovery days of its incidents
  std::vector<double> capability_factor_;         // [attacker]: 1 unless disclosed
  std::vector<double> burned_day_;                // [attacker]: day of its last disclosure, or -1
  std::vector<std::uint8_t> scheduled_fired_;     // [scheduled]: a conditional one has fired
  std::vector<std::uint8_t> disclosed_;           // [scheduled]: its disclosure lasts
  std::vector<sim::RandomStream> scheduled_rng_;  // [scheduled]: sanction durations
  Tick final_year_ = 0;                           // decisions from here count in margin_final

  // Scratch space reused by every decision (no allocation per event).
  std::vector<ChoiceTerms> terms_;
  std::vector<double> utilities_;
  std::vector<double> probabilities_;
  std::vector<std::uint32_t> candidates_;
};

// The ranges of the scenario keys keep every result finite (docs/model.md §12); a value
// that is not would be written as if fine, so it stops the run instead.
void check_finite(const Scenario& scenario, const RunResult& result) {
  const RunRow& r = result.run;
  const std::pair<const char*, double> values[] = {
      {"damage", r.total.damage},
      {"detection_delay_days_sum", r.detection_delay_days_sum},
      {"attribution_delay_days_sum", r.attribution_delay_days_sum},
      {"response_delay_days_sum", r.response_delay_days_sum},
      {"reputation_cost", r.reputation_cost},
      {"sanction_cost", r.sanction_cost}};
  for (const auto& [name, value] : values) {
    if (std::isfinite(value)) continue;
    throw ScenarioError(scenario.path, 0, 0, "",
                        "replication " + std::to_string(r.replication) + " produced " +
                            detail::toml_number(value) + " for " + name +
                            ": the scenario's values overflow what the model can compute; "
                            "lower the largest gains, costs, economies or multipliers");
  }
  for (const StateRow& row : result.states) {
    for (const double v : {row.final_defense, row.final_detection_rate, row.final_workforce}) {
      if (std::isfinite(v)) continue;
      throw ScenarioError(scenario.path, 0, 0, "states." + scenario.states[row.state].name,
                          "replication " + std::to_string(r.replication) +
                              " grew its defense, detection rate or workforce to " +
                              detail::toml_number(v) +
                              ": lower the rates of the programs that benefit it");
    }
  }
}

}  // namespace

RunResult run_replication(const Scenario& scenario, const sim::RunId& id, RunSink& sink,
                          const RunOptions& options) {
  Sim simulation;
  Model model(scenario, id, sink, options);
  model.start(simulation);
  sim::TraceHash trace;
  const Tick horizon = sim::to_ticks(scenario.run.horizon_days);
  const auto stop =
      simulation.run(model, sim::StopCondition{horizon, scenario.run.max_events}, trace);
  if (stop == sim::StopReason::event_budget) {
    throw ScenarioError(
        scenario.path, 0, 0, "run.max_events",
        "replication " + std::to_string(id.replication) + " reached " +
            std::to_string(scenario.run.max_events) + " events at day " +
            detail::toml_number(simulation.now_days()) + " of " +
            detail::toml_number(scenario.run.horizon_days) +
            ": the scenario makes events faster than they can be simulated (look at the "
            "attackers' opportunity_rate and the programs' rates), or raise run.max_events");
  }
  RunResult result = model.finish(simulation, trace.value());
  check_finite(scenario, result);
  return result;
}

std::uint64_t reporting_periods(const RunSettings& run) {
  const auto horizon = static_cast<std::uint64_t>(sim::to_ticks(run.horizon_days));
  const auto period = static_cast<std::uint64_t>(sim::to_ticks(run.reporting_days));
  return period == 0 ? 0 : (horizon + period - 1) / period;
}

RunResult run_replication(const Scenario& scenario, std::uint64_t replication, RunSink& sink,
                          const RunOptions& options) {
  return run_replication(scenario, sim::RunId{scenario.run.seed, replication, {}}, sink, options);
}

}  // namespace cyberdeter::models::deterrence
