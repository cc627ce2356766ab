// The journal of a war-game session (journal.hpp).

#include "cyberdeter/wargame/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "toml_reader.hpp"

namespace cyberdeter::wargame {
namespace {

namespace detail = models::detail;

constexpr std::int64_t format_version = 1;
constexpr const char* first_line =
    "# cyberdeter war-game journal: one record a line, CRC-32 after #\n";

std::uint32_t crc32(std::string_view text) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : text) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string str(std::string_view s) { return detail::toml_string(s); }
std::string num(double v) { return detail::toml_number(v); }

[[noreturn]] void fail(const std::string& path, std::size_t line, const std::string& what) {
  throw std::runtime_error(path + ":" + std::to_string(line) + ": " + what);
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write the journal " + path + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

void sync_fd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) {
    throw std::runtime_error("cannot sync the journal " + path + ": " + std::strerror(errno));
  }
}

// The directory entry of a new file is durable only once its directory is synced.
void sync_directory(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

template <class T>
T field(const toml::table& t, std::string_view key, const std::string& path, std::size_t line) {
  const auto v = t[key].value<T>();
  if (!v) fail(path, line, "the record has no valid '" + std::string(key) + "'");
  return *v;
}

std::uint64_t whole(const toml::table& t, std::string_view key, const std::string& path,
                    std::size_t line) {
  // Written as a string: a seed may exceed TOML's 64-bit signed integers.
  const std::string text = field<std::string>(t, key, path, line);
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    fail(path, line, "'" + std::string(key) + "' is not a whole number");
  return std::stoull(text);
}

Decision read_decision(const toml::table& t, const std::string& path, std::size_t line) {
  Decision d;
  DecisionRow& r = d.row;
  auto integer = [&](std::string_view key, std::int64_t lo, std::int64_t hi) {
    const auto v = field<std::int64_t>(t, key, path, line);
    if (v < lo || v > hi) fail(path, line, "'" + std::string(key) + "' is out of range");
    return v;
  };
  auto real = [&](std::string_view key) { return field<double>(t, key, path, line); };
  r.decision = static_cast<std::uint64_t>(integer("decision", 0, INT64_MAX));
  r.day = real("day");
  r.state = static_cast<std::uint32_t>(integer("state", 0, UINT32_MAX));
  r.kind = static_cast<std::uint8_t>(integer("kind", 0, 4));
  r.incident = integer("incident", -1, INT64_MAX);
  r.turn = static_cast<std::uint32_t>(integer("turn", 0, UINT32_MAX));
  r.named = static_cast<std::int32_t>(integer("named", -1, INT32_MAX));
  r.confidence = real("confidence");
  r.case_strength = real("case_strength");
  r.recommended = static_cast<std::int8_t>(integer("recommended", -1, 4));
  r.choice = static_cast<std::int8_t>(integer("choice", -1, 4));
  r.options = static_cast<std::uint8_t>(integer("options", 0, 15));
  r.deviates = field<bool>(t, "deviates", path, line);
  r.late = field<bool>(t, "late", path, line);
  r.seconds = real("seconds");
  r.source = static_cast<std::uint8_t>(integer("source", 0, 4));
  // Journals written before moves have no move column: one question at a time.
  if (t.contains("move")) r.move = static_cast<std::uint32_t>(integer("move", 0, UINT32_MAX));
  if (t.contains("leader")) r.leader = static_cast<std::int32_t>(integer("leader", -1, INT32_MAX));
  if (t.contains("p_join")) r.p_join = real("p_join");
  d.action = field<std::string>(t, "action", path, line);
  d.rationale = field<std::string>(t, "rationale", path, line);
  return d;
}

JournalAnswer read_answer(const toml::table& t, const std::string& path, std::size_t line) {
  JournalAnswer a;
  auto integer = [&](std::string_view key, std::int64_t lo, std::int64_t hi) {
    const auto v = field<std::int64_t>(t, key, path, line);
    if (v < lo || v > hi) fail(path, line, "'" + std::string(key) + "' is out of range");
    return v;
  };
  a.move = static_cast<std::uint32_t>(integer("move", 0, UINT32_MAX));
  a.kind = static_cast<std::uint8_t>(integer("kind", 0, 4));
  a.state = static_cast<std::uint32_t>(integer("state", 0, UINT32_MAX));
  a.incident = integer("incident", -1, INT64_MAX);
  a.turn = static_cast<std::uint32_t>(integer("turn", 0, UINT32_MAX));
  a.index = static_cast<std::uint32_t>(integer("index", 0, UINT32_MAX));
  const std::string content = field<std::string>(t, "content", path, line);
  if (content.size() != 16 || content.find_first_not_of("0123456789abcdef") != std::string::npos)
    fail(path, line, "'content' is not 16 hexadecimal digits");
  a.content = std::stoull(content, nullptr, 16);
  a.value = static_cast<int>(integer("value", 0, 4));  // override: the outcome, 1 to 4
  a.default_answer = field<bool>(t, "default", path, line);
  a.action = field<std::string>(t, "action", path, line);
  a.rationale = field<std::string>(t, "rationale", path, line);
  a.seconds = field<double>(t, "seconds", path, line);
  a.source = static_cast<std::uint8_t>(integer("source", 0, 4));
  if (t.contains("day")) a.day = field<double>(t, "day", path, line);
  return a;
}

JournalHeader read_header(const toml::table& t, const std::string& path, std::size_t line) {
  if (field<std::int64_t>(t, "format", path, line) != format_version) {
    fail(path, line, "a journal of another format (this program reads format 1)");
  }
  JournalHeader h;
  const toml::array* played = t["played"].as_array();
  if (played == nullptr) fail(path, line, "the record has no 'played'");
  for (const auto& p : *played) {
    const auto name = p.value<std::string>();
    if (!name) fail(path, line, "'played' holds a value that is not a name");
    h.info.played.push_back(*name);
  }
  h.info.turn_days = field<double>(t, "turn_days", path, line);
  h.info.delegate_below = field<double>(t, "delegate_below", path, line);
  // Journals written before moves have none: one question at a time.
  h.info.move_days = t.contains("move_days") ? field<double>(t, "move_days", path, line) : 0.0;
  h.move_seconds = t.contains("move_seconds") ? field<double>(t, "move_seconds", path, line) : 0.0;
  h.every_turn = t.contains("every_turn") ? field<bool>(t, "every_turn", path, line) : true;
  h.info.seed = whole(t, "seed", path, line);
  h.info.replication = whole(t, "replication", path, line);
  h.rest = field<std::string>(t, "rest", path, line);
  h.scenario_resolved = field<std::string>(t, "scenario_resolved", path, line);
  h.scenario_text = field<std::string>(t, "scenario_text", path, line);
  h.scenario_path = field<std::string>(t, "scenario_path", path, line);
  h.scenario_name = field<std::string>(t, "scenario_name", path, line);
  h.program_version = field<std::string>(t, "program_version", path, line);
  h.command_line = field<std::string>(t, "command_line", path, line);
  return h;
}

}  // namespace

