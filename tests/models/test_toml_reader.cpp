#include <sstream>

#include <catch2/catch.hpp>

#include "toml_reader.hpp"

using namespace cyberdeter::models;
using namespace cyberdeter::models::detail;

namespace {

// Parses `text` and runs `read` on its root, returning the error it throws (or none).
template <class F>
std::optional<ScenarioError> error_of(const std::string& text, F read) {
  try {
    Document doc = parse_text(text, "test.toml");
    Reader root(doc, doc.root, "");
    read(root);
    return std::nullopt;
  } catch (const ScenarioError& e) {
    return e;
  }
}

}  // namespace

TEST_CASE("syntax errors name file, line and column", "[toml]") {
  const auto e = error_of("a = 1\nb = = 2\n", [](Reader&) {});
  REQUIRE(e);
  CHECK(e->file() == "test.toml");
  CHECK(e->line() == 2);
  CHECK(e->column() > 0);
  CHECK_THAT(e->what(), Catch::StartsWith("test.toml:2:") && Catch::Contains("TOML syntax error"));
}

TEST_CASE("numbers are read with defaults and ranges", "[toml]") {
  Document doc = parse_text("x = 0.25\nn = 3\nbig = inf\n", "t.toml");
  Reader r(doc, doc.root, "");
  CHECK(r.number("x", 0.0, Range::probability()) == 0.25);
  CHECK(r.number("n", 0.0, Range::positive()) == 3.0);  // integers are numbers
  CHECK(r.number("missing", 7.5, Range::positive()) == 7.5);
  CHECK_THROWS_WITH(r.number("big", 0.0, Range::non_negative()),
                    Catch::EndsWith("expected a number >= 0, got inf"));
  CHECK(std::isinf(
      r.number("big", 0.0, Range::closed(0.0, std::numeric_limits<double>::infinity()))));
  r.finish();
}

TEST_CASE("out-of-range and wrongly typed values say what was expected", "[toml]") {
  auto e = error_of("[states.Japan]\ndefense = 1.5\n", [](Reader& r) {
    auto states = r.named_tables("states");
    states.at(0).second.number("defense", 0.0, Range::half_open(0.0, 1.0));
  });
  REQUIRE(e);
  CHECK(e->key() == "states.Japan.defense");
  CHECK(e->line() == 2);
  CHECK(e->message() == "expected a number in [0, 1), got 1.5");

  e = error_of("rate = \"fast\"\n", [](Reader& r) { r.number("rate", 1.0, Range::positive()); });
  REQUIRE(e);
  CHECK(e->message() == "expected a number > 0, got a string (\"fast\")");

  e = error_of("n = 2.5\n", [](Reader& r) { r.integer("n", 1, 1, 10); });
  REQUIRE(e);
  CHECK(e->message() == "expected an integer in [1, 10], got a number (2.5)");

  e = error_of("flag = 1\n", [](Reader& r) { r.boolean("flag", false); });
  REQUIRE(e);
  CHECK(e->message() == "expected true or false, got an integer (1)");

  e = error_of("x = nan\n", [](Reader& r) { r.number("x", 0.0, Range::any()); });
  REQUIRE(e);
  CHECK_THAT(e->message(), Catch::Contains("got nan"));
}

TEST_CASE("unknown keys are rejected with a suggestion", "[toml]") {
  const auto e = error_of("[run]\nreplicatons = 3\n", [](Reader& r) {
    auto run = r.required_table("run");
    run.integer("replications", 1, 1, 100);
    run.integer("seed", 1, 0, 100);
    run.finish();
  });
  REQUIRE(e);
  CHECK(e->key() == "run.replicatons");
  CHECK(e->line() == 2);
  CHECK(e->column() == 1);
  CHECK(e->message() == "unknown key (did you mean 'replications'?)");
}

TEST_CASE("choices list what is allowed", "[toml]") {
  const auto e = error_of("kind = \"pirate\"\n", [](Reader& r) {
    r.choice("kind", "criminal", {"state_sponsored", "criminal", "hacktivist"});
  });
  REQUIRE(e);
  CHECK(e->message() ==
        "expected one of \"state_sponsored\", \"criminal\", \"hacktivist\", got \"pirate\"");
}

TEST_CASE("named tables keep file order", "[toml]") {
  Document doc = parse_text("[s.Zeta]\nx = 1\n[s.Alpha]\nx = 2\n[s.Mid]\nx = 3\n", "t.toml");
  Reader r(doc, doc.root, "");
  std::vector<std::string> names;
  for (auto& [name, t] : r.named_tables("s")) names.push_back(name);
  CHECK(names == std::vector<std::string>{"Zeta", "Alpha", "Mid"});
}

TEST_CASE("missing required keys and tables are named", "[toml]") {
  auto e = error_of(
      "[a]\n", [](Reader& r) { r.required_table("a").required_number("rate", Range::positive()); });
  REQUIRE(e);
  CHECK(e->message() == "missing required key 'rate' (a number > 0)");
  e = error_of("x = 1\n", [](Reader& r) { r.required_table("run"); });
  REQUIRE(e);
  CHECK(e->message() == "missing required table [run]");
}

