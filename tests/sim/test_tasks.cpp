// Tests of sim/tasks.hpp (task sets, shards, part identity) and of check_parts (merge.hpp).

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/merge.hpp"
#include "cyberdeter/sim/tasks.hpp"

namespace fs = std::filesystem;
namespace h5 = cyberdeter::sim::h5;
using namespace cyberdeter::sim;

namespace {

// The message of the exception of type E that `f` throws; fails the test if none is thrown.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("no exception thrown");
  return {};
}

std::set<std::uint64_t> elements(const TaskSet& set) {
  std::set<std::uint64_t> out;
  for (const TaskRange& r : set.ranges()) {
    for (std::uint64_t t = r.begin; t < r.end; ++t) out.insert(t);
  }
  return out;
}

TaskSet set_of(std::initializer_list<TaskRange> ranges) {
  TaskSet set;
  for (const TaskRange& r : ranges) set.insert(r);
  return set;
}

// The representation invariant: sorted, non-empty, disjoint, non-adjacent ranges whose
// sizes add up to size().
void check_invariant(const TaskSet& set) {
  std::uint64_t size = 0;
  for (std::size_t i = 0; i < set.ranges().size(); ++i) {
    const TaskRange& r = set.ranges()[i];
    REQUIRE(r.begin < r.end);
    if (i > 0) REQUIRE(set.ranges()[i - 1].end < r.begin);
    size += r.size();
  }
  REQUIRE(set.size() == size);
  REQUIRE(set.empty() == (size == 0));
}

// The blocks cover `set` exactly, in increasing order, each at most `k` tasks.
void check_blocks(const TaskSet& set, std::uint64_t k) {
  const std::vector<TaskRange> blocks = set.blocks(k);
  TaskSet covered;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    REQUIRE(!blocks[i].empty());
    REQUIRE(blocks[i].size() <= k);
    if (i > 0) REQUIRE(blocks[i - 1].end <= blocks[i].begin);
    REQUIRE(set.overlap(blocks[i]).size() == blocks[i].size());  // inside the set
    covered.insert(blocks[i]);
    total += blocks[i].size();
  }
  REQUIRE(total == set.size());
  REQUIRE(covered == set);
}

