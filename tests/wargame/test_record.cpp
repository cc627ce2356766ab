// The session as data (record.hpp): a decisions file round-trips and names the line of a
// bad decision.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/wargame/record.hpp"
#include "deterrence_world.hpp"

using namespace cyberdeter::models::deterrence;
using namespace cyberdeter::wargame;
using cyberdeter::models::deterrence::testing::world;

TEST_CASE("a decisions file round-trips and names the line of a bad decision",
          "[wargame][decisions]") {
  const Scenario sc = world();
  std::vector<Decision> decisions(3);
  decisions[0].row = {0, 12.5, 0, 0, 7, 0, 0, 0.8, 0.4, 1, 2, 7, true, 3.5, 0};
  decisions[0].action = "coordinate";
  decisions[1].row = {1, 20.0, 1, 1, 9, 0, 1, 0.6, 0.0, 0, 1, 0, true, 1.0, 1};
  decisions[1].action = "join";
  decisions[2].row = {2, 100.0, 0, 2, -1, 1, -1, 0.0, 0.0, -1, 1, 0, true, 8.25, 2};
  decisions[2].action = "enable sanction";
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / "cyberdeter_test_decisions.toml").string();
  {
    std::ofstream out(path);
    out << decisions_toml(decisions, sc, "test\nheader");
  }
  const auto back = read_decisions_file(path, sc);
  REQUIRE(back.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(back[i].row.state == decisions[i].row.state);
    CHECK(back[i].row.kind == decisions[i].row.kind);
    CHECK(back[i].row.incident == (i == 2 ? -1 : decisions[i].row.incident));
    CHECK(back[i].row.turn == decisions[i].row.turn);
    CHECK(back[i].row.choice == decisions[i].row.choice);
    CHECK(back[i].row.day == decisions[i].row.day);
    CHECK(back[i].row.seconds == decisions[i].row.seconds);
    CHECK(back[i].row.source == decisions[i].row.source);
    CHECK(back[i].action == decisions[i].action);
    CHECK(back[i].line > 0);
  }
  {
    std::ofstream out(path);
    out << "[[decision]]\nstate = \"Victim\"\nkind = \"respond\"\nincident = 3\n"
           "choice = \"attribute\"\n\n[[decision]]\nstate = \"Victim\"\nkind = \"respond\"\n"
           "incident = 4\nchoice = \"retaliate\"\n";
  }
  try {
    read_decisions_file(path, sc);
    FAIL("a bad choice was accepted");
  } catch (const cyberdeter::models::ScenarioError& e) {
    CHECK(e.line() == 11);
    CHECK(e.key() == "decision[1].choice");
    CHECK(e.message().find("quiet, attribute, coordinate or sanction") != std::string::npos);
  }
  std::filesystem::remove(path);
}
