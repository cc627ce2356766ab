#include "cyberdeter/sim/tasks.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <boost/uuid/detail/sha1.hpp>

#include "cyberdeter/sim/hdf5.hpp"

namespace cyberdeter::sim {

TaskSet TaskSet::all(std::uint64_t total) {
  TaskSet set;
  set.insert({0, total});
  return set;
}

void TaskSet::insert(TaskRange range) {
  if (range.empty()) return;
  // First range that ends at or after range.begin (adjacent ranges merge too).
  auto first = std::lower_bound(ranges_.begin(), ranges_.end(), range.begin,
                                [](const TaskRange& r, std::uint64_t b) { return r.end < b; });
  auto last = first;
  while (last != ranges_.end() && last->begin <= range.end) {
    range.begin = std::min(range.begin, last->begin);
    range.end = std::max(range.end, last->end);
    size_ -= last->size();
    ++last;
  }
  first = ranges_.erase(first, last);
  ranges_.insert(first, range);
  size_ += range.size();
}

void TaskSet::insert(const TaskSet& other) {
  for (const TaskRange& r : other.ranges_) insert(r);
}

TaskSet TaskSet::overlap(TaskRange range) const {
  TaskSet out;
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), range.begin,
                             [](std::uint64_t b, const TaskRange& r) { return b < r.end; });
  for (; it != ranges_.end() && it->begin < range.end; ++it) {
    out.insert({std::max(it->begin, range.begin), std::min(it->end, range.end)});
  }
  return out;
}

TaskSet TaskSet::minus(const TaskSet& other) const {
  TaskSet out;
  for (const TaskRange& r : ranges_) {
    std::uint64_t at = r.begin;
    const TaskSet cuts = other.overlap(r);
    for (const TaskRange& cut : cuts.ranges()) {
      out.insert({at, cut.begin});
      at = cut.end;
    }
    out.insert({at, r.end});
  }
  return out;
}

bool TaskSet::contains(std::uint64_t task) const { return !overlap({task, task + 1}).empty(); }

std::vector<TaskRange> TaskSet::blocks(std::uint64_t block) const {
  block = std::max<std::uint64_t>(block, 1);
  std::vector<TaskRange> out;
  for (const TaskRange& r : ranges_) {
    for (std::uint64_t b = r.begin; b < r.end; b += std::min(block, r.end - b)) {
      out.push_back({b, b + std::min(block, r.end - b)});
    }
  }
  return out;
}

std::string describe(const TaskSet& set, std::size_t max_ranges) {
  std::string out;
  std::size_t shown = 0;
  for (const TaskRange& r : set.ranges()) {
    if (shown == max_ranges) {
      out += " and " + std::to_string(set.ranges().size() - shown) + " more ranges";
      break;
    }
    if (shown != 0) out += ", ";
    out += std::to_string(r.begin);
    if (r.size() > 1) out += "-" + std::to_string(r.end - 1);
    ++shown;
  }
  return out;
}

namespace {

std::optional<std::uint64_t> parse_count(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

std::optional<std::uint64_t> environment_number(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return {};
  auto number = parse_count(value);
  if (!number) {
    throw std::invalid_argument(std::string(name) + "=" + value + " is not a whole number");
  }
  return number;
}

}  // namespace

Shard parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  const auto bad = [&] {
    return std::invalid_argument("shard '" + std::string(text) +
                                 "': expected I/N with 1 <= I <= N, e.g. 3/8");
  };
  if (slash == std::string_view::npos) throw bad();
  const auto index = parse_count(text.substr(0, slash));
  const auto count = parse_count(text.substr(slash + 1));
  if (!index || !count || *index < 1 || *index > *count) throw bad();
  return {*index, *count};
}

