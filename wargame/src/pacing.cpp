// Counting a session's questions in the doctrine's history (pacing.hpp).

#include "cyberdeter/wargame/pacing.hpp"

#include <map>

namespace cyberdeter::wargame {
namespace det = models::deterrence;

namespace {

// What the doctrine's history asks, in order: enough to count the questions for any
// --delegate-below afterwards.
struct Event {
  enum Kind { respond, join, turn } kind;
  std::uint32_t state;
  double z = 0.0;         ///< respond
  bool eventful = false;  ///< turn: the seat detected something or joined since its last
};

class Recorder final : public det::Decider {
 public:
  std::vector<Event> events;
  det::Rung respond(const det::ResponseBrief& b) override {
    events.push_back({Event::respond, b.state, b.case_strength, false});
    return b.recommended;
  }
  bool join(const det::JoinBrief& b) override {
    events.push_back({Event::join, b.state, 0.0, false});
    return b.model_answer;
  }
  det::DoctrineAction turn(const det::TurnBrief& b) override {
    const bool eventful = b.record.detected != b.previous.detected ||
                          b.record.coalitions_joined != b.previous.coalitions_joined;
    events.push_back({Event::turn, b.state, 0.0, eventful});
    return {};
  }
};

}  // namespace

Pacing estimate_pacing(const std::function<void(det::Decider&)>& run, double horizon_days,
                       const std::vector<double>& delegate_values, bool every_turn) {
  Recorder recorder;
  run(recorder);
  Pacing out;
  out.years = horizon_days / 365.25;
  const double per_year = out.years > 0.0 ? 1.0 / out.years : 0.0;
  for (const double below : delegate_values) {
    PacingRow row;
    row.delegate_below = below;
    std::map<std::uint32_t, bool> asked_since_turn;
    for (const Event& e : recorder.events) {
      switch (e.kind) {
        case Event::respond:
          if (!(e.z < below)) {
            row.responses += 1.0;
            asked_since_turn[e.state] = true;
          }
          break;
        case Event::join:
          row.invitations += 1.0;
          asked_since_turn[e.state] = true;
          break;
        case Event::turn:
          if (every_turn || e.eventful || asked_since_turn[e.state]) row.turns += 1.0;
          asked_since_turn[e.state] = false;
          break;
      }
    }
    row.responses *= per_year;
    row.invitations *= per_year;
    row.turns *= per_year;
    out.rows.push_back(row);
  }
  return out;
}

}  // namespace cyberdeter::wargame
