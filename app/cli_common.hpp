#pragma once
// What every subcommand shares: exit statuses, the error for bad command-line input,
// and the provenance of the invocation.

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cyberdeter/sim/hdf5.hpp"

namespace cyberdeter::wargame {
struct StoredSession;
}

namespace cyberdeter::app {

/// Exit statuses (docs/user-guide.md, "Exit status").
inline constexpr int exit_success = 0;
inline constexpr int exit_failure = 1;        ///< run-time failure (I/O, environment)
inline constexpr int exit_bad_input = 2;      ///< bad scenario, sweep file or option
inline constexpr int exit_interrupted = 130;  ///< SIGINT or SIGTERM: stopped, nothing written

/// Thrown where a long command notices an interrupt; main() turns it into exit 130 after
/// the destructors have removed every partial output file.
class Interrupted : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Installs handlers for SIGINT and SIGTERM that only set a flag.
void watch_interrupts();
/// Treats SIGHUP (a closed terminal window, a dropped SSH connection) like SIGTERM, unless
/// it is ignored (nohup).
void watch_hangup();
/// Throws Interrupted if SIGINT, SIGTERM (or SIGHUP, when watched) arrived.
void check_interrupted();
/// The same, for commands that write nothing when interrupted (the message says so).
void check_interrupted_no_output();

/// Bad input that is not tied to a place in a file (an option's value, a missing file).
class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The exit status for an error: exit_interrupted for Interrupted, exit_bad_input for
/// bad input (ScenarioError, UsageError, MergeError), exit_failure for anything else.
int exit_status_of(const std::exception_ptr& error);

/// The action a parsed subcommand runs; returns the exit status.
using Action = std::function<int()>;

/// The command line as typed, with arguments quoted where needed (for provenance).
const std::string& invocation();
void set_invocation(int argc, char** argv);

/// "0.1.0 (git abc123)".
std::string version_string();

/// The scenario file and its --set overrides, as every scenario command takes them.
struct ScenarioArgs {
  std::string file;
  std::vector<std::string> overrides;
};
/// Writes the root attributes every output file carries: program, version, git
/// revision, command line, creation time and schema version.
void write_provenance(sim::h5::File& file);

/// Reads a war-game session file; a missing file or one that is not a session is bad
/// input (UsageError).
wargame::StoredSession read_session_file(const std::string& path);

/// The same, or the session a journal records (SESSION.h5.journal, given or next to a
/// SESSION.h5 that is missing or stopped early).
wargame::StoredSession read_session_or_journal(const std::string& path);

/// Throws UsageError if the output's directory does not exist (before anything runs).
void check_output_path(const std::string& output);

/// True if `pid_digits` (the PID of a NAME.partial-PID file) is a process id that no
/// longer runs on this host; false for anything else, or a process we may not signal.
bool left_by_a_dead_process(std::string_view pid_digits);

/// The worker threads of a process: `requested` (--threads) if given, else 1 under MPI
/// (`under_mpi`: one process per core) and all cores otherwise.
unsigned worker_threads(unsigned requested, bool under_mpi);

/// Removes OUTPUT.partial-PID files (an output being written, h5::File::create) that a
/// process which no longer runs on this host left, e.g. a sweep killed during its final
/// merge; returns the names removed.
std::vector<std::string> remove_stale_partials(const std::string& output);

/// A CLI11 check for a finite number in [lo, hi] (CLI::Range lets NaN through).
CLI::Validator finite_range(double lo, double hi);
/// A CLI11 check for a span of simulated time in days: at least one tick (one second, the
/// engine's resolution) and at most its longest horizon.
CLI::Validator days_check();

/// A CLI11 check for a whole number in [0, 2^64 - 1], written in decimal digits (CLI11
/// alone saturates 2^64 to the largest value).
CLI::Validator whole_number();
/// A CLI11 check for 0 or a span of days as days_check() accepts.
CLI::Validator days_or_zero_check();

/// Adds the positional FILE and the repeatable --set option to `cmd`.
void add_scenario_args(CLI::App& cmd, ScenarioArgs& args);

// Options that several commands declare alike, with one help text each.
/// --compression: the deflate level of the tables (run, sweep, calibrate, merge).
void add_compression_option(CLI::App& cmd, int& level);
/// -o,--output of a resumable batch command (sweep, calibrate), required.
void add_batch_output_option(CLI::App& cmd, std::string& output);
/// --threads of a batch command: workers per process, validated 1..4096.
void add_worker_threads_option(CLI::App& cmd, unsigned& threads);
/// --checkpoint: seconds between checkpoints of a batch command.
void add_checkpoint_option(CLI::App& cmd, double& seconds);
/// True if the file asks for a reference model (PHOLD or hold), false for deterrence.
bool is_reference_scenario(const std::string& file);
/// True if the file asks for a formal game ("attribution_game" or "timing_game").
bool is_game_scenario(const std::string& file);
/// True if the file asks for the ANU deterrence model ("anu_deterrence").
bool is_anu_scenario(const std::string& file);

/// What `run` passes on for a game scenario (cmd_run_games.cpp).
struct GameRunOptions {
  ScenarioArgs scenario;
  std::string output;
  std::optional<std::uint64_t> replications;
  std::optional<std::uint64_t> seed;
  int compression = sim::h5::TableOptions{}.compression_level;
  bool quiet = false;
};
/// Runs an attribution-game or timing-game scenario and writes its HDF5 file.
int run_game(const GameRunOptions& options);
/// Runs an ANU deterrence scenario and writes its HDF5 file (cmd_run_anu.cpp).
int run_anu(const GameRunOptions& options);
/// What `validate` prints for a valid game scenario ("FILE: valid (...)"); throws
/// ScenarioError for an invalid one.
std::string validate_game(const ScenarioArgs& args);
/// What `describe` prints for a game scenario: its resolved parameters as TOML.
std::string describe_game(const ScenarioArgs& args);

void add_run_command(CLI::App& app, Action& action);
void add_validate_command(CLI::App& app, Action& action);
void add_describe_command(CLI::App& app, Action& action);
void add_sweep_command(CLI::App& app, Action& action);
void add_merge_command(CLI::App& app, Action& action);
void add_calibrate_command(CLI::App& app, Action& action);
void add_equilibrium_command(CLI::App& app, Action& action);
void add_wargame_command(CLI::App& app, Action& action);
void add_debrief_command(CLI::App& app, Action& action);

}  // namespace cyberdeter::app