std::string to_string(const Shard& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

std::optional<Shard> shard_from_slurm_environment() {
  const auto id = environment_number("SLURM_ARRAY_TASK_ID");
  if (!id) return {};
  const auto min = environment_number("SLURM_ARRAY_TASK_MIN");
  const auto max = environment_number("SLURM_ARRAY_TASK_MAX");
  const auto count = environment_number("SLURM_ARRAY_TASK_COUNT");
  if (!min || !max || !count) {
    throw std::invalid_argument(
        "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN, _MAX or _COUNT is not: pass "
        "--shard I/N explicitly");
  }
  if (*max < *min || *max - *min + 1 != *count || *id < *min || *id > *max) {
    throw std::invalid_argument(
        "the job array's task ids are not consecutive (SLURM_ARRAY_TASK_MIN=" +
        std::to_string(*min) + ", _MAX=" + std::to_string(*max) + ", _COUNT=" +
        std::to_string(*count) + "): submit it as --array=1-N, or pass --shard I/N explicitly");
  }
  return Shard{*id - *min + 1, *count};
}

TaskSet shard_tasks(std::uint64_t total, const Shard& shard) {
  if (shard.count == 0 || shard.index < 1 || shard.index > shard.count) {
    throw std::invalid_argument("bad shard " + to_string(shard));
  }
  const std::uint64_t deals = 16 * shard.count;
  const std::uint64_t block = std::max<std::uint64_t>(1, (total + deals - 1) / deals);
  TaskSet out;
  for (std::uint64_t b = (shard.index - 1) * block; b < total; b += shard.count * block) {
    out.insert({b, std::min(total, b + block)});
  }
  return out;
}

std::string sha1_hex(std::string_view bytes) {
  boost::uuids::detail::sha1 hash;
  hash.process_bytes(bytes.data(), bytes.size());
  boost::uuids::detail::sha1::digest_type digest;
  hash.get_digest(digest);
  std::string out;
  char word[9];
  for (const auto part : digest) {
    std::snprintf(word, sizeof word, "%08x", static_cast<unsigned>(part));
    out += word;
  }
  return out;
}

void write_part_info(h5::File& file, const PartInfo& info) {
  file.create_group("/sweep");
  file.set_attribute("/sweep", "sweep_id", info.sweep_id);
  file.set_attribute("/sweep", "sweep_sha1", info.sweep_hash);
  file.set_attribute("/sweep", "program_version", info.program_version);
  file.set_attribute("/sweep", "total_tasks", info.total_tasks);
  file.set_attribute("/sweep", "shard", info.shard);
  file.set_attribute("/sweep", "complete", std::int64_t{info.complete() ? 1 : 0});
  file.set_attribute("/sweep", "tasks", info.tasks.size());
  std::vector<std::int64_t> begin, end;
  for (const TaskRange& r : info.tasks.ranges()) {
    begin.push_back(static_cast<std::int64_t>(r.begin));
    end.push_back(static_cast<std::int64_t>(r.end));
  }
  file.write_dataset("/sweep/task_begin", begin, "1",
                     "First task of each range of tasks this file holds");
  file.write_dataset("/sweep/task_end", end, "1",
                     "One past the last task of each range of tasks this file holds");
}

PartInfo read_part_info(const h5::File& file) {
  if (!file.exists("/sweep") || !file.has_attribute("/sweep", "sweep_id") ||
      !file.exists("/sweep/task_begin")) {
    throw h5::H5Error("not the output of a sweep (no /sweep group with a sweep_id)", file.path());
  }
  PartInfo info;
  info.sweep_id = file.read_attribute<std::string>("/sweep", "sweep_id");
  info.sweep_hash = file.read_attribute<std::string>("/sweep", "sweep_sha1");
  info.program_version = file.read_attribute<std::string>("/sweep", "program_version");
  info.total_tasks = file.read_attribute<std::uint64_t>("/sweep", "total_tasks");
  info.shard = file.read_attribute<std::string>("/sweep", "shard");
  const auto begin = file.read_dataset<std::vector<std::int64_t>>("/sweep/task_begin");
  const auto end = file.read_dataset<std::vector<std::int64_t>>("/sweep/task_end");
  if (begin.size() != end.size()) {
    throw h5::H5Error("/sweep/task_begin and /sweep/task_end differ in length", file.path());
  }
  for (std::size_t i = 0; i < begin.size(); ++i) {
    if (begin[i] < 0 || end[i] < begin[i] ||
        static_cast<std::uint64_t>(end[i]) > info.total_tasks) {
      throw h5::H5Error("/sweep/task_begin and /sweep/task_end hold a range outside the sweep",
                        file.path());
    }
    info.tasks.insert({static_cast<std::uint64_t>(begin[i]), static_cast<std::uint64_t>(end[i])});
  }
  return info;
}

}  // namespace cyberdeter::sim
