#pragma once
// The words of a statement in a war-game (docs/wargame.md, "Joint statements"): what a
// victim's seat adds to a public response — the evidence it releases, the likelihood it
// states, the release day, the consent rule and its own stated probability — and an
// invited seat's stance on the draft. They follow the rung or the stance in a decision's
// action ("coordinate evidence 0.5 likelihood likely release 20 consent unanimity p 0.8",
// "amend evidence 0.2", "separate"), so a session file and its journal replay them.

#include <optional>
#include <string>
#include <string_view>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"

namespace cyberdeter::wargame {

/// The ICD 203 likelihood bands as single words: almost_no_chance, very_unlikely,
/// unlikely, even_chance, likely, very_likely, almost_certain (index 0 to 6).
std::string_view likelihood_word(int band) noexcept;
std::optional<int> parse_likelihood_word(std::string_view word) noexcept;

/// What a victim's seat said of its statement; absent parts take the doctrine's.
struct DraftWords {
  std::optional<double> evidence;      ///< [0, 1]
  std::optional<int> likelihood;       ///< ICD 203 band
  std::optional<double> release_days;  ///< [1, 365] days after the invitations
  std::optional<models::deterrence::Consent> consent;
  std::optional<double> probability;  ///< the seat's probability that the actor named did it
  bool operator==(const DraftWords&) const = default;
  bool empty() const noexcept { return *this == DraftWords{}; }
  /// The draft, the doctrine's evidence where none was said.
  models::deterrence::StatementDraft draft(double doctrine_evidence) const;
};

/// A response in words: the rung, then the statement's words in any order.
struct RespondWords {
  models::deterrence::Rung rung = models::deterrence::Rung::none;
  DraftWords draft;
};
/// Parses "coordinate evidence 0.5 likelihood likely release 20 consent unanimity p 0.8";
/// nullopt with a reason a player can act on in `error`.
std::optional<RespondWords> parse_respond_words(std::string_view text, std::string& error);
/// The draft's words as they follow the rung ("" when nothing was said).
std::string format_draft_words(const DraftWords& w);
/// Parses the words after a rung: "evidence 0.5 p 0.8 ...".
std::optional<DraftWords> parse_draft_words(std::string_view text, std::string& error);

/// A stance in words: "join" (concur), "decline" (abstain), "concur", "abstain",
/// "separate", "reject", or "amend" with "evidence E" and/or "likelihood WORD".
std::optional<models::deterrence::JoinAnswer> parse_stance_words(std::string_view text,
                                                                 std::string& error);
/// The canonical words: "join" and "decline" for concur and abstain (as the terminal
/// records them), the stance word otherwise.
std::string format_stance_words(const models::deterrence::JoinAnswer& a);

}  // namespace cyberdeter::wargame
