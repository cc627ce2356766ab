#pragma once
// Sweep files (TOML): a base scenario, parameters named by their scenario path, and a
// design. Loading validates everything, including that every parameter path and value is
// accepted by the base scenario, before any run starts; errors are ScenarioErrors that
// name the sweep file's line and key.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cyberdeter::models {

enum class DesignKind { grid, latin_hypercube, sobol, saltelli, morris };

/// "grid", "latin_hypercube", "sobol", "saltelli" or "morris", as in sweep files.
std::string_view to_string(DesignKind kind) noexcept;

/// How a parameter that sets several paths sets them.
enum class Link {
  same,   ///< every path takes the value
  scale,  ///< every path takes its base value times the value
};

/// [[parameters]]: one swept parameter.
struct SweepParameter {
  std::string name;  ///< `name`, default: the path
  /// `path`, a scenario key path such as "attackers.APT10.capability", as written (it may
  /// hold a `*` segment); for `paths = [...]`, the paths joined by ", ".
  std::string path;
  /// The scenario paths the parameter sets: `path` or `paths` in the order written, each
  /// `*` segment expanded over the base scenario's tables (filtered by `where`) in the order
  /// of their names (arrays of tables: by index).
  std::vector<std::string> paths;
  Link link = Link::same;           ///< `link`
  std::vector<double> base_values;  ///< with Link::scale: each path's value in the base
  /// `values`: explicit values as TOML literals: numbers, booleans or strings, or inline
  /// tables or arrays (which replace the whole table or array at `path`). A continuous
  /// design picks value floor(u · count) for a unit coordinate u.
  std::vector<std::string> values;
  /// `labels`: a short, distinct name for each entry of `values`, or empty.
  std::vector<std::string> labels;
  bool has_range = false;  ///< `range = [lo, hi]` was given
  double lo = 0.0, hi = 0.0;
  bool integer = false;    ///< both range bounds are TOML integers: values are integers
  bool log_scale = false;  ///< `scale = "log"` (range must be positive)
  std::size_t steps = 0;   ///< `steps` (grid with a range): evenly spaced values, ends included
};

/// [question]: what the sweep asks, so that `analysis report` opens on the answer. The
/// loader checks it against the base scenario and the parameters; analysis computes it.
struct SweepQuestion {
  std::string text;       ///< `text`: the question in words
  std::string metric;     ///< `metric`: COLUMN, COLUMN@STATE, COLUMN@ATTACKER or A/B
  std::string compare;    ///< `compare`: the parameter whose values are compared
  std::string baseline;   ///< `baseline`: a label or value of `compare` (default: its first)
  std::string treatment;  ///< `treatment`: the value compared with it (default: every other)
  /// `window`: a mega-event's name, or [start, end] in days or dates (resolved to days).
  std::optional<std::pair<double, double>> window;
  std::string window_name;  ///< the mega-event's name when the window was given by one
  /// The answer needs /incidents (a window, or counts by victim and attacker kind), so a
  /// sweep with this question writes them whether or not --incidents was given.
  bool needs_incidents = false;
};

struct Sweep {
  std::string path;                  ///< the sweep file
  std::string text;                  ///< its text
  std::string base_path;             ///< `base`, resolved relative to the sweep file
  std::string model = "deterrence";  ///< the base scenario's `model`
  /// The base scenario's text when it was given rather than read from base_path.
  std::optional<std::string> base_text;
  std::string name;                      ///< `name`
  DesignKind design = DesignKind::grid;  ///< [design] `kind`
  std::size_t points = 0;  ///< [design] `points`: samples (LHS, Sobol), base samples N (Saltelli),
                           ///< trajectories (Morris)
  std::size_t levels = 4;  ///< [design] `levels` (Morris), even
  std::uint64_t design_seed = 0;      ///< [design] `seed`, default [run] seed
  std::uint64_t replications = 1;     ///< [run] `replications` per point
  std::uint64_t seed = 1;             ///< [run] `seed`: master seed
  bool common_random_numbers = true;  ///< [run] `common_random_numbers`
  std::vector<SweepParameter> parameters;
  std::optional<SweepQuestion> question;  ///< [question], if the sweep states one
};

/// One point of the design: each parameter's value, as a number (for a parameter given by
/// `values`, the index of its value there) and as the override handed to the scenario loader.
struct DesignPoint {
  std::vector<double> values;
  std::vector<std::string> overrides;  ///< "path=value"
};

/// Loads and validates a sweep file.
Sweep load_sweep(const std::string& path);
/// The same from the sweep file's text and its base scenario's text, as stored in a sweep's
/// output: nothing is read from the file system (`path` is used in messages).
Sweep load_sweep_text(std::string text, std::string path, std::string base_text);

/// The design's points, in a fixed order that depends only on the sweep file.
std::vector<DesignPoint> expand(const Sweep& sweep);

}  // namespace cyberdeter::models
