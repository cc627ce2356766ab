// The words of statements and stances (statement.hpp) and the bounded JSON of the seat
// protocol (json.hpp).
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "cyberdeter/wargame/json.hpp"
#include "cyberdeter/wargame/statement.hpp"

using namespace cyberdeter::wargame;
namespace det = cyberdeter::models::deterrence;

TEST_CASE("a response's statement words round-trip and bad ones say why", "[wargame][statement]") {
  std::string error;
  const auto r = parse_respond_words(
      "coordinate p 0.8 evidence 0.5 likelihood likely release 20 consent unanimity", error);
  REQUIRE(r);
  CHECK(r->rung == det::Rung::coordinate);
  CHECK(format_draft_words(r->draft) ==
        "evidence 0.5 likelihood likely release 20 consent unanimity p 0.8");
  const det::StatementDraft d = r->draft.draft(0.1);
  CHECK(d.evidence == 0.5);
  CHECK(d.likelihood == 4);
  CHECK(d.release_days == 20.0);
  CHECK(d.consent == det::Consent::unanimity);
  // Absent evidence is the doctrine's.
  CHECK(parse_respond_words("attribute", error)->draft.draft(0.3).evidence == 0.3);

  for (const char* bad :
       {"", "shout", "coordinate evidence", "coordinate evidence 2",
        "coordinate evidence 0.1 evidence 0.2", "quiet evidence 0.5", "attribute release 10",
        "coordinate consent everyone", "coordinate likelihood probable", "coordinate colour red"}) {
    INFO(bad);
    error.clear();
    CHECK(!parse_respond_words(bad, error));
    CHECK(!error.empty());
  }
  CHECK(parse_respond_words("quiet p 0.2", error));
}

TEST_CASE("stances: the terminal's words, amendments and their limits", "[wargame][statement]") {
  std::string error;
  CHECK(parse_stance_words("join", error)->stance == det::Stance::concur);
  CHECK(parse_stance_words("decline", error)->stance == det::Stance::abstain);
  CHECK(parse_stance_words("separate", error)->stance == det::Stance::separate);
  CHECK(parse_stance_words("reject", error)->stance == det::Stance::reject);
  const auto a = parse_stance_words("amend evidence 0.2 likelihood even_chance", error);
  REQUIRE(a);
  CHECK(a->stance == det::Stance::amend);
  CHECK(a->amendment.evidence == 0.2);
  CHECK(a->amendment.likelihood == 3);
  for (const char* words : {"join", "decline", "separate", "reject", "amend evidence 0.2",
                            "amend likelihood likely", "amend evidence 0.3 likelihood unlikely"}) {
    INFO(words);
    const auto s = parse_stance_words(words, error);
    REQUIRE(s);
    CHECK(format_stance_words(*s) == words);
  }
  for (const char* bad :
       {"", "maybe", "amend", "amend release 5", "separate evidence 0.1", "amend p 0.5"}) {
    INFO(bad);
    error.clear();
    CHECK(!parse_stance_words(bad, error));
    CHECK(!error.empty());
  }
}

TEST_CASE("JSON reads what it writes and refuses what is out of bounds", "[wargame][json]") {
  std::string error;
  json::Value v = json::object();
  v.set("type", "answer").set("n", 3).set("x", 0.25).set("ok", true).set("none", nullptr);
  v.set("list", json::array().push("a\"b\\c\n\x01").push(-1.5e-7));
  const std::string text = v.dump();
  const auto back = json::parse(text, error);
  REQUIRE(back);
  CHECK(back->dump() == text);
  CHECK(back->string("type") == "answer");
  CHECK(back->number("n") == 3.0);
  CHECK(back->boolean("ok") == true);
  CHECK(!back->string("n"));
  CHECK(back->find("list")->as_array()[0].as_string() == "a\"b\\c\n\x01");

  const auto u = json::parse(R"({"s":"\u00e9\ud83d\ude00"})", error);
  REQUIRE(u);
  CHECK(u->string("s") == "\xc3\xa9\xf0\x9f\x98\x80");

  json::Limits small;
  small.max_depth = 4;
  small.max_bytes = 100;
  for (const std::string& bad :
       {std::string("{"), std::string("[1,]"), std::string("{\"a\":1,\"a\":2}"),
        std::string("\"\\ud800\""), std::string("01"), std::string("[1] x"), std::string("nul"),
        std::string("[[[[[1]]]]]"), std::string(200, ' '), std::string("\"\x01\"")}) {
    INFO(bad);
    error.clear();
    CHECK(!json::parse(bad, error, small));
    CHECK(!error.empty());
  }
  // Invalid UTF-8 never makes invalid JSON.
  const std::string quoted = json::quote(
      "a\xff\xfe"
      "b");
  CHECK(json::parse(quoted, error));

  // Random bytes never crash the reader, and what it accepts it writes back readably.
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\",:0123456789.eE+-truefalsn\\u \x80\xff";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    if (const auto p = json::parse(s, error)) CHECK(json::parse(p->dump(), error));
  }
}
