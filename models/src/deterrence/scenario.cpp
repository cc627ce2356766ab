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
