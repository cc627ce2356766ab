#include "cyberdeter/wargame/intel.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "cyberdeter/wargame/briefs.hpp"

namespace cyberdeter::wargame {
namespace {

namespace det = models::deterrence;

std::uint64_t question_key(const QuestionKey& k) {
  // FNV-1a over the key's fields: the same question, asked again in a follow-up form or
  // after a resume, brings the same item.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 1099511628211ULL;
    }
  };
  mix(k.kind);
  mix(k.state);
  mix(static_cast<std::uint64_t>(k.incident));
  mix(k.content);
  return h;
}

bool is_seat(const std::vector<std::size_t>& seats, std::size_t s) {
  return std::find(seats.begin(), seats.end(), s) != seats.end();
}

json::Value states_json(const std::vector<std::uint32_t>& states) {
  json::Value v = json::array();
  for (const auto s : states) v.push(s);
  return v;
}

std::optional<std::uint32_t> state_number(const json::Value* v, std::size_t count) {
  if (v == nullptr || !v->is_number()) return std::nullopt;
  const double d = v->as_number();
  if (!(d >= 0.0) || d != std::floor(d) || d >= static_cast<double>(count)) return std::nullopt;
  return static_cast<std::uint32_t>(d);
}

}  // namespace

// Releasability [M] (docs/model.md §7.6): a state's own assessment of an attack on it is
// releasable to the seats it would invite to a coordinated statement on the same case
// (§7.2: states aligned with it, never the named actor's sponsor), the partners with whom
// it would go public anyway; an inviter's assessment that came with an invitation stays
// under its originator's control (ORCON): the invitee may not pass it on.
IntelItem intel_of(const det::Scenario& sc, const FormItem& q,
                   const std::vector<std::size_t>& seats) {
  IntelItem it;
  it.holder = q.state;
  it.day = q.day;
  it.key = question_key(q.key);
  if (q.respond) {
    const det::ResponseBrief& b = *q.respond;
    it.originator = b.state;
    it.incident = b.incident;
    it.actor = b.named;
    it.probability = b.confidence;
    it.confidence =
        confidence_words(sc.states[b.state].attribution_accuracy, !b.false_flag_suspects.empty());
    it.source = sc.states[b.state].name + "'s own analysts: forensics of the attack on it";
    it.may_share = true;
    for (const auto& a : b.allies) {
      if (is_seat(seats, a.state)) it.releasable.push_back(a.state);
    }
  } else if (q.join) {
    const det::JoinBrief& b = *q.join;
    it.originator = b.leader;
    it.incident = b.incident;
    it.actor = b.named;
    it.probability = b.confidence;
    // What the invitee learns is the leader's word, not its evidence: the leader's own
    // accuracy is its confidence, as the leader's brief would state it.
    it.confidence = confidence_words(sc.states[b.leader].attribution_accuracy, false);
    it.source = sc.states[b.leader].name + "'s analysts, with its invitation";
    it.may_share = false;
  }
  return it;
}

std::string releasability_words(const det::Scenario& sc, const IntelItem& item,
                                const std::vector<std::size_t>& seats) {
  if (!item.may_share) return "ORCON " + sc.states[item.originator].name + " (not to be passed on)";
  if (item.releasable.empty()) return "ORIGINATOR ONLY (no one else)";
  std::size_t others = 0;
  for (const auto s : seats) others += s != item.holder ? 1 : 0;
  if (item.releasable.size() == others) return "REL TO ALL SEATS";
  std::string out = "REL TO ";
  for (std::size_t i = 0; i < item.releasable.size(); ++i) {
    out += (i > 0 ? ", " : "") + sc.states[item.releasable[i]].name;
  }
  return out;
}

std::optional<ShareRequest> parse_share(const json::Value& msg, std::string& error) {
  ShareRequest r;
  const auto id = msg.number("item");
  if (!id || !(*id >= 1.0 && *id <= 9007199254740992.0) || *id != std::floor(*id)) {
    error = "give the \"item\" number of an item of your inbox";
    return std::nullopt;
  }
  r.item = static_cast<std::uint64_t>(*id);
  const json::Value* with = msg.find("with");
  if (with == nullptr || !with->is_array() || with->as_array().empty()) {
    error = "give \"with\": the seats to share it with, e.g. [\"Ally1\"]";
    return std::nullopt;
  }
  if (with->as_array().size() > 64) {
    error = "\"with\": at most 64 seats";
    return std::nullopt;
  }
  for (const json::Value& v : with->as_array()) {
    if (!v.is_string() || v.as_string().empty() || v.as_string().size() > 200) {
      error = "\"with\": a list of seat names";
      return std::nullopt;
    }
    if (std::find(r.with.begin(), r.with.end(), v.as_string()) != r.with.end()) {
      error = "\"with\" names a seat twice";
      return std::nullopt;
    }
    r.with.push_back(v.as_string());
  }
  return r;
}

