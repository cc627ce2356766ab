#pragma once
// The white cell's injects (docs/wargame.md, "The white cell"): publishing, editing or
// skipping one of the scenario's scheduled events (docs/model.md §10.3) during a session.
// An inject is a decision of the session (kind `inject`): it replaces the event's
// `[[scheduled]]` table by an override of the scenario, which the loader validates exactly
// as it validates the file, so the world the model runs is changed through the batch
// model's own mechanism and a replay of the decisions rebuilds it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/wargame/json.hpp"

namespace cyberdeter::wargame {

enum class InjectOp : std::uint8_t { skip = 0, publish = 1, edit = 2 };

/// One inject: what the white cell does to scheduled event `index`.
struct Inject {
  std::size_t index = 0;
  InjectOp op = InjectOp::skip;
  /// edit: the keys of the event's table it sets, each with its value as TOML text
  /// ("600", "[\"Ally1\"]"), in the order given.
  std::vector<std::pair<std::string, std::string>> fields;
};

/// "skip", "publish" or "edit {day = 600, evidence = 0.3}" (a TOML inline table of the
/// event's keys); nullopt with the reason in `error` otherwise.
std::optional<Inject> parse_inject_words(std::string_view words, std::size_t index,
                                         std::string& error);
/// The words parse_inject_words reads back.
std::string format_inject_words(const Inject& inject);

/// An edit's fields from a JSON object of the event's keys (numbers, strings, booleans and
/// lists of names); nullopt with the reason in `error` for a key that is not one of
/// `[[scheduled]]`'s or a value of another type.
std::optional<std::vector<std::pair<std::string, std::string>>> inject_fields(
    const json::Value& fields, std::string& error);

/// A [[scheduled]] table as its keys and values (TOML text), in order.
using ScheduledTable = std::vector<std::pair<std::string, std::string>>;

/// Scheduled event `index` of `world` as the table that carries `inject` out: its keys those
/// of its (new) action and trigger, as resolved_toml writes them; publish makes it happen
/// on day `at`, skip switches it off. Without an inject, the event as it is.
ScheduledTable scheduled_table(const models::deterrence::Scenario& world, std::size_t index,
                               const Inject* inject = nullptr, double at = 0.0);

/// The resolved scenario `resolved` (resolved_toml) with its [[scheduled]] tables replaced
/// by `tables`: the text the loader validates as it validates any scenario file.
std::string with_scheduled(const std::string& resolved, const std::vector<ScheduledTable>& tables);

/// The day scheduled event `e` happens (a day trigger: `day` + `delay_days`), if it is on
/// and has one.
std::optional<double> inject_day(const models::deterrence::ScheduledEvent& e);

}  // namespace cyberdeter::wargame
