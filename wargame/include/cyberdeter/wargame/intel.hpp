#pragma once
// The seats' intelligence (docs/wargame.md, "Intelligence and sharing"): per incident that
// concerns a seat, an item stating who its analysts (or an inviting ally's) think did it,
// with likelihood and confidence stated apart (ICD 203), the kind of source, and a
// releasability marking. A seat may share its own analysts' items with the seats the
// marking allows; nobody else ever reads them. The inbox keeps every item and share as
// JSON lines in a file of its own, so a resumed server restores every inbox as it was.
//
// Sharing is information only: the model never reads an inbox (docs/model.md §7.6).

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/wargame/json.hpp"
#include "cyberdeter/wargame/session.hpp"

namespace cyberdeter::wargame {

/// One assessment of an incident, held by one seat.
struct IntelItem {
  std::uint64_t id = 0;          ///< random, below 2^53 (exact in JSON), unique in the session
  std::uint32_t holder = 0;      ///< the state in whose inbox it is
  std::uint32_t originator = 0;  ///< whose analysts assessed it (the holder, or an inviter)
  std::uint64_t incident = 0;
  double day = 0.0;                       ///< when the question that brought it was asked
  std::uint32_t actor = 0;                ///< the attacker the assessment names
  double probability = 0.0;               ///< the analysts' likelihood that the actor did it
  std::string confidence;                 ///< ICD 203 analytic confidence, in words
  std::string source;                     ///< the kind of source
  bool may_share = false;                 ///< the holder's own analysts' item (originator control)
  std::vector<std::uint32_t> releasable;  ///< the seats it may be shared with
  std::uint64_t key = 0;  ///< the question it came with (kind, state, incident, content)
};

/// The item a form's question brings to its seat, given the seats of the room: a
/// response brings the seat's own analysts' assessment; an invitation the inviter's.
IntelItem intel_of(const models::deterrence::Scenario& sc, const FormItem& question,
                   const std::vector<std::size_t>& seats);

/// The marking of an item, in words: "REL TO ALL SEATS", "REL TO Ally1, Ally2",
/// "ORIGINATOR ONLY" (nobody else), or "ORCON Victim" for another's assessment.
std::string releasability_words(const models::deterrence::Scenario& sc, const IntelItem& item,
                                const std::vector<std::size_t>& seats);

/// A share request as a seat sends it: {"type":"share","item":ID,"with":["Ally1"]}.
struct ShareRequest {
  std::uint64_t item = 0;
  std::vector<std::string> with;
};
/// The request in `msg`, or nullopt with `error` saying what is wrong with it.
std::optional<ShareRequest> parse_share(const json::Value& msg, std::string& error);

/// Every seat's items and who shared what with whom.
class Inbox {
 public:
  /// Keeps the record in `path` (JSON lines, appended): read back first when `resume`
  /// (a line that does not read, the tail of a killed server's last write, ends it),
  /// started afresh otherwise. Throws std::runtime_error if the file cannot be written.
  Inbox(const models::deterrence::Scenario& sc, std::string path, bool resume);
  ~Inbox();
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  /// Adds the item unless its holder has the item of the same question already; returns
  /// the item kept and whether it is new (written to the file before this returns).
  std::pair<const IntelItem*, bool> add(IntelItem item);

  /// Why `from` may not share item `id` with `to`, or nullopt if it may. `id` that is
  /// not `from`'s own reads as not in its inbox, whether it exists or not.
  std::optional<std::string> refusal(std::uint32_t from, std::uint64_t id,
                                     const std::vector<std::uint32_t>& to) const;
  /// Records a share that refusal() allowed (written to the file before this returns).
  void share(std::uint32_t from, std::uint64_t id, const std::vector<std::uint32_t>& to);

  /// The item if `seat` may read it (its own, or shared with it).
  const IntelItem* readable(std::uint32_t seat, std::uint64_t id) const;
  /// Who shared item `id` with `seat`, if someone did.
  std::optional<std::uint32_t> shared_by(std::uint32_t seat, std::uint64_t id) const;
  /// The seats item `id` was shared with, by state number.
  std::vector<std::uint32_t> shared_with(std::uint64_t id) const;
  /// The ids `seat` may read, in the order they reached it; every id for nullopt (the
  /// white cell).
  std::vector<std::uint64_t> inbox(std::optional<std::uint32_t> seat) const;
  const IntelItem& item(std::uint64_t id) const { return items_.at(index_.at(id)); }
  /// The item `id`, whoever holds it, or nullptr (the white cell's view).
  const IntelItem* find(std::uint64_t id) const;
  std::size_t size() const noexcept { return items_.size(); }

 private:
  void append(const json::Value& line);

  const models::deterrence::Scenario& sc_;
  std::vector<IntelItem> items_;                // in the order they arose
  std::map<std::uint64_t, std::size_t> index_;  // id -> position in items_
  std::random_device random_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint64_t> by_key_;  // holder, key
  // (recipient, id) -> sharer, and per recipient the ids in the order they arrived
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint32_t> shares_;
  std::map<std::uint32_t, std::vector<std::uint64_t>> arrived_;
  std::FILE* file_ = nullptr;
};

}  // namespace cyberdeter::wargame
