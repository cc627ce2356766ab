// The seats' intelligence (wargame/intel.hpp): items, their releasability, shares that
// the marking allows and no other, and an inbox that reads back as it was.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/wargame/intel.hpp"

namespace det = cyberdeter::models::deterrence;
namespace json = cyberdeter::wargame::json;
using cyberdeter::wargame::FormItem;
using cyberdeter::wargame::Inbox;
using cyberdeter::wargame::IntelItem;

namespace {

det::Scenario coordinated(const std::vector<std::string>& overrides = {}) {
  const char* dir = std::getenv("CYBERDETER_SCENARIOS");
  return det::load_scenario(std::string(dir ? dir : "scenarios") + "/coordinated_attribution.toml",
                            overrides);
}

std::uint32_t state(const det::Scenario& sc, const std::string& name) {
  for (std::size_t s = 0; s < sc.states.size(); ++s) {
    if (sc.states[s].name == name) return static_cast<std::uint32_t>(s);
  }
  FAIL("no state " << name);
  return 0;
}

// A response question of `victim` on `incident` whose invitees are `allies`.
FormItem response(const det::Scenario& sc, std::uint32_t victim, std::uint64_t incident,
                  const std::vector<std::uint32_t>& allies) {
  FormItem q;
  q.state = victim;
  q.day = 100.0 + static_cast<double>(incident);
  q.key.kind = 0;
  q.key.state = victim;
  q.key.incident = static_cast<std::int64_t>(incident);
  det::ResponseBrief b;
  b.state = victim;
  b.incident = incident;
  b.named = 0;
  b.confidence = 0.7;
  for (const auto a : allies) {
    det::AllyStance st;
    st.state = a;
    st.alignment = sc.alignment(victim, a);
    b.allies.push_back(st);
  }
  q.respond = b;
  return q;
}

FormItem invitation(std::uint32_t ally, std::uint32_t leader, std::uint64_t incident) {
  FormItem q;
  q.state = ally;
  q.key.kind = 1;
  q.key.state = ally;
  q.key.incident = static_cast<std::int64_t>(incident);
  det::JoinBrief b;
  b.state = ally;
  b.leader = leader;
  b.incident = incident;
  b.confidence = 0.9;
  q.join = b;
  return q;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + ".intel"))
      .string();
}

}  // namespace

TEST_CASE("an item is releasable to the seats its holder would invite on the case", "[intel]") {
  const auto sc = coordinated();
  const auto victim = state(sc, "Victim"), ally1 = state(sc, "Ally1"), ally2 = state(sc, "Ally2"),
             ally3 = state(sc, "Ally3");
  const std::vector<std::size_t> seats{victim, ally1, ally2};
  // Ally3 is invited but has no seat: the marking names seats only.
  const IntelItem all =
      cyberdeter::wargame::intel_of(sc, response(sc, victim, 1, {ally1, ally2, ally3}), seats);
  CHECK(all.may_share);
  CHECK(all.releasable == std::vector<std::uint32_t>{ally1, ally2});
  CHECK(cyberdeter::wargame::releasability_words(sc, all, seats) == "REL TO ALL SEATS");
  const IntelItem one = cyberdeter::wargame::intel_of(sc, response(sc, victim, 2, {ally1}), seats);
  CHECK(cyberdeter::wargame::releasability_words(sc, one, seats) == "REL TO Ally1");
  const IntelItem none = cyberdeter::wargame::intel_of(sc, response(sc, victim, 3, {}), seats);
  CHECK(cyberdeter::wargame::releasability_words(sc, none, seats).rfind("ORIGINATOR ONLY", 0) == 0);
  // Likelihood and confidence are apart: the victim's accuracy 0.9 with no false flag
  // plausible is high confidence, whatever the likelihood.
  CHECK(all.probability == Approx(0.7));
  CHECK(all.confidence == "high");
  const IntelItem passed = cyberdeter::wargame::intel_of(sc, invitation(ally1, victim, 4), seats);
  CHECK_FALSE(passed.may_share);
  CHECK(passed.originator == victim);
  CHECK(passed.holder == ally1);
  CHECK(cyberdeter::wargame::releasability_words(sc, passed, seats).rfind("ORCON Victim", 0) == 0);
}

TEST_CASE("a seat shares only what the marking allows, and reads only its own and shares",
          "[intel]") {
  const auto sc = coordinated();
  const auto victim = state(sc, "Victim"), ally1 = state(sc, "Ally1"), ally2 = state(sc, "Ally2");
  const std::vector<std::size_t> seats{victim, ally1, ally2};
  const std::string path = temp_path("share");
  Inbox inbox(sc, path, false);
  const auto [a, a_new] =
      inbox.add(cyberdeter::wargame::intel_of(sc, response(sc, victim, 1, {ally1}), seats));
  REQUIRE(a_new);
  const std::uint64_t mine = a->id;
  // The same question again (a follow-up form, a resume) brings no second item.
  CHECK_FALSE(
      inbox.add(cyberdeter::wargame::intel_of(sc, response(sc, victim, 1, {ally1}), seats)).second);
  const std::uint64_t theirs =
      inbox.add(cyberdeter::wargame::intel_of(sc, invitation(ally1, victim, 1), seats)).first->id;
  CHECK(inbox.size() == 2);

  CHECK(inbox.readable(ally2, mine) == nullptr);
  CHECK(inbox.readable(victim, theirs) == nullptr);
  // Another seat's item reads as not in one's inbox, exactly as an item that does not exist.
  CHECK(*inbox.refusal(ally2, mine, {ally1}) ==
        "item " + std::to_string(mine) + " is not in your inbox");
  CHECK(*inbox.refusal(ally2, 999, {ally1}) == "item 999 is not in your inbox");
  // Ids are random: they tell a seat nothing of how many items the others hold.
  CHECK(theirs != mine + 1);
  // Not releasable to Ally2; Ally1's copy of the victim's assessment is ORCON.
  CHECK(inbox.refusal(victim, mine, {ally2})->find("not releasable to Ally2") != std::string::npos);
  CHECK(inbox.refusal(ally1, theirs, {ally2})->find("ORCON") != std::string::npos);
  REQUIRE_FALSE(inbox.refusal(victim, mine, {ally1}));
  inbox.share(victim, mine, {ally1});
  CHECK(inbox.readable(ally1, mine) != nullptr);
  CHECK(inbox.shared_by(ally1, mine) == victim);
  CHECK(inbox.readable(ally2, mine) == nullptr);
  CHECK(inbox.shared_with(mine) == std::vector<std::uint32_t>{ally1});
  CHECK(inbox.refusal(victim, mine, {ally1})->find("already") != std::string::npos);
  // A recipient may not pass it on: only the holder releases its intelligence.
  CHECK(inbox.refusal(ally1, mine, {ally2})->find("only its holder") != std::string::npos);
  CHECK(inbox.inbox(ally1) == std::vector<std::uint64_t>{theirs, mine});
  CHECK(inbox.inbox(std::nullopt).size() == 2);
  std::filesystem::remove(path);
}