// Sets an environment variable for the lifetime of the guard, restoring the old value
// (or its absence) afterwards.
class EnvGuard {
 public:
  explicit EnvGuard(std::string name) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  void set(const std::string& value) { ::setenv(name_.c_str(), value.c_str(), 1); }
  void unset() { ::unsetenv(name_.c_str()); }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

struct SlurmEnv {
  EnvGuard id{"SLURM_ARRAY_TASK_ID"};
  EnvGuard min{"SLURM_ARRAY_TASK_MIN"};
  EnvGuard max{"SLURM_ARRAY_TASK_MAX"};
  EnvGuard count{"SLURM_ARRAY_TASK_COUNT"};
  SlurmEnv() {
    id.unset();
    min.unset();
    max.unset();
    count.unset();
  }
};

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("cyberdeter-test-tasks-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

PartInfo info_of(std::string sweep_id, TaskSet tasks, std::uint64_t total,
                 std::string version = "1.0", std::string shard = "") {
  PartInfo info;
  info.sweep_id = std::move(sweep_id);
  info.sweep_hash = "0123456789abcdef0123456789abcdef01234567";
  info.program_version = std::move(version);
  info.total_tasks = total;
  info.shard = std::move(shard);
  info.tasks = std::move(tasks);
  return info;
}

const auto describe_default = [](const TaskSet& t) { return describe(t); };

}  // namespace

// ---------------------------------------------------------------------------------------
// TaskSet

TEST_CASE("TaskSet insert merges overlapping and adjacent ranges", "[tasks]") {
  TaskSet s;
  CHECK(s.empty());
  CHECK(s.size() == 0);

  s.insert({10, 20});
  s.insert({15, 25});  // overlapping
  CHECK(s.ranges() == std::vector<TaskRange>{{10, 25}});
  CHECK(s.size() == 15);

  s.insert({25, 30});  // adjacent after
  s.insert({5, 10});   // adjacent before
  CHECK(s.ranges() == std::vector<TaskRange>{{5, 30}});
  CHECK(s.size() == 25);

  s.insert({31, 40});  // a gap of one task stays a gap
  s.insert({0, 3});
  CHECK(s.ranges() == std::vector<TaskRange>{{0, 3}, {5, 30}, {31, 40}});
  CHECK(s.size() == 37);

  s.insert({12, 13});  // already present: nothing changes
  CHECK(s.ranges() == std::vector<TaskRange>{{0, 3}, {5, 30}, {31, 40}});
  CHECK(s.size() == 37);

  s.insert({7, 7});  // empty ranges are ignored
  s.insert({50, 45});
  CHECK(s.ranges() == std::vector<TaskRange>{{0, 3}, {5, 30}, {31, 40}});

  s.insert({2, 32});  // swallows the middle range and joins all three
  CHECK(s.ranges() == std::vector<TaskRange>{{0, 40}});
  CHECK(s.size() == 40);
  check_invariant(s);

  TaskSet other = set_of({{100, 110}, {40, 41}, {60, 70}});
  s.insert(other);
  CHECK(s.ranges() == std::vector<TaskRange>{{0, 41}, {60, 70}, {100, 110}});
  CHECK(s.size() == 61);
  CHECK(TaskSet::all(7).ranges() == std::vector<TaskRange>{{0, 7}});
  CHECK(TaskSet::all(0).empty());
}

TEST_CASE("TaskSet overlap minus and contains", "[tasks]") {
  const TaskSet s = set_of({{0, 5}, {10, 20}, {30, 31}});
  CHECK(s.overlap({3, 12}) == set_of({{3, 5}, {10, 12}}));
  CHECK(s.overlap({5, 10}).empty());
  CHECK(s.overlap({0, 100}) == s);
  CHECK(s.overlap({30, 31}) == set_of({{30, 31}}));
  CHECK(s.overlap({12, 12}).empty());

  CHECK(s.minus(set_of({{2, 3}, {15, 40}})) == set_of({{0, 2}, {3, 5}, {10, 15}}));
  CHECK(s.minus(TaskSet{}) == s);
  CHECK(s.minus(s).empty());
  CHECK(s.minus(TaskSet::all(1000)).empty());
  CHECK(TaskSet{}.minus(s).empty());
  CHECK(TaskSet::all(40).minus(s) == set_of({{5, 10}, {20, 30}, {31, 40}}));

  for (std::uint64_t t : {0u, 4u, 10u, 19u, 30u}) CHECK(s.contains(t));
  for (std::uint64_t t : {5u, 9u, 20u, 29u, 31u, 1000u}) CHECK_FALSE(s.contains(t));
  CHECK_FALSE(TaskSet{}.contains(0));
}

TEST_CASE("TaskSet blocks cover the set exactly in increasing order", "[tasks]") {
  const TaskSet s = set_of({{0, 5}, {10, 20}, {30, 31}, {100, 229}});
  for (std::uint64_t k : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    INFO("block " << k);
    check_blocks(s, k);
  }
  CHECK(s.blocks(4) == std::vector<TaskRange>{
                           {0, 4},     {4, 5},     {10, 14},   {14, 18},   {18, 20},   {30, 31},
                           {100, 104}, {104, 108}, {108, 112}, {112, 116}, {116, 120}, {120, 124},
                           {124, 128}, {128, 132}, {132, 136}, {136, 140}, {140, 144}, {144, 148},
                           {148, 152}, {152, 156}, {156, 160}, {160, 164}, {164, 168}, {168, 172},
                           {172, 176}, {176, 180}, {180, 184}, {184, 188}, {188, 192}, {192, 196},
                           {196, 200}, {200, 204}, {204, 208}, {208, 212}, {212, 216}, {216, 220},
                           {220, 224}, {224, 228}, {228, 229}});
  CHECK(TaskSet{}.blocks(3).empty());
  CHECK(TaskSet::all(6).blocks(3) == std::vector<TaskRange>{{0, 3}, {3, 6}});
}

TEST_CASE("TaskSet agrees with std::set under random inserts and removals", "[tasks]") {
  std::mt19937_64 rng(20240501);
  const std::uint64_t universe = 300;
  const auto random_range = [&](std::uint64_t max_length) {
    const std::uint64_t begin = rng() % universe;
    const std::uint64_t length = rng() % (max_length + 1);
    return TaskRange{begin, std::min(universe + 5, begin + length)};
  };
  for (int round = 0; round < 20; ++round) {
    TaskSet set;
    std::set<std::uint64_t> model;
    for (int step = 0; step < 150; ++step) {
      const auto op = rng() % 4;
      if (op <= 1) {
        const TaskRange r = random_range(op == 0 ? 4 : 40);
        set.insert(r);
        for (std::uint64_t t = r.begin; t < r.end; ++t) model.insert(t);
      } else if (op == 2) {
        TaskSet cut;
        const auto pieces = rng() % 4;
        for (std::uint64_t i = 0; i < pieces; ++i) cut.insert(random_range(30));
        const TaskSet before = set;
        set = set.minus(cut);
        for (std::uint64_t t : elements(cut)) model.erase(t);
        // minus() leaves its operand alone.
        REQUIRE(elements(before.minus(cut)) == elements(set));
      } else {
        TaskSet other;
        const auto pieces = rng() % 3;
        for (std::uint64_t i = 0; i < pieces; ++i) other.insert(random_range(20));
        set.insert(other);
        for (std::uint64_t t : elements(other)) model.insert(t);
      }
      INFO("round " << round << " step " << step << ": " << describe(set, 100));
      check_invariant(set);
      REQUIRE(elements(set) == model);
      REQUIRE(set.size() == model.size());

      const TaskRange probe = random_range(60);
      std::set<std::uint64_t> in_probe;
      for (std::uint64_t t = probe.begin; t < probe.end; ++t) {
        if (model.count(t) != 0) in_probe.insert(t);
      }
      const TaskSet overlap = set.overlap(probe);
      check_invariant(overlap);
      REQUIRE(elements(overlap) == in_probe);
      const std::uint64_t t = rng() % (universe + 10);
      REQUIRE(set.contains(t) == (model.count(t) != 0));
    }
    for (std::uint64_t t = 0; t < universe + 10; ++t) {
      REQUIRE(set.contains(t) == (model.count(t) != 0));
    }
    check_blocks(set, 1 + rng() % 17);
  }
}

TEST_CASE("describe lists ranges then says how many more", "[tasks]") {
  CHECK(describe(TaskSet{}).empty());
  CHECK(describe(set_of({{12, 16}, {40, 41}, {97, 100}})) == "12-15, 40, 97-99");
  CHECK(describe(set_of({{0, 1}})) == "0");
  CHECK(describe(set_of({{0, 2}})) == "0-1");
  CHECK(describe(set_of({{12, 16}, {40, 41}, {97, 100}}), 2) == "12-15, 40 and 1 more ranges");
  CHECK(describe(set_of({{12, 16}, {40, 41}, {97, 100}}), 3) == "12-15, 40, 97-99");

  TaskSet ten;
  for (std::uint64_t i = 0; i < 10; ++i) ten.insert({2 * i, 2 * i + 1});
  CHECK(describe(ten) == "0, 2, 4, 6, 8, 10, 12, 14 and 2 more ranges");
  CHECK(describe(ten, 10) == "0, 2, 4, 6, 8, 10, 12, 14, 16, 18");
}

// ---------------------------------------------------------------------------------------
// Shards

TEST_CASE("parse_shard reads I/N and rejects anything else", "[tasks]") {
  CHECK(parse_shard("3/8") == Shard{3, 8});
  CHECK(parse_shard("1/1") == Shard{1, 1});
  CHECK(parse_shard("8/8") == Shard{8, 8});
  CHECK(parse_shard("12/100") == Shard{12, 100});

  for (const char* bad : {"0/3", "4/3", "1/0", "abc", "3", "3/", "/3", "-1/3", "1/3x", "", "/",
                          "1/3/3", " 1/3", "1/ 3", "+1/3", "0/0"}) {
    INFO("shard '" << bad << "'");
    const std::string message = message_of<std::invalid_argument>([&] { parse_shard(bad); });
    CHECK_THAT(message, Catch::Contains("expected I/N"));
  }

  CHECK(to_string(Shard{3, 8}) == "3/8");
  for (const Shard s : {Shard{1, 1}, Shard{3, 8}, Shard{100, 100}, Shard{7, 12345}}) {
    CHECK(parse_shard(to_string(s)) == s);
  }
  CHECK(to_string(parse_shard("5/9")) == "5/9");
}

TEST_CASE("shard_tasks deals every task to exactly one shard in balanced shares", "[tasks]") {
  for (std::uint64_t total : {0u, 1u, 7u, 100u, 1000u, 12345u}) {
    for (std::uint64_t count : {1u, 2u, 3u, 7u, 16u, 100u}) {
      INFO("total " << total << ", count " << count);
      const std::uint64_t block =
          std::max<std::uint64_t>(1, (total + 16 * count - 1) / (16 * count));
      TaskSet all;
      std::uint64_t sum = 0;
      std::uint64_t smallest = total, largest = 0;
      for (std::uint64_t index = 1; index <= count; ++index) {
        const TaskSet share = shard_tasks(total, Shard{index, count});
        check_invariant(share);
        REQUIRE(share == shard_tasks(total, Shard{index, count}));  // deterministic
        REQUIRE(share.ranges().size() <= 17);
        // Disjoint from the shares before it.
        for (const TaskRange& r : share.ranges()) REQUIRE(all.overlap(r).empty());
        all.insert(share);
        sum += share.size();
        smallest = std::min(smallest, share.size());
        largest = std::max(largest, share.size());
      }
      REQUIRE(all == TaskSet::all(total));
      REQUIRE(sum == total);
      REQUIRE(largest - smallest <= block);
    }
  }
}

TEST_CASE("shard_tasks rejects a shard outside its count", "[tasks]") {
  CHECK_THROWS_AS(shard_tasks(10, Shard{0, 3}), std::invalid_argument);
  CHECK_THROWS_AS(shard_tasks(10, Shard{4, 3}), std::invalid_argument);
  CHECK_THROWS_AS(shard_tasks(10, Shard{1, 0}), std::invalid_argument);
}

TEST_CASE("shard_from_slurm_environment reads a consecutive job array", "[tasks]") {
  SlurmEnv env;
  CHECK_FALSE(shard_from_slurm_environment().has_value());

  env.id.set("5");
  env.min.set("3");
  env.max.set("6");
  env.count.set("4");
  const auto shard = shard_from_slurm_environment();
  REQUIRE(shard.has_value());
  CHECK(*shard == Shard{3, 4});

  env.id.set("1");
  env.min.set("1");
  env.max.set("1");
  env.count.set("1");
  CHECK(shard_from_slurm_environment() == Shard{1, 1});

  SECTION("an array with a step is refused") {
    env.id.set("1");
    env.min.set("1");
    env.max.set("9");
    env.count.set("3");
    CHECK_THAT(message_of<std::invalid_argument>([] { shard_from_slurm_environment(); }),
               Catch::Contains("not consecutive"));
  }
  SECTION("an id outside the array is refused") {
    env.id.set("7");
    env.min.set("3");
    env.max.set("6");
    env.count.set("4");
    CHECK_THROWS_AS(shard_from_slurm_environment(), std::invalid_argument);
  }
  SECTION("an id without the rest is refused") {
    env.id.set("5");
    env.min.unset();
    CHECK_THROWS_AS(shard_from_slurm_environment(), std::invalid_argument);
  }
  SECTION("a number that is not a number is refused") {
    env.id.set("five");
    CHECK_THROWS_AS(shard_from_slurm_environment(), std::invalid_argument);
  }
}

// ---------------------------------------------------------------------------------------
// SHA-1

TEST_CASE("sha1_hex matches the standard test vectors", "[tasks]") {
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(sha1_hex("The quick brown fox jumps over the lazy dog") ==
        "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  CHECK(sha1_hex(std::string(1'000'000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  const std::string with_nul("a\0b", 3);
  CHECK(sha1_hex(with_nul) != sha1_hex("ab"));
  CHECK(sha1_hex(with_nul).size() == 40);
}

// ---------------------------------------------------------------------------------------
// Part info in HDF5

TEST_CASE("part info round-trips through an HDF5 file", "[tasks][hdf5]") {
  TempDir dir;
  const auto round_trip = [&](const PartInfo& info, const std::string& name) {
    const std::string path = dir.file(name);
    {
      auto file = h5::File::create(path);
      write_part_info(file, info);
      file.commit();
    }
    const auto file = h5::File::open_read(path);
    const PartInfo back = read_part_info(file);
    CHECK(back.sweep_id == info.sweep_id);
    CHECK(back.sweep_hash == info.sweep_hash);
    CHECK(back.program_version == info.program_version);
    CHECK(back.total_tasks == info.total_tasks);
    CHECK(back.shard == info.shard);
    CHECK(back.tasks == info.tasks);
    CHECK(file.read_attribute<std::int64_t>("/sweep", "complete") == (info.complete() ? 1 : 0));
    CHECK(file.read_attribute<std::uint64_t>("/sweep", "tasks") == info.tasks.size());
  };

  SECTION("a part with holes") {
    round_trip(info_of("sweep-a", set_of({{0, 5}, {10, 20}, {99, 100}}), 100, "2.1.0", "2/3"),
               "part.h5");
  }
  SECTION("a complete file") {
    const PartInfo info = info_of("sweep-b", TaskSet::all(12345), 12345);
    CHECK(info.complete());
    round_trip(info, "whole.h5");
  }
  SECTION("a shard with no tasks") {
    const PartInfo info = info_of("sweep-c", shard_tasks(7, Shard{50, 100}), 7, "1.0", "50/100");
    CHECK(info.tasks.empty());
    CHECK_FALSE(info.complete());
    round_trip(info, "empty.h5");
  }
}

TEST_CASE("read_part_info refuses a file that is not a sweep output", "[tasks][hdf5]") {
  TempDir dir;
  const std::string plain = dir.file("plain.h5");
  {
    auto file = h5::File::create(plain);
    file.create_group("/other");
    file.commit();
  }
  CHECK_THROWS_AS(read_part_info(h5::File::open_read(plain)), h5::H5Error);

  const std::string half = dir.file("half.h5");
  {
    auto file = h5::File::create(half);
    file.create_group("/sweep");
    file.set_attribute("/sweep", "name", "no id");
    file.commit();
  }
  CHECK_THROWS_AS(read_part_info(h5::File::open_read(half)), h5::H5Error);
}

// ---------------------------------------------------------------------------------------
// check_parts

TEST_CASE("check_parts accepts parts that cover the sweep once", "[tasks][merge]") {
  const std::vector<MergeInput> parts{
      {"a.h5", info_of("s", set_of({{0, 10}, {20, 30}}), 40)},
      {"b.h5", info_of("s", set_of({{10, 20}}), 40)},
      {"c.h5", info_of("s", set_of({{30, 40}}), 40)},
  };
  CHECK_NOTHROW(check_parts(parts, TaskSet::all(40), describe_default));
  // A shard's parts cover the shard's share.
  const TaskSet share = shard_tasks(40, Shard{2, 3});
  CHECK_NOTHROW(
      check_parts({{"x.h5", info_of("s", share, 40, "1.0", "2/3")}}, share, describe_default));
}

TEST_CASE("check_parts refuses an empty list of parts", "[tasks][merge]") {
  CHECK_THROWS_AS(check_parts({}, TaskSet::all(3), describe_default), MergeError);
}

TEST_CASE("check_parts refuses parts of different sweeps naming both", "[tasks][merge]") {
  const std::vector<MergeInput> parts{
      {"one.h5", info_of("aaaaaaaaaaaaaaaa", TaskSet::all(10).minus(set_of({{5, 10}})), 10)},
      {"two.h5", info_of("bbbbbbbbbbbbbbbb", set_of({{5, 10}}), 10)},
  };
  const std::string message =
      message_of<MergeError>([&] { check_parts(parts, TaskSet::all(10), describe_default); });
  CHECK_THAT(message, Catch::Contains("2 different sweeps"));
  CHECK_THAT(message, Catch::Contains("aaaaaaaaaaaa"));
  CHECK_THAT(message, Catch::Contains("bbbbbbbbbbbb"));
  CHECK_THAT(message, Catch::Contains("one.h5"));
  CHECK_THAT(message, Catch::Contains("two.h5"));
}

TEST_CASE("check_parts refuses parts of different program versions", "[tasks][merge]") {
  const std::vector<MergeInput> parts{
      {"one.h5", info_of("s", set_of({{0, 5}}), 10, "1.2.0")},
      {"two.h5", info_of("s", set_of({{5, 10}}), 10, "1.3.0")},
  };
  const std::string message =
      message_of<MergeError>([&] { check_parts(parts, TaskSet::all(10), describe_default); });
  CHECK_THAT(message, Catch::Contains("1.2.0: one.h5"));
  CHECK_THAT(message, Catch::Contains("1.3.0: two.h5"));
}

TEST_CASE("check_parts names the parts that hold a task twice", "[tasks][merge]") {
  const std::vector<MergeInput> parts{
      {"A.h5", info_of("s", set_of({{0, 6}}), 10)},
      {"B.h5", info_of("s", set_of({{3, 10}}), 10)},
  };
  const std::string message =
      message_of<MergeError>([&] { check_parts(parts, TaskSet::all(10), describe_default); });
  CHECK_THAT(message, Catch::Contains("3 task(s) are in both A.h5 and B.h5: 3-5"));
  CHECK_THAT(message, Catch::Contains("3 task(s) duplicated in all"));

  // Three parts over one range: every pair is named.
  const std::vector<MergeInput> three{
      {"A.h5", info_of("s", set_of({{0, 10}}), 20)},
      {"B.h5", info_of("s", set_of({{5, 15}}), 20)},
      {"C.h5", info_of("s", set_of({{8, 20}}), 20)},
  };
  const std::string m3 =
      message_of<MergeError>([&] { check_parts(three, TaskSet::all(20), describe_default); });
  CHECK_THAT(m3, Catch::Contains("in both A.h5 and B.h5: 5-9"));
  CHECK_THAT(m3, Catch::Contains("in both A.h5 and C.h5: 8-9"));
  CHECK_THAT(m3, Catch::Contains("in both B.h5 and C.h5: 8-14"));
}

TEST_CASE("check_parts names the missing tasks and the absent shards", "[tasks][merge]") {
  const std::vector<MergeInput> parts{
      {"a.h5", info_of("s", set_of({{0, 4}}), 10)},
      {"b.h5", info_of("s", set_of({{6, 9}}), 10)},
  };
  const std::string message =
      message_of<MergeError>([&] { check_parts(parts, TaskSet::all(10), describe_default); });
  CHECK_THAT(message, Catch::Contains("3 of 10 tasks are in no part: 4-5, 9"));
  CHECK_THAT(message, !Catch::Contains("shard"));

  const std::uint64_t total = 300;
  const std::vector<MergeInput> shards{
      {"s1.h5", info_of("s", shard_tasks(total, Shard{1, 3}), total, "1.0", "1/3")},
      {"s3.h5", info_of("s", shard_tasks(total, Shard{3, 3}), total, "1.0", "3/3")},
  };
  const std::string m =
      message_of<MergeError>([&] { check_parts(shards, TaskSet::all(total), describe_default); });
  CHECK_THAT(m, Catch::Contains("tasks are in no part"));
  CHECK_THAT(m, Catch::Contains(std::to_string(shard_tasks(total, Shard{2, 3}).size()) + " of " +
                                std::to_string(total)));
  CHECK_THAT(m, Catch::Contains("(no part of shard 2/3)"));
}

TEST_CASE("check_parts refuses tasks outside the expected set", "[tasks][merge]") {
  const std::vector<MergeInput> parts{
      {"a.h5", info_of("s", set_of({{0, 12}}), 12)},
  };
  const std::string message =
      message_of<MergeError>([&] { check_parts(parts, TaskSet::all(10), describe_default); });
  CHECK_THAT(message, Catch::Contains("2 tasks are not part of this sweep: 10-11"));

  // A shard's merge refuses the tasks of another shard.
  const TaskSet share = shard_tasks(100, Shard{1, 2});
  const std::vector<MergeInput> wrong{{"b.h5", info_of("s", TaskSet::all(100), 100)}};
  CHECK_THAT(message_of<MergeError>([&] { check_parts(wrong, share, describe_default); }),
             Catch::Contains("not part of this sweep"));
}

TEST_CASE("check_parts describes tasks with the given function", "[tasks][merge]") {
  const std::vector<MergeInput> parts{{"a.h5", info_of("s", set_of({{0, 4}}), 10)}};
  const std::string message = message_of<MergeError>([&] {
    check_parts(parts, TaskSet::all(10),
                [](const TaskSet& t) { return "<" + std::to_string(t.size()) + " runs>"; });
  });
  CHECK_THAT(message, Catch::Contains("6 of 10 tasks are in no part: <6 runs>"));
}

// check_parts "Throws MergeError naming the files and tasks at fault", but a part whose
// `shard` attribute is not "I/N" makes the missing-shard note call std::stoull on the text
// after the slash (or on the whole text), which throws std::invalid_argument ("stoull").
TEST_CASE("check_parts reports missing tasks even with a malformed shard label", "[tasks][merge]") {
  const std::vector<MergeInput> parts{
      {"a.h5", info_of("s", set_of({{0, 4}}), 10, "1.0", "1/x")},
  };
  const std::string message =
      message_of<MergeError>([&] { check_parts(parts, TaskSet::all(10), describe_default); });
  CHECK_THAT(message, Catch::Contains("6 of 10 tasks are in no part"));
}