// ---- the inbox --------------------------------------------------------------------------

Inbox::Inbox(const det::Scenario& sc, std::string path, bool resume) : sc_(sc) {
  std::vector<std::string> kept;  // the lines read back
  if (resume) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      std::string error;
      const auto v = json::parse(line, error);
      if (!v || !v->is_object()) break;
      const std::size_t n_states = sc.states.size();
      const std::string kind = v->string("kind").value_or("");
      if (kind == "item") {
        IntelItem it;
        const auto holder = state_number(v->find("holder"), n_states);
        const auto originator = state_number(v->find("originator"), n_states);
        const auto actor = state_number(v->find("actor"), sc.attackers.size());
        const json::Value* rel = v->find("releasable");
        if (!holder || !originator || !actor || rel == nullptr || !rel->is_array()) break;
        const std::string id = v->string("id").value_or("");
        const auto [id_end, id_ec] = std::from_chars(id.data(), id.data() + id.size(), it.id);
        if (id_ec != std::errc() || id_end != id.data() + id.size() || id.empty() || it.id == 0 ||
            index_.count(it.id) != 0) {
          break;
        }
        it.holder = *holder;
        it.originator = *originator;
        it.actor = *actor;
        it.incident = static_cast<std::uint64_t>(v->number("incident").value_or(0));
        it.day = v->number("day").value_or(0.0);
        it.probability = v->number("probability").value_or(0.0);
        it.confidence = v->string("confidence").value_or("");
        it.source = v->string("source").value_or("");
        it.may_share = v->boolean("may_share").value_or(false);
        const std::string key = v->string("key").value_or("");
        const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), it.key);
        bool good = ec == std::errc() && end == key.data() + key.size() && !key.empty();
        for (const auto& s : rel->as_array()) {
          const auto t = state_number(&s, n_states);
          good = good && t.has_value();
          if (t) it.releasable.push_back(*t);
        }
        if (!good) break;
        by_key_[{it.holder, it.key}] = it.id;
        arrived_[it.holder].push_back(it.id);
        index_[it.id] = items_.size();
        items_.push_back(std::move(it));
        kept.push_back(line);
      } else if (kind == "share") {
        const auto from = state_number(v->find("from"), n_states);
        const auto id = v->number("item");
        const json::Value* to = v->find("to");
        if (!from || !id || !(*id >= 1.0 && *id <= 9007199254740992.0) ||
            index_.count(static_cast<std::uint64_t>(*id)) == 0 || to == nullptr ||
            !to->is_array()) {
          break;
        }
        for (const auto& s : to->as_array()) {
          if (const auto t = state_number(&s, n_states)) {
            shares_[{*t, static_cast<std::uint64_t>(*id)}] = *from;
            arrived_[*t].push_back(static_cast<std::uint64_t>(*id));
          }
        }
        kept.push_back(line);
      } else {
        break;
      }
    }
  }
  // The file is replaced (atomically) by the lines read, so a torn last line never stays
  // in it, then appended to.
  const std::string fresh = path + ".new";
  std::FILE* out = std::fopen(fresh.c_str(), "wb");
  bool written = out != nullptr;
  for (const auto& line : kept) {
    written = written && std::fputs((line + "\n").c_str(), out) >= 0;
  }
  written = written && std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
  if (out != nullptr) written = std::fclose(out) == 0 && written;
  if (!written || std::rename(fresh.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot write the intelligence record " + path);
  }
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) throw std::runtime_error("cannot write the intelligence record " + path);
}

Inbox::~Inbox() {
  if (file_ != nullptr) std::fclose(file_);
}

void Inbox::append(const json::Value& line) {
  const std::string text = line.dump() + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    throw std::runtime_error("cannot write the intelligence record");
  }
  ::fsync(::fileno(file_));
}