TEST_CASE("overrides replace values by dotted path, quoted names allowed", "[toml][override]") {
  Document doc =
      parse_text("[states.\"United States\"]\ndefense = 0.5\n[run]\nseed = 1\n", "t.toml");
  apply_override(doc, "states.\"United States\".defense=0.75");
  apply_override(doc, "run.seed=42");
  apply_override(doc, "run.label=baseline");  // not TOML: taken as a string
  Reader r(doc, doc.root, "");
  auto states = r.named_tables("states");
  CHECK(states.at(0).first == "United States");
  CHECK(states.at(0).second.number("defense", 0.0, Range::probability()) == 0.75);
  auto run = r.required_table("run");
  CHECK(run.integer("seed", 0, 0, 100) == 42);
  CHECK(run.string("label", "") == "baseline");

  CHECK_THROWS_WITH(apply_override(doc, "nosuch.table.key=1"),
                    Catch::Contains("'nosuch' is not a table"));
  CHECK_THROWS_WITH(apply_override(doc, "novalue"), Catch::Contains("expected KEY.PATH=VALUE"));
}

TEST_CASE("an override log puts the document back as it was", "[toml][override]") {
  Document doc =
      parse_text("[run]\nseed = 1\n[states.A]\ndefense = 0.5\nresolve = 0.2\n", "t.toml");
  const auto text_of = [](const Document& d) {
    std::ostringstream os;
    os << d.root;
    return os.str();
  };
  const std::string before = text_of(doc);
  const std::vector<std::string> keys_before = Reader(doc, doc.root, "").keys();
  OverrideLog log;
  apply_override(doc, "states.A.defense=0.75", &log);
  apply_override(doc, "run.label=baseline", &log);  // a new key
  apply_override(doc, "run.seed=2", &log);
  apply_override(doc, "run.seed=3", &log);  // the same key twice
  apply_override_creating(
      doc, "calibration.join_base=1.5",
      [](const std::vector<std::string>& path, std::size_t depth) {
        return depth == 0 && path[0] == "calibration";
      },
      &log);
  {
    // The overridden values are seen, the others untouched.
    Reader r(doc, doc.root, "");
    auto states = r.named_tables("states");
    CHECK(states.at(0).second.number("defense", 0.0, Range::probability()) == 0.75);
    CHECK(states.at(0).second.number("resolve", 0.0, Range::probability()) == 0.2);
    auto run = r.required_table("run");
    CHECK(run.integer("seed", 0, 0, 100) == 3);
    CHECK(run.string("label", "") == "baseline");
    CHECK(r.required_table("calibration").number("join_base", 0.0, Range::any()) == 1.5);
  }
  REQUIRE(log.undo());
  CHECK(text_of(doc) == before);
  CHECK_FALSE(doc.root.contains("calibration"));
  CHECK(Reader(doc, doc.root, "").keys() == keys_before);  // the keys keep their positions
  CHECK(log.undo());                                       // an empty log: nothing to do

  // A table replaced by an override cannot be put back: the document must be dropped.
  OverrideLog replaced;
  apply_override(doc, "states.A.defense=0.1", &replaced);
  apply_override(doc, "states.A={ defense = 0.3 }", &replaced);
  CHECK_FALSE(replaced.undo());
  CHECK(doc.root["states"]["A"]["defense"].value_or(0.0) == 0.3);  // and was left as it was
}

TEST_CASE("an unknown key is suggested from every key looked up", "[toml]") {
  // Present keys are remembered by node, absent ones by name: both are suggestions.
  auto e = error_of("[t]\ndefense = 0.5\ndetection_rat = 1\n", [](Reader& r) {
    auto t = r.required_table("t");
    t.number("defense", 0.0, Range::any());
    t.number("detection_rate", 0.0, Range::any());  // absent
    t.finish();
  });
  REQUIRE(e);
  CHECK(e->message() == "unknown key (did you mean 'detection_rate'?)");
  e = error_of("[t]\ndefense = 0.5\ndefence = 1\n", [](Reader& r) {
    auto t = r.required_table("t");
    t.number("defense", 0.0, Range::any());
    t.number("defense", 0.0, Range::any());  // asked twice
    t.finish();
  });
  REQUIRE(e);
  CHECK(e->message() == "unknown key (did you mean 'defense'?)");
  CHECK(e->key() == "t.defence");
}

TEST_CASE("closest_match suggests near misses only", "[toml]") {
  const std::vector<std::string> known{"detection_rate", "defense", "resolve"};
  CHECK(closest_match("detection_rat", known) == std::optional<std::string>("detection_rate"));
  CHECK(closest_match("defence", known) == std::optional<std::string>("defense"));
  CHECK_FALSE(closest_match("economy", known));
}