std::string journal_path(const std::string& session_path) { return session_path + ".journal"; }

JournalContents read_journal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open the journal " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  JournalContents out;
  if (text.compare(0, std::strlen(first_line), first_line) != 0) {
    throw std::runtime_error(path + " is not a war-game journal");
  }
  std::size_t pos = std::strlen(first_line);
  out.good_bytes = pos;
  bool have_header = false;
  for (std::size_t line = 2; pos < text.size(); ++line) {
    const std::size_t end = text.find('\n', pos);
    const std::string_view record(text.data() + pos,
                                  (end == std::string::npos ? text.size() : end) - pos);
    const std::size_t hash = record.rfind(" # ");
    bool whole_line =
        end != std::string::npos && hash != std::string::npos && record.size() == hash + 3 + 8;
    if (whole_line) {
      char expected[16];
      std::snprintf(expected, sizeof expected, "%08x", crc32(record.substr(0, hash)));
      whole_line = record.substr(hash + 3) == expected;
    }
    if (!whole_line) {
      // The last line was being written when the process stopped: it never counted.
      const bool last = end == std::string::npos || end + 1 == text.size();
      if (!last) fail(path, line, "a damaged record (its check sum does not match)");
      out.torn_tail = true;
      break;
    }
    toml::table t;
    try {
      t = toml::parse(record.substr(0, hash));
    } catch (const toml::parse_error& e) {
      fail(path, line,
           std::string("a record that does not parse: ") + std::string(e.description()));
    }
    if (t.size() != 1 || !t.begin()->second.is_table()) fail(path, line, "not a journal record");
    const std::string type(t.begin()->first.str());
    const toml::table& fields = *t.begin()->second.as_table();
    if (!have_header && type != "session")
      fail(path, line, "the journal does not start with its session");
    if (type == "session") {
      if (have_header) fail(path, line, "a second session record");
      out.header = read_header(fields, path, line);
      have_header = true;
    } else if (type == "decision") {
      out.decisions.push_back(read_decision(fields, path, line));
      const Decision& d = out.decisions.back();
      out.decisions.back().row.decision = out.decisions.size() - 1;
      // The move is complete: its decisions replace its answers. The white cell's injects
      // and overrides become decisions in the order of their days, so they wait for
      // theirs (or for a later move's decision: an override whose statement never came).
      constexpr auto inject = static_cast<std::uint8_t>(DecisionKind::inject);
      constexpr auto ruling = static_cast<std::uint8_t>(DecisionKind::adjudication);
      std::erase_if(out.answers, [&](const JournalAnswer& a) {
        if (a.kind != inject && a.kind != ruling) return d.row.kind != inject;
        if (a.move < d.row.move) return true;
        if (a.kind != d.row.kind) return false;
        return a.kind == inject ? a.turn == d.row.turn && a.action == d.action
                                : a.incident == d.row.incident;
      });
    } else if (type == "answer") {
      out.answers.push_back(read_answer(fields, path, line));
    } else if (type == "stop") {
      ++out.stops;
    } else if (type == "complete") {
      out.complete = true;
    } else if (type != "resume") {
      fail(path, line, "an unknown record '" + type + "'");
    }
    pos = end + 1;
    out.good_bytes = pos;
  }
  if (!have_header) throw std::runtime_error(path + ": the journal has no session record");
  return out;
}

