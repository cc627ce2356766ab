#pragma once
// Words and lines every front end of a war-game shares: dates, wrapping to a width, and
// what a player typed shown back safely.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"

namespace cyberdeter::wargame {

/// "2016-02-16 (day 412)" when the scenario has a start date, else "day 412".
std::string when(const models::deterrence::Scenario& sc, double day);

/// `text` broken at spaces into lines of at most `room` characters (a longer word is
/// cut). Continuation lines start with `hang` spaces; by default, the first line's
/// leading spaces plus two (never more than half the room). Always ends, whatever the
/// text and room: every line but the last consumes at least one character.
std::vector<std::string> wrap(std::string_view text, std::size_t room,
                              std::optional<std::size_t> hang = std::nullopt);

/// `text` as it may be shown back to a player: control characters (a NUL among them) and
/// bytes that are not ASCII as '?', and at most `limit` characters, the rest counted
/// ("... (6400000 characters)").
std::string shown_input(std::string_view text, std::size_t limit = 200);

/// `text` with every byte that is not printable ASCII replaced by '?' and cut to `limit`
/// bytes: safe to store in a journal or a CSV cell.
std::string printable(std::string_view text, std::size_t limit);

/// Lower case (ASCII), without surrounding blanks.
std::string normalise_answer(std::string_view line);

}  // namespace cyberdeter::wargame
