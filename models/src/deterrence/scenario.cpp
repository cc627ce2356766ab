#include "cyberdeter/models/deterrence/scenario.hpp"

#include <algorithm>

namespace cyberdeter::models::deterrence {
namespace {

template <class Agents>
std::optional<std::size_t> index_of(const Agents& agents, std::string_view name) {
  const auto it = std::find_if(agents.begin(), agents.end(),
                               [&](const auto& agent) { return agent.name == name; });
  if (it == agents.end()) return std::nullopt;
  return static_cast<std::size_t>(it - agents.begin());
}

}  // namespace

std::optional<std::size_t> Scenario::state_index(std::string_view state_name) const {
  return index_of(states, state_name);
}

std::optional<std::size_t> Scenario::attacker_index(std::string_view attacker_name) const {
  return index_of(attackers, attacker_name);
}

namespace {

std::size_t heap(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }
template <class T>
std::size_t heap(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

std::size_t footprint(const Scenario& sc) {
  std::size_t bytes =
      sizeof(Scenario) + heap(sc.path) + heap(sc.text) + heap(sc.name) + heap(sc.description) +
      heap(sc.run.start_date) + heap(sc.run.value_unit) + heap(sc.states) + heap(sc.attackers) +
      heap(sc.sectors) + heap(sc.communities) + heap(sc.programs) + heap(sc.mega_events) +
      heap(sc.policy_changes) + heap(sc.scheduled) +
      sizeof(double) * static_cast<std::size_t>(sc.alignment.size() + sc.dependence.size());
  for (const auto& s : sc.states) bytes += heap(s.name);
  for (const auto& a : sc.attackers) {
    bytes += heap(a.name) + heap(a.gain_by_target) + heap(a.sector_weights) + heap(a.targets);
  }
  for (const auto& s : sc.sectors) bytes += heap(s.name);
  for (const auto& c : sc.communities) bytes += heap(c.name) + heap(c.members);
  for (const auto& p : sc.programs) bytes += heap(p.name);
  for (const auto& m : sc.mega_events) bytes += heap(m.name);
  for (const auto& e : sc.scheduled) bytes += heap(e.name) + heap(e.signers) + heap(e.separate);
  return bytes;
}

std::string_view to_string(Rung r) noexcept {
  switch (r) {
    case Rung::none: return "none";
    case Rung::attribute: return "attribute";
    case Rung::coordinate: return "coordinate";
    case Rung::sanction: return "sanction";
  }
  return "?";
}

std::string_view to_string(AttackerKind k) noexcept {
  switch (k) {
    case AttackerKind::state_sponsored: return "state_sponsored";
    case AttackerKind::criminal: return "criminal";
    case AttackerKind::hacktivist: return "hacktivist";
  }
  return "?";
}

std::string_view to_string(ProgramKind k) noexcept {
  switch (k) {
    case ProgramKind::training: return "training";
    case ProgramKind::investment: return "investment";
    case ProgramKind::exercise: return "exercise";
    case ProgramKind::capacity_building: return "capacity_building";
    case ProgramKind::information_sharing: return "information_sharing";
  }
  return "?";
}

std::string_view to_string(ScheduledAction a) noexcept {
  switch (a) {
    case ScheduledAction::attribute: return "attribute";
    case ScheduledAction::coordinate: return "coordinate";
    case ScheduledAction::sanction: return "sanction";
    case ScheduledAction::disclose: return "disclose";
    case ScheduledAction::policy: return "policy";
  }
  return "?";
}

}  // namespace cyberdeter::models::deterrence