StoredSession stored_session(const JournalContents& j, const std::string& session_path) {
  StoredSession s;
  s.path = session_path;
  s.info = j.header.info;
  s.info.complete = false;
  s.info.day_reached = j.decisions.empty() ? 0.0 : j.decisions.back().row.day;
  s.decisions = j.decisions;
  s.scenario_resolved = j.header.scenario_resolved;
  s.scenario_text = j.header.scenario_text;
  s.scenario_path = j.header.scenario_path;
  s.scenario_name = j.header.scenario_name;
  return s;
}

Journal Journal::create(const std::string& path, const JournalHeader& h) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot create the journal " + path + ": " + std::strerror(errno));
  }
  Journal j(path, fd);
  write_all(fd, first_line, path);
  std::string played = "[";
  for (const auto& p : h.info.played) played += (played.size() > 1 ? ", " : "") + str(p);
  played += "]";
  j.append("session",
           "format = " + std::to_string(format_version) + ", program_version = " +
               str(h.program_version) + ", command_line = " + str(h.command_line) +
               ", created = " + str(now_utc()) + ", played = " + played +
               ", turn_days = " + num(h.info.turn_days) + ", move_days = " + num(h.info.move_days) +
               ", move_seconds = " + num(h.move_seconds) +
               ", every_turn = " + (h.every_turn ? "true" : "false") + ", delegate_below = " +
               num(h.info.delegate_below) + ", seed = " + str(std::to_string(h.info.seed)) +
               ", replication = " + str(std::to_string(h.info.replication)) +
               ", rest = " + str(h.rest) + ", scenario_path = " + str(h.scenario_path) +
               ", scenario_name = " + str(h.scenario_name) + ", scenario_text = " +
               str(h.scenario_text) + ", scenario_resolved = " + str(h.scenario_resolved));
  j.sync();
  sync_directory(path);
  return j;
}