std::pair<const IntelItem*, bool> Inbox::add(IntelItem item) {
  if (const auto it = by_key_.find({item.holder, item.key}); it != by_key_.end()) {
    return {&items_.at(index_.at(it->second)), false};
  }
  // A random id, so that the ids a seat sees tell nothing of how many items the other
  // seats hold.
  do {
    item.id = ((static_cast<std::uint64_t>(random_()) << 32) | random_()) & ((1ULL << 53) - 1);
  } while (item.id == 0 || index_.count(item.id) != 0);
  json::Value line = json::object();
  line.set("kind", "item")
      .set("id", std::to_string(item.id))
      .set("holder", item.holder)
      .set("originator", item.originator)
      .set("incident", item.incident)
      .set("day", item.day)
      .set("actor", item.actor)
      .set("probability", item.probability)
      .set("confidence", item.confidence)
      .set("source", item.source)
      .set("may_share", item.may_share)
      .set("releasable", states_json(item.releasable))
      .set("key", std::to_string(item.key));
  append(line);
  by_key_[{item.holder, item.key}] = item.id;
  arrived_[item.holder].push_back(item.id);
  index_[item.id] = items_.size();
  items_.push_back(std::move(item));
  return {&items_.back(), true};
}

std::optional<std::string> Inbox::refusal(std::uint32_t from, std::uint64_t id,
                                          const std::vector<std::uint32_t>& to) const {
  const IntelItem* it = readable(from, id);
  if (it == nullptr) return "item " + std::to_string(id) + " is not in your inbox";
  if (it->holder != from) {
    return "item " + std::to_string(id) + " was shared with you by " +
           sc_.states[shares_.at({from, id})].name + ": only its holder releases it";
  }
  if (!it->may_share) {
    return "item " + std::to_string(id) + " is " + sc_.states[it->originator].name +
           "'s assessment, under its control (ORCON): it may not be passed on";
  }
  for (const auto t : to) {
    if (t == from) return "an item is in your inbox already: share it with other seats";
    if (std::find(it->releasable.begin(), it->releasable.end(), t) == it->releasable.end()) {
      return "item " + std::to_string(id) + " is not releasable to " + sc_.states[t].name +
             (it->releasable.empty() ? " (originator only: releasable to no one)"
                                     : " (not among the states " + sc_.states[from].name +
                                           " would invite on this case)");
    }
    if (shares_.count({t, id}) != 0) {
      return "item " + std::to_string(id) + " is shared with " + sc_.states[t].name + " already";
    }
  }
  return std::nullopt;
}

void Inbox::share(std::uint32_t from, std::uint64_t id, const std::vector<std::uint32_t>& to) {
  json::Value line = json::object();
  line.set("kind", "share").set("item", id).set("from", from).set("to", states_json(to));
  append(line);
  for (const auto t : to) {
    shares_[{t, id}] = from;
    arrived_[t].push_back(id);
  }
}

const IntelItem* Inbox::find(std::uint64_t id) const {
  const auto i = index_.find(id);
  return i == index_.end() ? nullptr : &items_[i->second];
}

const IntelItem* Inbox::readable(std::uint32_t seat, std::uint64_t id) const {
  const IntelItem* found = find(id);
  if (found == nullptr) return nullptr;
  const IntelItem& it = *found;
  if (it.holder == seat || shares_.count({seat, id}) != 0) return &it;
  return nullptr;
}

std::optional<std::uint32_t> Inbox::shared_by(std::uint32_t seat, std::uint64_t id) const {
  const auto s = shares_.find({seat, id});
  if (s == shares_.end()) return std::nullopt;
  return s->second;
}

std::vector<std::uint32_t> Inbox::shared_with(std::uint64_t id) const {
  std::vector<std::uint32_t> out;
  for (const auto& [k, from] : shares_) {
    if (k.second == id) out.push_back(k.first);
  }
  return out;
}

std::vector<std::uint64_t> Inbox::inbox(std::optional<std::uint32_t> seat) const {
  if (!seat) {
    std::vector<std::uint64_t> all;
    for (const auto& it : items_) all.push_back(it.id);
    return all;
  }
  const auto it = arrived_.find(*seat);
  return it == arrived_.end() ? std::vector<std::uint64_t>{} : it->second;
}

}  // namespace cyberdeter::wargame
