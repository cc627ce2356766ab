#pragma once
// `cyberdeter serve`: a war-game session whose seats play over WebSocket (Boost.Beast over
// Boost.Asio), JSON messages, one seat per played state on its own laptop, a white cell
// that sees everything, observers that see only what is public (docs/wargame.md, "The
// seat protocol").
//
// The session runs in the calling thread, as with the terminal; the network runs in a
// thread of its own. A move puts every seat's form out at once and waits for the answers
// or the move's deadline, whichever comes first: an unanswered question then takes its
// default (source timeout). Every message in and out is appended to a message log (never
// a token), and every answer goes to the session's journal as with the terminal, so that
// a killed server resumes with `cyberdeter serve --resume SESSION.h5`. Each seat has an
// intelligence inbox (wargame/intel.hpp) whose items and shares are kept in their own
// record, read back on resume.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/wargame/after_action.hpp"
#include "cyberdeter/wargame/session.hpp"

namespace cyberdeter::app {

struct ServerSettings {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: any free port (printed)
  bool white_cell = false;
  bool adjudicate = false;    ///< the white cell reviews each move's outcomes (--adjudicate)
  std::string tokens_path;    ///< where the seats' tokens are kept (0600)
  bool reuse_tokens = false;  ///< a resumed session: its seats keep their links
  std::string messages_path;  ///< the message log (JSON lines, appended)
  std::string intel_path;  ///< the seats' intelligence and shares (JSON lines, wargame/intel.hpp)
  std::size_t max_message_bytes = 64 * 1024;
  double messages_per_second = 50.0;  ///< sustained, per connection (--max-rate)
  double burst = 200.0;               ///< messages a connection may send at once (4 × rate)
  std::size_t max_connections = 128;
};

/// The seats' front end: see the file comment. Listens from construction (throws
/// UsageError if it cannot) and prints the join links.
class ServerFrontEnd final : public wargame::FrontEnd {
 public:
  ServerFrontEnd(const models::deterrence::Scenario& sc, const std::vector<std::size_t>& seats,
                 const ServerSettings& settings);
  ~ServerFrontEnd() override;
  ServerFrontEnd(const ServerFrontEnd&) = delete;
  ServerFrontEnd& operator=(const ServerFrontEnd&) = delete;

  void form(const wargame::Form& form,
            const std::function<void(std::size_t, const wargame::Answer&)>& answered) override;
  void forms(const std::vector<wargame::Form>& forms,
             const std::function<void(std::size_t, std::size_t, const wargame::Answer&)>& answered)
      override;
  wargame::ActionAnswer turn(const models::deterrence::TurnBrief& b, const std::string& brief,
                             std::uint32_t move,
                             std::optional<wargame::Clock::time_point> deadline) override;
  void notice(std::uint32_t state, const std::string& text) override;
  /// Broadcasts what went public to every connection, observers too ("published").
  void published(const models::deterrence::Publication& p) override;

  /// The white cell's requests (inject, jump) go to `control`, from the session's thread.
  void white_cell(wargame::WhiteCell& control) override;
  /// Sends the white cell the model's proposed outcomes ("review") and waits for its
  /// overrides until it is done ("adjudicated"), ends the move or leaves.
  void review(const std::vector<wargame::Proposal>& proposals, std::uint32_t move) override;
  /// Broadcasts an inject that went public to every connection ("published", with
  /// "inject").
  void scheduled_act(const models::deterrence::ScheduledEvent& e, std::size_t index,
                     double day) override;

  /// Tells every connection that the session ended, with the after-action summary and
  /// each seat's hotwash (its cases with their true culprits, its Brier score, its state
  /// in the session against the same replication played by the doctrine), and stops the
  /// server.
  void finish(const std::string& summary, const std::string& output,
              const std::vector<wargame::Decision>& decisions, const wargame::PlayedRun& session,
              const wargame::PlayedRun& doctrine);

  struct Hub;

 private:
  std::shared_ptr<Hub> hub_;
};

/// A seat's token: 32 hexadecimal characters from the system's random source.
std::string random_token();

/// Compares two strings in time that depends on their lengths only, not on where they
/// differ.
bool same_token(const std::string& a, const std::string& b) noexcept;

}  // namespace cyberdeter::app