Journal Journal::append_to(const std::string& path, std::uint64_t good_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    throw std::runtime_error("cannot open the journal " + path + ": " + std::strerror(errno));
  }
  if (::ftruncate(fd, static_cast<off_t>(good_bytes)) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error("cannot cut the journal " + path + ": " + std::strerror(error));
  }
  Journal j(path, fd);
  sync_fd(fd, path);
  return j;
}

Journal::Journal(Journal&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), pending_(other.pending_) {
  other.fd_ = -1;
}

Journal& Journal::operator=(Journal&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    pending_ = other.pending_;
    other.fd_ = -1;
  }
  return *this;
}

Journal::~Journal() {
  if (fd_ < 0) return;
  if (pending_) ::fsync(fd_);
  ::close(fd_);
}

void Journal::append(const std::string& type, const std::string& fields) {
  const std::string record = type + " = {" + fields + "}";
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x", crc32(record));
  write_all(fd_, record + " # " + crc + "\n", path_);
  pending_ = true;
}

void Journal::decision(const Decision& d) {
  const DecisionRow& r = d.row;
  append("decision",
         "decision = " + std::to_string(r.decision) + ", day = " + num(r.day) +
             ", state = " + std::to_string(r.state) + ", kind = " + std::to_string(r.kind) +
             ", incident = " + std::to_string(r.incident) + ", turn = " + std::to_string(r.turn) +
             ", named = " + std::to_string(r.named) + ", confidence = " + num(r.confidence) +
             ", case_strength = " + num(r.case_strength) +
             ", recommended = " + std::to_string(r.recommended) +
             ", choice = " + std::to_string(r.choice) + ", options = " + std::to_string(r.options) +
             ", deviates = " + (r.deviates ? "true" : "false") +
             ", late = " + (r.late ? "true" : "false") + ", seconds = " + num(r.seconds) +
             ", source = " + std::to_string(r.source) + ", move = " + std::to_string(r.move) +
             ", leader = " + std::to_string(r.leader) + ", p_join = " + num(r.p_join) +
             ", action = " + str(d.action) + ", rationale = " + str(d.rationale));
}

void Journal::answer(const JournalAnswer& a) {
  char content[24];
  std::snprintf(content, sizeof content, "%016llx", static_cast<unsigned long long>(a.content));
  append("answer",
         "move = " + std::to_string(a.move) + ", kind = " + std::to_string(a.kind) +
             ", state = " + std::to_string(a.state) + ", incident = " + std::to_string(a.incident) +
             ", turn = " + std::to_string(a.turn) + ", index = " + std::to_string(a.index) +
             ", content = " + str(content) + ", value = " + std::to_string(a.value) +
             ", default = " + (a.default_answer ? "true" : "false") + ", action = " +
             str(a.action) + ", rationale = " + str(a.rationale) + ", seconds = " + num(a.seconds) +
             ", source = " + std::to_string(a.source) + ", day = " + num(a.day));
}

void Journal::stopped(const std::string& why, std::uint64_t decisions) {
  append("stop", "at = " + str(now_utc()) + ", why = " + str(why) +
                     ", decisions = " + std::to_string(decisions));
  sync();
}

void Journal::resumed(std::uint64_t decisions) {
  append("resume", "at = " + str(now_utc()) + ", decisions = " + std::to_string(decisions));
  sync();
}

void Journal::completed(std::uint64_t decisions) {
  append("complete", "at = " + str(now_utc()) + ", decisions = " + std::to_string(decisions));
  sync();
}

void Journal::sync() {
  if (!pending_ || fd_ < 0) return;
  sync_fd(fd_, path_);
  pending_ = false;
}

}  // namespace cyberdeter::wargame
