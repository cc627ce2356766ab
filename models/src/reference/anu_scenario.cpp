#include <limits>
#include <sstream>

#include "../toml_reader.hpp"
#include "cyberdeter/models/reference/anu.hpp"

namespace cyberdeter::models::anu {
namespace {

// At 20 M attacks a second, 10^13 attacks is a week of one core: past that a typo, not a plan.
constexpr double max_attacks = 1e13;

AnuScenario read(detail::Document doc, const std::vector<std::string>& overrides) {
  using detail::Range;
  for (const auto& o : overrides) detail::apply_override(doc, o);
  AnuScenario sc;
  sc.path = doc.path;
  sc.text = doc.text;
  detail::Reader root(doc, doc.root, "");
  (void)root.choice("model", "", {"anu_deterrence"});
  sc.name = root.string("name", "");
  (void)root.string("description", "");
  AnuParams& p = sc.params;
  if (auto run = root.table("run")) {
    sc.replications = static_cast<std::uint64_t>(run->integer("replications", 10, 1, 1'000'000));
    sc.seed = static_cast<std::uint64_t>(
        run->integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
    p.trajectory_turns = static_cast<std::uint32_t>(
        run->integer("trajectory_turns", p.trajectory_turns, 0, 1'000'000'000));
    run->finish();
  }
  if (auto t = root.table("anu")) {
    p.states = static_cast<std::uint32_t>(t->integer("states", p.states, 2, 1'000'000));
    p.intensities = static_cast<std::uint32_t>(t->integer("intensities", p.intensities, 1, 1'000));
    p.rounds_per_turn = static_cast<std::uint32_t>(
        t->integer("rounds_per_turn", p.rounds_per_turn, 1, 1'000'000'000));
    p.turns = static_cast<std::uint32_t>(t->integer("turns", p.turns, 1, 1'000'000'000));
    p.mutation = t->number("mutation", p.mutation, Range::probability());
    const Range cost = Range::closed(0.0, 1e6);
    p.defender_cost = t->number("defender_cost", p.defender_cost, cost);
    p.retaliation_cost = t->number("retaliation_cost", p.retaliation_cost, cost);
    p.retaliation_effect = t->number("retaliation_effect", p.retaliation_effect, cost);
    p.rationality = t->number("rationality", p.rationality, Range::probability());
    p.attribution = t->number("attribution", p.attribution, Range::probability());
    const double attacks = static_cast<double>(p.states) * p.rounds_per_turn * p.turns;
    if (attacks > max_attacks) {
      t->fail_table("states * rounds_per_turn * turns is " + detail::toml_number(attacks) +
                    " attacks per replication; at most 1e13 (a week of one core)");
    }
    t->finish();
  }
  if (auto t = root.table("coordination")) {
    p.partners = static_cast<std::uint32_t>(t->integer("partners", p.partners, 0, 1'000'000));
    p.partner_cost = t->number("partner_cost", p.partner_cost, Range::closed(0.0, 1e6));
    if (p.partners > p.states - 2) {
      t->fail("partners", "expected at most " + std::to_string(p.states - 2) +
                              " (states other than the attacker and the defender), got " +
                              std::to_string(p.partners));
    }
    t->finish();
  }
  if (auto t = root.table("publication")) {
    p.publication_delay_rounds = static_cast<std::uint32_t>(
        t->integer("delay_rounds", p.publication_delay_rounds, 0, 1'000'000'000));
    t->finish();
  }
  root.finish();
  return sc;
}

}  // namespace

AnuScenario load_anu_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  return read(detail::parse_file(path), overrides);
}

AnuScenario load_anu_scenario_text(std::string text, std::string path,
                                   const std::vector<std::string>& overrides) {
  return read(detail::parse_text(std::move(text), std::move(path)), overrides);
}

std::string AnuScenario::resolved_toml() const {
  using detail::toml_number;
  std::ostringstream os;
  os << "model = \"anu_deterrence\"\nname = " << detail::toml_string(name) << "\n\n[run]\n"
     << "replications = " << replications << "\nseed = " << seed
     << "\ntrajectory_turns = " << params.trajectory_turns << "\n\n[anu]\n"
     << "states = " << params.states << "\nintensities = " << params.intensities
     << "\nrounds_per_turn = " << params.rounds_per_turn << "\nturns = " << params.turns
     << "\nmutation = " << toml_number(params.mutation)
     << "\ndefender_cost = " << toml_number(params.defender_cost)
     << "\nretaliation_cost = " << toml_number(params.retaliation_cost)
     << "\nretaliation_effect = " << toml_number(params.retaliation_effect)
     << "\nrationality = " << toml_number(params.rationality)
     << "\nattribution = " << toml_number(params.attribution) << "\n\n[coordination]\n"
     << "partners = " << params.partners << "\npartner_cost = " << toml_number(params.partner_cost)
     << "\n\n[publication]\n"
     << "delay_rounds = " << params.publication_delay_rounds << "\n";
  return os.str();
}

}  // namespace cyberdeter::models::anu
