#include "cyberdeter/sim/merge.hpp"

#include <sys/resource.h>

#include <map>
#include <set>

namespace cyberdeter::sim {

void raise_open_file_limit() noexcept {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void check_parts(const std::vector<MergeInput>& parts, const TaskSet& expected,
                 const std::function<std::string(const TaskSet&)>& describe_tasks) {
  if (parts.empty()) throw MergeError("no parts to merge");
  std::vector<std::string> problems;
  constexpr std::size_t shown = 10;
  const auto note = [&](std::string problem) {
    if (problems.size() < shown) problems.push_back(std::move(problem));
  };
  const auto name_files = [&](const std::vector<std::size_t>& which) {
    std::string out = parts[which.front()].path;
    if (which.size() == 2) out += " and " + parts[which[1]].path;
    if (which.size() > 2) out += " and " + std::to_string(which.size() - 1) + " others";
    return out;
  };

  // One sweep, one program.
  std::map<std::string, std::vector<std::size_t>> by_sweep, by_version;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    by_sweep[parts[i].info.sweep_id].push_back(i);
    by_version[parts[i].info.program_version].push_back(i);
  }
  if (by_sweep.size() > 1) {
    std::string message = "the parts belong to " + std::to_string(by_sweep.size()) +
                          " different sweeps (sweep id = hash of the sweep file and its base "
                          "scenario):";
    for (const auto& [id, which] : by_sweep) {
      message += "\n    sweep " + id.substr(0, 12) + " (sweep file sha1 " +
                 parts[which.front()].info.sweep_hash.substr(0, 12) + "): " + name_files(which);
    }
    throw MergeError(message);
  }
  if (by_version.size() > 1) {
    std::string message =
        "the parts were made by " + std::to_string(by_version.size()) +
        " different versions of cyberdeter, whose results may differ; rerun them with one:";
    for (const auto& [version, which] : by_version) {
      message += "\n    " + version + ": " + name_files(which);
    }
    throw MergeError(message);
  }

  // Each task exactly once.
  struct Piece {
    TaskRange range;
    std::size_t part;
  };
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    for (const TaskRange& r : parts[i].info.tasks.ranges()) pieces.push_back({r, i});
  }
  std::sort(pieces.begin(), pieces.end(),
            [](const Piece& a, const Piece& b) { return a.range.begin < b.range.begin; });
  std::map<std::pair<std::size_t, std::size_t>, TaskSet> twice;
  std::vector<Piece> open;  // pieces that may still overlap the next ones
  TaskSet present;
  std::uint64_t duplicated = 0;
  for (const Piece& p : pieces) {
    std::erase_if(open, [&](const Piece& o) { return o.range.end <= p.range.begin; });
    for (const Piece& o : open) {
      const TaskRange both{p.range.begin, std::min(o.range.end, p.range.end)};
      twice[{std::min(o.part, p.part), std::max(o.part, p.part)}].insert(both);
      duplicated += both.size();
    }
    open.push_back(p);
    present.insert(p.range);
  }
  std::size_t pair_count = 0;
  for (const auto& [pair, tasks] : twice) {
    if (++pair_count > shown) break;
    const bool same = pair.first == pair.second;
    note(std::to_string(tasks.size()) + " task(s) are " +
         (same ? "listed twice in " + parts[pair.first].path
               : "in both " + parts[pair.first].path + " and " + parts[pair.second].path) +
         ": " + describe_tasks(tasks));
  }
  if (twice.size() > shown) note("… and " + std::to_string(twice.size() - shown) + " more pairs");

  const TaskSet missing = expected.minus(present);
  if (!missing.empty()) {
    std::string message = std::to_string(missing.size()) + " of " +
                          std::to_string(expected.size()) +
                          " tasks are in no part: " + describe_tasks(missing);
    // Job-array parts say which shard they are: name the shards that are absent.
    std::set<std::uint64_t> shards;
    std::uint64_t count = 0;
    for (const MergeInput& p : parts) {
      if (p.info.shard.empty()) continue;
      try {
        const Shard shard = parse_shard(p.info.shard);
        shards.insert(shard.index);
        count = shard.count;
      } catch (const std::invalid_argument&) {
        // A label that is not I/N says nothing about which shards are absent.
      }
    }
    if (count != 0) {
      std::string absent;
      for (std::uint64_t i = 1; i <= count && absent.size() < 200; ++i) {
        if (shards.count(i) == 0) {
          absent += (absent.empty() ? "" : ", ") + to_string(Shard{i, count});
        }
      }
      if (!absent.empty()) message += " (no part of shard " + absent + ")";
    }
    note(message);
  }
  const TaskSet outside = present.minus(expected);
  if (!outside.empty()) {
    note(std::to_string(outside.size()) +
         " tasks are not part of this sweep: " + describe_tasks(outside));
  }
  if (!problems.empty()) {
    std::string message = "the parts do not cover the sweep exactly once:";
    for (const auto& p : problems) message += "\n    " + p;
    if (duplicated > 0) {
      message += "\n  (" + std::to_string(duplicated) + " task(s) duplicated in all)";
    }
    throw MergeError(message);
  }
}

}  // namespace cyberdeter::sim