TEST_CASE("an inbox reads back from its file as it was, a torn last line ignored", "[intel]") {
  const auto sc = coordinated();
  const auto victim = state(sc, "Victim"), ally1 = state(sc, "Ally1"), ally2 = state(sc, "Ally2");
  const std::vector<std::size_t> seats{victim, ally1, ally2};
  const std::string path = temp_path("resume");
  std::vector<std::vector<std::uint64_t>> before;
  std::vector<std::uint64_t> mine, passed;
  {
    Inbox inbox(sc, path, false);
    for (std::uint64_t i = 1; i <= 3; ++i) {
      mine.push_back(inbox
                         .add(cyberdeter::wargame::intel_of(
                             sc, response(sc, victim, i, {ally1, ally2}), seats))
                         .first->id);
      passed.push_back(
          inbox.add(cyberdeter::wargame::intel_of(sc, invitation(ally2, victim, i), seats))
              .first->id);
    }
    inbox.share(victim, mine[2], {ally1, ally2});
    inbox.share(victim, mine[0], {ally2});
    for (const auto s : seats) before.push_back(inbox.inbox(static_cast<std::uint32_t>(s)));
  }
  { std::ofstream(path, std::ios::app) << "{\"kind\":\"share\",\"item\":" << passed[0] << ",\"fr"; }
  Inbox again(sc, path, true);
  REQUIRE(again.size() == 6);
  for (std::size_t i = 0; i < seats.size(); ++i) {
    CHECK(again.inbox(static_cast<std::uint32_t>(seats[i])) == before[i]);
  }
  CHECK(again.shared_by(ally2, mine[0]) == victim);
  CHECK_FALSE(again.shared_by(ally1, mine[0]));
  CHECK(again.shared_with(mine[2]) == std::vector<std::uint32_t>{ally1, ally2});
  CHECK(again.item(passed[1]).originator == victim);
  CHECK_FALSE(again.item(passed[1]).may_share);
  CHECK(again.item(mine[0]).releasable == std::vector<std::uint32_t>{ally1, ally2});
  // A line that does not read (here a key that is not a number) ends what is read back.
  {
    std::ofstream(path, std::ios::app)
        << R"({"kind":"item","id":"77","holder":0,"originator":0,"incident":9,"day":1,"actor":0,)"
        << R"("probability":0.5,"confidence":"low","source":"x","may_share":true,)"
        << R"("releasable":[],"key":"12x"})"
        << "\n";
  }
  CHECK(Inbox(sc, path, true).size() == 6);
  // The same question after the resume is the item read back, not a new one.
  CHECK_FALSE(
      again.add(cyberdeter::wargame::intel_of(sc, response(sc, victim, 2, {ally1, ally2}), seats))
          .second);
  std::filesystem::remove(path);
}

TEST_CASE("a share request with bad fields is refused with the reason", "[intel]") {
  const std::vector<std::string> bad = {
      R"({"type":"share"})",
      R"({"type":"share","item":0,"with":["Ally1"]})",
      R"({"type":"share","item":1.5,"with":["Ally1"]})",
      R"({"type":"share","item":-3,"with":["Ally1"]})",
      R"({"type":"share","item":"1","with":["Ally1"]})",
      R"({"type":"share","item":1e300,"with":["Ally1"]})",
      R"({"type":"share","item":1})",
      R"({"type":"share","item":1,"with":"Ally1"})",
      R"({"type":"share","item":1,"with":[]})",
      R"({"type":"share","item":1,"with":[3]})",
      R"({"type":"share","item":1,"with":[""]})",
      R"({"type":"share","item":1,"with":["Ally1","Ally1"]})",
  };
  for (const auto& text : bad) {
    std::string error;
    const auto v = json::parse(text, error);
    REQUIRE(v);
    CAPTURE(text);
    CHECK_FALSE(cyberdeter::wargame::parse_share(*v, error));
    CHECK_FALSE(error.empty());
  }
  std::string error;
  const auto ok = cyberdeter::wargame::parse_share(
      *json::parse(R"({"type":"share","item":7,"with":["Ally1","Ally2"]})", error), error);
  REQUIRE(ok);
  CHECK(ok->item == 7);
  CHECK(ok->with == std::vector<std::string>{"Ally1", "Ally2"});
}
