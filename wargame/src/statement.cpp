// The words of statements and stances (statement.hpp).

#include "cyberdeter/wargame/statement.hpp"

#include <array>
#include <cstdio>
#include <sstream>
#include <vector>

#include "cyberdeter/wargame/record.hpp"

namespace cyberdeter::wargame {

namespace det = models::deterrence;

namespace {

constexpr std::array<std::string_view, 7> bands{"almost_no_chance", "very_unlikely", "unlikely",
                                                "even_chance",      "likely",        "very_likely",
                                                "almost_certain"};

std::vector<std::string> words_of(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string show(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool number_in(const std::string& word, double lo, double hi, double& out) {
  return det::parse_decimal(word, out) && out >= lo && out <= hi;
}

}  // namespace

std::string_view likelihood_word(int band) noexcept {
  return band >= 0 && band < static_cast<int>(bands.size()) ? bands[static_cast<std::size_t>(band)]
                                                            : "?";
}

std::optional<int> parse_likelihood_word(std::string_view word) noexcept {
  for (std::size_t i = 0; i < bands.size(); ++i) {
    if (bands[i] == word) return static_cast<int>(i);
  }
  return std::nullopt;
}

det::StatementDraft DraftWords::draft(double doctrine_evidence) const {
  det::StatementDraft d;
  d.evidence = evidence.value_or(doctrine_evidence);
  d.likelihood = likelihood.value_or(-1);
  d.release_days = release_days;
  d.consent = consent.value_or(det::Consent::willing);
  return d;
}

std::optional<DraftWords> parse_draft_words(std::string_view text, std::string& error) {
  const auto words = words_of(text);
  DraftWords w;
  for (std::size_t i = 0; i < words.size(); i += 2) {
    const std::string& key = words[i];
    if (i + 1 >= words.size()) {
      error = "'" + key + "' needs a value after it";
      return std::nullopt;
    }
    const std::string& v = words[i + 1];
    double x = 0.0;
    if (key == "evidence") {
      if (w.evidence || !number_in(v, 0.0, 1.0, x)) {
        error = "evidence is a share of the evidence, from 0 to 1, given once";
        return std::nullopt;
      }
      w.evidence = x;
    } else if (key == "p") {
      if (w.probability || !number_in(v, 0.0, 1.0, x)) {
        error = "p is your probability that the actor named did it, from 0 to 1, given once";
        return std::nullopt;
      }
      w.probability = x;
    } else if (key == "release") {
      if (w.release_days || !number_in(v, 1.0, 365.0, x)) {
        error = "release is the days from the invitations to the release, from 1 to 365";
        return std::nullopt;
      }
      w.release_days = x;
    } else if (key == "likelihood") {
      const auto band = parse_likelihood_word(v);
      if (w.likelihood || !band) {
        error =
            "likelihood is one of almost_no_chance, very_unlikely, unlikely, even_chance, "
            "likely, very_likely, almost_certain";
        return std::nullopt;
      }
      w.likelihood = *band;
    } else if (key == "consent") {
      const auto c = det::parse_consent(v);
      if (w.consent || !c) {
        error = "consent is willing, unanimity or silence";
        return std::nullopt;
      }
      w.consent = *c;
    } else {
      error = "'" + key + "' is not part of a statement (evidence, likelihood, release, " +
              "consent, p)";
      return std::nullopt;
    }
  }
  return w;
}

std::string format_draft_words(const DraftWords& w) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : " ") + s; };
  if (w.evidence) add("evidence " + show(*w.evidence));
  if (w.likelihood) add("likelihood " + std::string(likelihood_word(*w.likelihood)));
  if (w.release_days) add("release " + show(*w.release_days));
  if (w.consent) add("consent " + std::string(det::to_string(*w.consent)));
  if (w.probability) add("p " + show(*w.probability));
  return out;
}

std::optional<RespondWords> parse_respond_words(std::string_view text, std::string& error) {
  const auto words = words_of(text);
  if (words.empty()) {
    error = "give a rung: quiet, attribute, coordinate or sanction";
    return std::nullopt;
  }
  const auto rung = parse_rung_word(words[0]);
  if (!rung) {
    error = "'" + words[0] + "' is not a rung: quiet, attribute, coordinate or sanction";
    return std::nullopt;
  }
  RespondWords r;
  r.rung = *rung;
  const std::size_t rest = text.find(words[0]) + words[0].size();
  const auto draft = parse_draft_words(text.substr(rest), error);
  if (!draft) return std::nullopt;
  r.draft = *draft;
  const bool statement_words =
      r.draft.evidence || r.draft.likelihood || r.draft.release_days || r.draft.consent;
  if (r.rung == det::Rung::none && statement_words) {
    error = "staying quiet publishes nothing: only p may follow quiet";
    return std::nullopt;
  }
  if (r.rung == det::Rung::attribute && (r.draft.release_days || r.draft.consent)) {
    error = "an attribution alone goes out at once, with nobody to consent: no release or consent";
    return std::nullopt;
  }
  return r;
}

std::optional<det::JoinAnswer> parse_stance_words(std::string_view text, std::string& error) {
  const auto words = words_of(text);
  if (words.empty()) {
    error = "give a stance: concur, amend, separate, abstain or reject";
    return std::nullopt;
  }
  det::JoinAnswer a;
  const std::string& w = words[0];
  if (w == "join") {
    a.stance = det::Stance::concur;
  } else if (w == "decline") {
    a.stance = det::Stance::abstain;
  } else if (const auto s = det::parse_stance(w)) {
    a.stance = *s;
  } else {
    error = "'" + w + "' is not a stance: concur, amend, separate, abstain or reject";
    return std::nullopt;
  }
  if (a.stance != det::Stance::amend) {
    if (words.size() > 1) {
      error = "only amend takes words after it (evidence E, likelihood WORD)";
      return std::nullopt;
    }
    return a;
  }
  const std::size_t rest = text.find(w) + w.size();
  const auto draft = parse_draft_words(text.substr(rest), error);
  if (!draft) return std::nullopt;
  if (draft->release_days || draft->consent || draft->probability) {
    error = "an amendment changes the evidence or the likelihood stated, nothing else";
    return std::nullopt;
  }
  if (!draft->evidence && !draft->likelihood) {
    error = "amend what? evidence E (0 to 1) and/or likelihood WORD";
    return std::nullopt;
  }
  a.amendment.evidence = draft->evidence.value_or(1.0);
  a.amendment.likelihood = draft->likelihood.value_or(-1);
  return a;
}

std::string format_stance_words(const det::JoinAnswer& a) {
  switch (a.stance) {
    case det::Stance::concur: return "join";
    case det::Stance::abstain: return "decline";
    case det::Stance::amend: {
      DraftWords w;
      if (a.amendment.evidence < 1.0 || a.amendment.likelihood < 0)
        w.evidence = a.amendment.evidence;
      if (a.amendment.likelihood >= 0) w.likelihood = a.amendment.likelihood;
      return "amend " + format_draft_words(w);
    }
    default: return std::string(det::to_string(a.stance));
  }
}

}  // namespace cyberdeter::wargame
