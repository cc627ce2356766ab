// Replaying a recorded session (replay.hpp).

#include "cyberdeter/wargame/replay.hpp"

#include <stdexcept>

#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/wargame/session.hpp"

namespace cyberdeter::wargame {
namespace det = models::deterrence;

namespace {

// Nobody is asked: the decisions are all recorded, and the doctrine ends a turn the record
// leaves open.
class NoPlayers final : public FrontEnd {
 public:
  void form(const Form&, const std::function<void(std::size_t, const Answer&)>&) override {
    throw std::logic_error("a replay asks no question");
  }
  ActionAnswer turn(const det::TurnBrief&, const std::string&, std::uint32_t,
                    std::optional<Clock::time_point>) override {
    throw std::logic_error("a replay asks no question");
  }
};

struct Collect final : det::RunSink {
  std::vector<det::IncidentRow> incidents;
  void incident(const det::IncidentRow& row) override { incidents.push_back(row); }
};

}  // namespace

Replayed replay_session(const det::Scenario& sc, const StoredSession& stored) {
  std::vector<std::size_t> played;
  for (const auto& name : stored.info.played) {
    const auto s = sc.state_index(name);
    if (!s)
      throw std::runtime_error(stored.path + ": played state '" + name +
                               "' is not in its scenario");
    played.push_back(*s);
  }
  NoPlayers nobody;
  SessionOptions options;
  options.rest_doctrine = true;
  options.script_path = stored.path;
  Session session(sc, stored.info, stored.decisions, options, nobody, nullptr);
  Replayed out;
  session.play([&](const det::Scenario& world, det::Decider& decider) {
    const det::Wargame game{played, stored.info.turn_days, &decider};
    det::RunOptions run_options;
    run_options.incidents = true;
    run_options.wargame = &game;
    Collect sink;
    out.run.result = det::run_replication(
        world, sim::RunId{stored.info.seed, stored.info.replication, {}}, sink, run_options);
    out.run.incidents = std::move(sink.incidents);
  });
  out.cosigners = session.cosigners();
  out.decisions = session.decisions();
  return out;
}

}  // namespace cyberdeter::wargame
