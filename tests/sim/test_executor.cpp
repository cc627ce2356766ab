// Tests of the thread executor (executor.hpp), of merge_table (merge.hpp) and of the
// progress line (progress.hpp). The executor runs a fake sweep whose tasks produce
// deterministic rows, writes real HDF5 part files, and the parts are merged back and
// compared with the rows the tasks must produce, whatever the partition of the work.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/sim/executor.hpp"
#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/merge.hpp"
#include "cyberdeter/sim/progress.hpp"
#include "cyberdeter/sim/tasks.hpp"

namespace fs = std::filesystem;
namespace h5 = cyberdeter::sim::h5;
using namespace cyberdeter::sim;
using namespace std::chrono_literals;

namespace {

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("cyberdeter-test-executor-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_ / "parts");
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string parts() const { return (path_ / "parts").string(); }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------------------------------
// The fake sweep: task t produces 0, 1 or 2 rows {t, sub, splitmix(...)}.

struct Row {
  std::uint64_t task = 0;
  std::uint64_t sub = 0;
  std::uint64_t value = 0;
  friend bool operator==(const Row&, const Row&) = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << "{" << r.task << ", " << r.sub << ", " << r.value << "}";
}

const h5::TableSchema<Row>& row_schema() {
  static const h5::TableSchema<Row> schema =
      h5::TableSchema<Row>("test rows")
          .add("task", &Row::task, "1", "task")
          .add("sub", &Row::sub, "1", "row of the task")
          .add("value", &Row::value, "1", "a deterministic function of the task");
  return schema;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void append_rows_of(std::uint64_t task, std::vector<Row>& out) {
  const std::uint64_t count = task % 5 == 4 ? 0 : (task % 3 == 0 ? 2 : 1);
  for (std::uint64_t sub = 0; sub < count; ++sub) {
    out.push_back({task, sub, splitmix64(task * 4 + sub)});
  }
}

std::vector<Row> expected_rows(const TaskSet& tasks) {
  std::vector<Row> out;
  for (const TaskRange& r : tasks.ranges()) {
    for (std::uint64_t t = r.begin; t < r.end; ++t) append_rows_of(t, out);
  }
  return out;
}

const std::string sweep_id = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";
const std::string program_version = "test-1.0";

PartInfo part_info(std::uint64_t total, const TaskSet& tasks) {
  PartInfo info;
  info.sweep_id = sweep_id;
  info.sweep_hash = sha1_hex("sweep file");
  info.program_version = program_version;
  info.total_tasks = total;
  info.tasks = tasks;
  return info;
}

// Opens a gate once; waiters give up (and throw) after a few seconds so that a bug
// cannot hang the test.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 5s, [&] { return open_; })) {
      throw std::runtime_error("the gate was never opened");
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

// What the fake job does and what it saw.
struct Fake {
  std::uint64_t total = 0;
  // Runner behaviour.
  std::optional<std::uint64_t> throw_on_task;
  std::optional<std::uint64_t> gate_from;  // blocks starting here wait for the gate
  Gate gate;
  std::chrono::microseconds sleep_per_block{0};
  bool fail_make_runner = false;
  bool fail_open_part = false;
  // The part writer appends the rows of the block holding this task, then throws.
  std::optional<std::uint64_t> fail_write_at_task;
  // Observations.
  std::atomic<unsigned> runners{0};
  std::atomic<bool> runner_moved_thread{false};
  std::mutex threads_mutex;
  std::set<std::thread::id> runner_threads;
  std::thread::id caller = std::this_thread::get_id();
  bool writer_off_caller = false;      // a PartWriter call not on the calling thread
  bool blocks_out_of_order = false;    // a part got a block before an earlier one
  bool commit_not_as_written = false;  // commit(tasks) differs from the blocks written
  std::vector<std::string> opened;     // paths given to open_part
};

struct FakeBlock final : BlockOutput {
  TaskRange block;
  std::vector<Row> rows;
};

class FakeRunner final : public TaskRunner {
 public:
  explicit FakeRunner(Fake& fake) : fake_(fake), thread_(std::this_thread::get_id()) {
    ++fake_.runners;
    std::lock_guard lock(fake_.threads_mutex);
    fake_.runner_threads.insert(thread_);
  }
  std::unique_ptr<BlockOutput> run(TaskRange block) override {
    if (std::this_thread::get_id() != thread_) fake_.runner_moved_thread = true;
    if (fake_.gate_from && block.begin >= *fake_.gate_from) fake_.gate.wait();
    auto out = std::make_unique<FakeBlock>();
    out->block = block;
    for (std::uint64_t t = block.begin; t < block.end; ++t) {
      if (fake_.throw_on_task && t == *fake_.throw_on_task) {
        throw std::runtime_error("task " + std::to_string(t) + " failed");
      }
      append_rows_of(t, out->rows);
    }
    if (fake_.sleep_per_block > 0us) std::this_thread::sleep_for(fake_.sleep_per_block);
    return out;
  }

 private:
  Fake& fake_;
  std::thread::id thread_;
};

class FakePart final : public PartWriter {
 public:
  FakePart(Fake& fake, const std::string& path) : fake_(fake), file_(h5::File::create(path)) {
    table_.emplace(file_.create_table("/rows", row_schema(), h5::TableOptions{256, 0}));
  }
  void write(const BlockOutput& output) override {
    if (std::this_thread::get_id() != fake_.caller) fake_.writer_off_caller = true;
    const auto& block = dynamic_cast<const FakeBlock&>(output);
    if (!written_.empty() && block.block.begin < written_.ranges().back().end) {
      fake_.blocks_out_of_order = true;
    }
    table_->append(std::span<const Row>(block.rows));
    if (fake_.fail_write_at_task && block.block.begin <= *fake_.fail_write_at_task &&
        *fake_.fail_write_at_task < block.block.end) {
      throw std::runtime_error("disk full while writing");
    }
    written_.insert(block.block);
  }
  void commit(const TaskSet& tasks) override {
    if (std::this_thread::get_id() != fake_.caller) fake_.writer_off_caller = true;
    if (!(tasks == written_)) fake_.commit_not_as_written = true;
    write_part_info(file_, part_info(fake_.total, tasks));
    file_.commit();
  }

 private:
  Fake& fake_;
  h5::File file_;
  std::optional<h5::Table<Row>> table_;
  TaskSet written_;
};

SweepJob make_job(Fake& fake) {
  SweepJob job;
  job.make_runner = [&fake]() -> std::unique_ptr<TaskRunner> {
    if (fake.fail_make_runner) throw std::runtime_error("no runner today");
    return std::make_unique<FakeRunner>(fake);
  };
  job.open_part = [&fake](const std::string& path) -> std::unique_ptr<PartWriter> {
    if (std::this_thread::get_id() != fake.caller) fake.writer_off_caller = true;
    if (fake.fail_open_part) throw std::runtime_error("disk full");
    fake.opened.push_back(path);
    return std::make_unique<FakePart>(fake, path);
  };
  return job;
}

void check_fake(const Fake& fake) {
  CHECK_FALSE(fake.runner_moved_thread);
  CHECK_FALSE(fake.writer_off_caller);
  CHECK_FALSE(fake.blocks_out_of_order);
  CHECK_FALSE(fake.commit_not_as_written);
}

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// ---------------------------------------------------------------------------------------
// Reading parts back

std::vector<std::string> files_in(const std::string& dir, bool partial) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if ((name.find(".partial") != std::string::npos) == partial) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Checks every part: its rows are those of the tasks it lists, in task order (so only
// complete tasks). Returns the union of their tasks, which must be disjoint.
TaskSet check_parts_content(const std::vector<std::string>& paths, std::uint64_t total) {
  TaskSet all;
  for (const auto& path : paths) {
    INFO("part " << path);
    const auto file = h5::File::open_read(path);
    const PartInfo info = read_part_info(file);
    CHECK(info.sweep_id == sweep_id);
    CHECK(info.program_version == program_version);
    CHECK(info.total_tasks == total);
    REQUIRE_FALSE(info.tasks.empty());
    // Named after its first task.
    char name[64];
    std::snprintf(name, sizeof name, "part-%012llu.h5",
                  static_cast<unsigned long long>(info.tasks.ranges().front().begin));
    CHECK(fs::path(path).filename().string() == name);
    const auto rows = h5::read_table(file, "/rows", row_schema());
    for (std::size_t i = 1; i < rows.size(); ++i) REQUIRE(rows[i - 1].task <= rows[i].task);
    REQUIRE(rows == expected_rows(info.tasks));
    for (const TaskRange& r : info.tasks.ranges()) REQUIRE(all.overlap(r).empty());
    all.insert(info.tasks);
  }
  return all;
}

// Merges `paths` (which must cover `expected`) into `out` and reads the merged rows.
std::vector<Row> merge_parts(const std::vector<std::string>& paths, const TaskSet& expected,
                             const std::string& out) {
  std::vector<h5::File> files;
  std::vector<MergeInput> inputs;
  files.reserve(paths.size());
  for (const auto& path : paths) {
    files.push_back(h5::File::open_read(path));
    inputs.push_back({path, read_part_info(files.back())});
  }
  std::vector<const h5::File*> pointers;
  for (const auto& f : files) pointers.push_back(&f);
  check_parts(inputs, expected, [](const TaskSet& t) { return describe(t); });
  {
    auto merged = h5::File::create(out);
    auto table = merged.create_table("/rows", row_schema(), h5::TableOptions{1024, 0});
    merge_table(pointers, inputs, "/rows", row_schema(), table,
                [](const Row& r) { return r.task; });
    merged.commit();
  }
  return h5::read_table(h5::File::open_read(out), "/rows", row_schema());
}

TaskSet holes(std::uint64_t total) {
  TaskSet cut;
  cut.insert({0, 3});
  cut.insert({10, 20});
  cut.insert({100, 101});
  cut.insert({total / 2, total / 2 + 37});
  cut.insert({total - 1, total});
  return TaskSet::all(total).minus(cut);
}

TaskSet sparse(std::uint64_t total) {
  TaskSet s;
  for (std::uint64_t t = 5; t < total; t += 13) s.insert({t, std::min(total, t + 1 + t % 4)});
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// The executor

TEST_CASE("default_block_size aims at 32 blocks per worker within 1 to 128", "[executor]") {
  CHECK(default_block_size(0, 4) == 1);
  CHECK(default_block_size(10, 1) == 1);
  CHECK(default_block_size(3200, 4) == 25);
  CHECK(default_block_size(1'000'000, 1) == 128);
  CHECK(default_block_size(1000, 0) == 31);
}

TEST_CASE("execute_threads gives the same merged rows whatever the threads and blocks",
          "[executor][hdf5]") {
  const std::uint64_t total = 500;
  const std::vector<std::pair<const char*, TaskSet>> pendings{
      {"all", TaskSet::all(total)}, {"holes", holes(total)}, {"sparse", sparse(total)}};
  for (const auto& [name, pending] : pendings) {
    const std::vector<Row> expected = expected_rows(pending);
    for (unsigned threads : {1u, 2u, 4u, 8u}) {
      for (std::uint64_t block : {1u, 3u, 64u, 0u}) {
        // Every combination on the set with holes; a diagonal on the others.
        const bool diagonal = (threads == 1 && block == 1) || (threads == 2 && block == 3) ||
                              (threads == 4 && block == 64) || (threads == 8 && block == 0) ||
                              (threads == 8 && block == 1);
        if (std::string(name) != "holes" && !diagonal) continue;
        INFO("pending " << name << ", threads " << threads << ", block " << block);
        TempDir dir;
        Fake fake;
        fake.total = total;
        ExecuteOptions options;
        options.pending = pending;
        options.threads = threads;
        options.block = block;
        options.parts_dir = dir.parts();
        const ExecuteResult result = execute_threads(make_job(fake), options);
        check_fake(fake);
        CHECK(fake.runners == threads);
        CHECK(fake.runner_threads.size() == threads);
        CHECK(fake.runner_threads.count(fake.caller) == 0);
        CHECK(result.tasks == pending.size());
        CHECK(files_in(dir.parts(), true).empty());
        const auto parts = files_in(dir.parts(), false);
        auto reported = result.parts;
        std::sort(reported.begin(), reported.end());
        CHECK(reported == parts);
        CHECK(check_parts_content(parts, total) == pending);
        CHECK(merge_parts(parts, pending, dir.file("merged.h5")) == expected);
      }
    }
  }
}

TEST_CASE("execute_threads merges identically with many rows per part", "[executor][hdf5]") {
  // More rows than merge_table buffers per part, so that it refills its buffers.
  const std::uint64_t total = 12000;
  TempDir dir;
  Fake fake;
  fake.total = total;
  ExecuteOptions options;
  options.pending = holes(total);
  options.threads = 4;
  options.block = 64;
  options.parts_dir = dir.parts();
  const ExecuteResult result = execute_threads(make_job(fake), options);
  check_fake(fake);
  REQUIRE(result.parts.size() == 1);
  CHECK(check_parts_content(result.parts, total) == options.pending);
  CHECK(merge_parts(result.parts, options.pending, dir.file("merged.h5")) ==
        expected_rows(options.pending));
}

TEST_CASE("execute_threads commits a part at every checkpoint", "[executor][hdf5]") {
  const std::uint64_t total = 600;
  for (unsigned threads : {1u, 3u}) {
    INFO("threads " << threads);
    TempDir dir;
    Fake fake;
    fake.total = total;
    fake.sleep_per_block = 300us;
    ExecuteOptions options;
    options.pending = holes(total);
    options.threads = threads;
    options.block = 8;
    options.parts_dir = dir.parts();
    options.checkpoint = 1ms;
    const ExecuteResult result = execute_threads(make_job(fake), options);
    check_fake(fake);
    CHECK(result.parts.size() >= 2);
    CHECK(fake.opened.size() == result.parts.size());
    CHECK(files_in(dir.parts(), true).empty());
    const auto parts = files_in(dir.parts(), false);
    CHECK(parts.size() == result.parts.size());
    CHECK(check_parts_content(parts, total) == options.pending);
    CHECK(merge_parts(parts, options.pending, dir.file("merged.h5")) ==
          expected_rows(options.pending));
  }
}

TEST_CASE("execute_threads reports progress up to the pending count", "[executor]") {
  const std::uint64_t total = 400;
  for (unsigned threads : {1u, 4u}) {
    INFO("threads " << threads);
    TempDir dir;
    Fake fake;
    fake.total = total;
    ExecuteOptions options;
    options.pending = holes(total);
    options.threads = threads;
    options.block = 3;
    options.parts_dir = dir.parts();
    std::vector<std::uint64_t> calls;
    bool off_caller = false;
    options.on_progress = [&](std::uint64_t n) {
      if (std::this_thread::get_id() != fake.caller) off_caller = true;
      calls.push_back(n);
    };
    std::size_t checks = 0;
    options.check_interrupted = [&] {
      if (std::this_thread::get_id() != fake.caller) off_caller = true;
      ++checks;
    };
    execute_threads(make_job(fake), options);
    CHECK_FALSE(off_caller);
    CHECK(checks > 0);
    REQUIRE_FALSE(calls.empty());
    CHECK(std::is_sorted(calls.begin(), calls.end()));
    CHECK(calls.front() > 0);
    CHECK(calls.back() == options.pending.size());
  }
}

TEST_CASE("execute_threads with nothing to do writes nothing", "[executor]") {
  TempDir dir;
  Fake fake;
  fake.total = 10;
  ExecuteOptions options;
  options.threads = 3;
  options.parts_dir = dir.parts();
  std::vector<std::uint64_t> calls;
  options.on_progress = [&](std::uint64_t n) { calls.push_back(n); };
  const ExecuteResult result = execute_threads(make_job(fake), options);
  CHECK(result.tasks == 0);
  CHECK(result.parts.empty());
  CHECK(fs::is_empty(dir.parts()));
  for (std::uint64_t n : calls) CHECK(n == 0);
}

TEST_CASE("an interrupted execution keeps complete tasks and resumes to the same rows",
          "[executor][hdf5]") {
  const std::uint64_t total = 400;
  const std::uint64_t block = 7;
  const std::uint64_t gate_from = 200;
  const TaskSet pending = TaskSet::all(total).minus(TaskSet::all(60).minus(TaskSet::all(50)));
  REQUIRE(pending.size() == 390);

  // Interrupt once `trigger` tasks are written (or at the trigger-th check when
  // `by_calls`); blocks from `gate_from` on wait until then, so the run cannot finish first.
  const auto interrupted_then_resumed = [&](unsigned threads, std::uint64_t trigger,
                                            bool by_calls) {
    INFO("threads " << threads << ", trigger " << trigger << (by_calls ? " calls" : " tasks"));
    TempDir dir;
    Fake fake;
    fake.total = total;
    fake.gate_from = gate_from;
    ExecuteOptions options;
    options.pending = pending;
    options.threads = threads;
    options.block = block;
    options.parts_dir = dir.parts();
    std::uint64_t progress = 0;
    std::uint64_t calls = 0;
    options.on_progress = [&](std::uint64_t n) {
      CHECK(n >= progress);
      progress = n;
    };
    options.check_interrupted = [&] {
      ++calls;
      if ((by_calls && calls >= trigger) || (!by_calls && progress >= trigger)) {
        fake.gate.open();
        throw Interrupted();
      }
    };
    CHECK_THROWS_AS(execute_threads(make_job(fake), options), Interrupted);
    fake.gate.open();
    check_fake(fake);
    CHECK(files_in(dir.parts(), true).empty());

    const auto first_parts = files_in(dir.parts(), false);
    const TaskSet done = check_parts_content(first_parts, total);
    // Everything written before the interruption was committed, nothing else.
    CHECK(done.size() == progress);
    if (!by_calls) CHECK(done.size() >= trigger);
    CHECK(done.minus(pending).empty());
    for (const TaskRange& b : pending.blocks(block)) {
      if (b.begin >= gate_from) CHECK(done.overlap(b).empty());
      // Whole blocks only.
      const auto in_done = done.overlap(b).size();
      CHECK((in_done == 0 || in_done == b.size()));
    }

    // Resume: run what is left into the same directory, then merge everything.
    Fake again;
    again.total = total;
    ExecuteOptions rest;
    rest.pending = pending.minus(done);
    rest.threads = threads;
    rest.block = block;
    rest.parts_dir = dir.parts();
    const ExecuteResult result = execute_threads(make_job(again), rest);
    check_fake(again);
    CHECK(result.tasks == pending.size() - done.size());
    const auto parts = files_in(dir.parts(), false);
    CHECK(parts.size() == first_parts.size() + result.parts.size());
    CHECK(check_parts_content(parts, total) == pending);
    CHECK(merge_parts(parts, pending, dir.file("merged.h5")) == expected_rows(pending));
  };

  for (unsigned threads : {1u, 2u, 4u}) {
    interrupted_then_resumed(threads, 60, false);
    interrupted_then_resumed(threads, 150, false);
  }
  interrupted_then_resumed(2, 1, true);
  interrupted_then_resumed(3, 2, true);
}

TEST_CASE("a failing task stops the execution with its error and keeps what was written",
          "[executor][hdf5]") {
  const std::uint64_t total = 300;
  const std::uint64_t bad = 123;
  for (unsigned threads : {1u, 4u}) {
    INFO("threads " << threads);
    TempDir dir;
    Fake fake;
    fake.total = total;
    fake.throw_on_task = bad;
    ExecuteOptions options;
    options.pending = TaskSet::all(total);
    options.threads = threads;
    options.block = 5;
    options.parts_dir = dir.parts();
    std::uint64_t progress = 0;
    options.on_progress = [&](std::uint64_t n) { progress = n; };
    CHECK_THROWS_WITH(execute_threads(make_job(fake), options), "task 123 failed");
    check_fake(fake);
    CHECK(files_in(dir.parts(), true).empty());
    const auto first_parts = files_in(dir.parts(), false);
    const TaskSet done = check_parts_content(first_parts, total);
    CHECK_FALSE(done.contains(bad));
    CHECK(done.size() == progress);

    Fake again;
    again.total = total;
    ExecuteOptions rest = options;
    rest.pending = options.pending.minus(done);
    rest.on_progress = nullptr;
    execute_threads(make_job(again), rest);
    const auto parts = files_in(dir.parts(), false);
    CHECK(merge_parts(parts, options.pending, dir.file("merged.h5")) ==
          expected_rows(options.pending));
  }
}

TEST_CASE("execute_threads reports a job that cannot start", "[executor]") {
  TempDir dir;
  Fake fake;
  fake.total = 100;
  ExecuteOptions options;
  options.pending = TaskSet::all(100);
  options.threads = 4;
  options.block = 4;
  options.parts_dir = dir.parts();
  SECTION("no runner") {
    fake.fail_make_runner = true;
    CHECK_THROWS_WITH(execute_threads(make_job(fake), options), "no runner today");
  }
  SECTION("no part file") {
    fake.fail_open_part = true;
    CHECK_THROWS_WITH(execute_threads(make_job(fake), options), "disk full");
  }
  CHECK(fs::is_empty(dir.parts()));
}

// executor.hpp: after an exception the tasks written so far are committed, because "what is
// written is correct and complete per task". That holds only if PartWriter::write() is all
// or nothing: when it fails half-way through a block (here: after appending the block's
// rows, as a table flush or the second table of a real part can), the part is still
// committed, listing the tasks before that block but holding that block's rows too. A
// resume then cannot merge (merge_table: "rows of tasks it does not list").
TEST_CASE("a part whose write failed is not committed with rows it does not list",
          "[executor][hdf5]") {
  const std::uint64_t total = 100;
  TempDir dir;
  Fake fake;
  fake.total = total;
  fake.fail_write_at_task = 42;
  ExecuteOptions options;
  options.pending = TaskSet::all(total);
  options.threads = 2;
  options.block = 5;
  options.parts_dir = dir.parts();
  CHECK_THROWS_WITH(execute_threads(make_job(fake), options), "disk full while writing");
  const auto parts = files_in(dir.parts(), false);
  for (const auto& path : parts) {
    const auto file = h5::File::open_read(path);
    const PartInfo info = read_part_info(file);
    INFO("part " << path << " lists tasks " << describe(info.tasks));
    const auto rows = h5::read_table(file, "/rows", row_schema());
    const auto unlisted = std::count_if(rows.begin(), rows.end(),
                                        [&](const Row& r) { return !info.tasks.contains(r.task); });
    CHECK(unlisted == 0);
    CHECK(rows.size() == expected_rows(info.tasks).size());
  }
}

// ---------------------------------------------------------------------------------------
// merge_table on hand-made parts

namespace {

// A part listing `tasks` whose /rows table holds `rows` as given.
void write_part(const std::string& path, const TaskSet& tasks, const std::vector<Row>& rows,
                std::uint64_t total) {
  auto file = h5::File::create(path);
  {
    auto table = file.create_table("/rows", row_schema(), h5::TableOptions{64, 0});
    table.append(std::span<const Row>(rows));
  }
  write_part_info(file, part_info(total, tasks));
  file.commit();
}

std::vector<Row> rows_for_tasks(std::initializer_list<std::uint64_t> tasks) {
  std::vector<Row> out;
  for (std::uint64_t t : tasks) out.push_back({t, 0, splitmix64(t * 4)});
  return out;
}

TaskSet set_of(std::initializer_list<TaskRange> ranges) {
  TaskSet set;
  for (const TaskRange& r : ranges) set.insert(r);
  return set;
}

std::string merge_error(const TempDir& dir, const std::vector<std::string>& paths,
                        const TaskSet& expected) {
  try {
    merge_parts(paths, expected, dir.file("merged.h5"));
  } catch (const MergeError& e) {
    return e.what();
  }
  FAIL("no MergeError");
  return {};
}

}  // namespace

TEST_CASE("merge_table interleaves parts by their task ranges", "[merge][hdf5]") {
  TempDir dir;
  const TaskSet a = set_of({{0, 10}, {20, 30}, {55, 60}});
  const TaskSet b = set_of({{10, 20}, {30, 55}});
  write_part(dir.file("a.h5"), a, expected_rows(a), 60);
  write_part(dir.file("b.h5"), b, expected_rows(b), 60);
  CHECK(merge_parts({dir.file("a.h5"), dir.file("b.h5")}, TaskSet::all(60),
                    dir.file("merged.h5")) == expected_rows(TaskSet::all(60)));
  // Order of the inputs does not matter.
  CHECK(merge_parts({dir.file("b.h5"), dir.file("a.h5")}, TaskSet::all(60),
                    dir.file("merged2.h5")) == expected_rows(TaskSet::all(60)));
}

TEST_CASE("merge_table refuses a part whose rows go back to an earlier range", "[merge][hdf5]") {
  TempDir dir;
  const TaskSet tasks = set_of({{0, 3}, {5, 8}});
  write_part(dir.file("a.h5"), tasks, rows_for_tasks({0, 1, 2, 5, 6, 1, 7}), 10);
  write_part(dir.file("b.h5"), set_of({{3, 5}, {8, 10}}), rows_for_tasks({3, 4, 8, 9}), 10);
  const std::string message =
      merge_error(dir, {dir.file("a.h5"), dir.file("b.h5")}, TaskSet::all(10));
  CHECK_THAT(message, Catch::Contains("a.h5"));
  CHECK_THAT(message, Catch::Contains("out of order"));
}

TEST_CASE("merge_table refuses a part with rows of tasks it does not list", "[merge][hdf5]") {
  TempDir dir;
  SECTION("after its last range") {
    write_part(dir.file("a.h5"), set_of({{0, 3}}), rows_for_tasks({0, 1, 2, 3, 4}), 5);
    write_part(dir.file("b.h5"), set_of({{3, 5}}), rows_for_tasks({3, 4}), 5);
    const std::string message =
        merge_error(dir, {dir.file("a.h5"), dir.file("b.h5")}, TaskSet::all(5));
    CHECK_THAT(message, Catch::Contains("a.h5"));
    CHECK_THAT(message, Catch::Contains("2 rows of tasks it does not list"));
  }
  SECTION("in a gap between its ranges") {
    write_part(dir.file("a.h5"), set_of({{0, 2}, {4, 6}}), rows_for_tasks({0, 1, 3, 4, 5}), 6);
    write_part(dir.file("b.h5"), set_of({{2, 4}}), rows_for_tasks({2, 3}), 6);
    const std::string message =
        merge_error(dir, {dir.file("a.h5"), dir.file("b.h5")}, TaskSet::all(6));
    CHECK_THAT(message, Catch::Contains("a.h5"));
    CHECK_THAT(message, Catch::Contains("not among the tasks the part lists"));
  }
  SECTION("before its first range") {
    write_part(dir.file("a.h5"), set_of({{0, 2}}), rows_for_tasks({0, 1}), 6);
    write_part(dir.file("b.h5"), set_of({{2, 6}}), rows_for_tasks({1, 2, 3, 4, 5}), 6);
    const std::string message =
        merge_error(dir, {dir.file("a.h5"), dir.file("b.h5")}, TaskSet::all(6));
    CHECK_THAT(message, Catch::Contains("b.h5"));
  }
}

// merge.hpp promises a MergeError when "a part's rows are not in task order"; rows out of
// order inside one of the part's ranges are copied as they are instead.
TEST_CASE("merge_table refuses rows out of order inside one range", "[merge][hdf5]") {
  TempDir dir;
  write_part(dir.file("a.h5"), set_of({{0, 6}}), rows_for_tasks({0, 1, 3, 2, 4, 5}), 6);
  std::vector<Row> merged;
  try {
    merged = merge_parts({dir.file("a.h5")}, TaskSet::all(6), dir.file("m.h5"));
  } catch (const MergeError& e) {
    SUCCEED(e.what());
    return;
  }
  // What it produces instead: the rows in the part's order, not in task order.
  CAPTURE(merged);
  FAIL("rows out of task order were merged without a MergeError");
}

// A part that lists its tasks but lost some of their rows (or holds a row twice) must not
// merge short: with a known number of rows per task, every task's count is checked.
TEST_CASE("merge_table refuses a part whose tasks lack rows or hold extra ones", "[merge][hdf5]") {
  TempDir dir;
  const auto one = [](std::uint64_t) { return std::optional<std::uint64_t>(1); };
  const auto merge_counted = [&](const std::vector<std::string>& paths) -> std::string {
    std::vector<h5::File> files;
    std::vector<MergeInput> inputs;
    for (const auto& path : paths) {
      files.push_back(h5::File::open_read(path));
      inputs.push_back({path, read_part_info(files.back())});
    }
    std::vector<const h5::File*> pointers;
    for (const auto& f : files) pointers.push_back(&f);
    check_parts(inputs, TaskSet::all(10), [](const TaskSet& t) { return describe(t); });
    auto merged = h5::File::create(dir.file("merged.h5"));
    auto table = merged.create_table("/rows", row_schema(), h5::TableOptions{64, 0});
    try {
      merge_table(
          pointers, inputs, "/rows", row_schema(), table, [](const Row& r) { return r.task; }, one);
    } catch (const MergeError& e) {
      return e.what();
    }
    return "";
  };
  write_part(dir.file("b.h5"), set_of({{5, 10}}), rows_for_tasks({5, 6, 7, 8, 9}), 10);
  SECTION("complete parts merge") {
    write_part(dir.file("a.h5"), set_of({{0, 5}}), rows_for_tasks({0, 1, 2, 3, 4}), 10);
    CHECK(merge_counted({dir.file("a.h5"), dir.file("b.h5")}).empty());
  }
  SECTION("rows deleted in the middle and at the end of a range") {
    write_part(dir.file("a.h5"), set_of({{0, 5}}), rows_for_tasks({0, 2, 3}), 10);
    const std::string message = merge_counted({dir.file("a.h5"), dir.file("b.h5")});
    CHECK_THAT(message, Catch::Contains("a.h5"));
    CHECK_THAT(message, Catch::Contains("2 of the 5 tasks"));
    CHECK_THAT(message, Catch::Contains("1, 4"));
  }
  SECTION("the first rows deleted") {
    write_part(dir.file("a.h5"), set_of({{0, 5}}), rows_for_tasks({3, 4}), 10);
    const std::string message = merge_counted({dir.file("a.h5"), dir.file("b.h5")});
    CHECK_THAT(message, Catch::Contains("3 of the 5 tasks"));
    CHECK_THAT(message, Catch::Contains("0-2"));
  }
  SECTION("a row duplicated") {
    write_part(dir.file("a.h5"), set_of({{0, 5}}), rows_for_tasks({0, 1, 1, 2, 3, 4}), 10);
    const std::string message = merge_counted({dir.file("a.h5"), dir.file("b.h5")});
    CHECK_THAT(message, Catch::Contains("1 of the 5 tasks"));
  }
  SECTION("a range with no row at all") {
    write_part(dir.file("a.h5"), set_of({{0, 5}}), {}, 10);
    CHECK_THAT(merge_counted({dir.file("a.h5"), dir.file("b.h5")}),
               Catch::Contains("5 of the 5 tasks"));
  }
}

// ---------------------------------------------------------------------------------------
// Progress

namespace {

// Everything written to `file` so far.
std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string out;
  char buffer[256];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) out.append(buffer, n);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    if (end == std::string::npos) {
      out.push_back(text.substr(at));
      break;
    }
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

struct TmpFile {
  std::FILE* file = std::tmpfile();
  TmpFile() { REQUIRE(file != nullptr); }
  TmpFile(const TmpFile&) = delete;
  TmpFile& operator=(const TmpFile&) = delete;
  ~TmpFile() { std::fclose(file); }
};

}  // namespace

TEST_CASE("thousands separates groups of three digits", "[progress]") {
  CHECK(thousands(0) == "0");
  CHECK(thousands(7) == "7");
  CHECK(thousands(999) == "999");
  CHECK(thousands(1000) == "1,000");
  CHECK(thousands(12345) == "12,345");
  CHECK(thousands(100000) == "100,000");
  CHECK(thousands(1234567) == "1,234,567");
  CHECK(thousands(18446744073709551615ULL) == "18,446,744,073,709,551,615");
}

TEST_CASE("the progress line shows done total rate and ETA", "[progress]") {
  Progress progress("sweep", 10000, ProgressMode::quiet);
  progress.update(0);
  std::this_thread::sleep_for(5ms);
  progress.update(1234);
  const std::string line = progress.line();
  CHECK_THAT(line, Catch::StartsWith("sweep: 1,234/10,000 runs (12.3 %)"));
  CHECK_THAT(line, Catch::Contains(" runs/s"));
  CHECK_THAT(line, Catch::Contains(", ETA "));
  CHECK_THAT(line, !Catch::Contains("ETA ?"));

  progress.update(10000);
  const std::string done = progress.line();
  CHECK_THAT(done, Catch::StartsWith("sweep: 10,000/10,000 runs (100.0 %)"));
  CHECK_THAT(done, !Catch::Contains("ETA"));
  CHECK_THAT(done, Catch::EndsWith(" s"));

  // done never goes back.
  progress.update(5);
  CHECK_THAT(progress.line(), Catch::StartsWith("sweep: 10,000/10,000"));
}

TEST_CASE("the progress rate leaves out work done before the first update", "[progress]") {
  Progress progress("sweep", 2000, ProgressMode::quiet);
  progress.update(1500);  // resumed: 1,500 runs were done before
  const std::string line = progress.line();
  CHECK_THAT(line, Catch::StartsWith("sweep: 1,500/2,000 runs (75.0 %)"));
  CHECK_THAT(line, Catch::Contains(", 0 runs/s"));
  CHECK_THAT(line, Catch::Contains("ETA ?"));

  Progress empty("merge", 0, ProgressMode::quiet);
  CHECK_THAT(empty.line(), Catch::StartsWith("merge: 0/0 runs, "));
}

TEST_CASE("progress in a log prints plain lines and quiet prints nothing", "[progress]") {
  SECTION("log") {
    TmpFile out;
    {
      Progress progress("sweep", 10, ProgressMode::log, std::chrono::seconds(0), out.file);
      progress.update(1);
      progress.update(4);
      progress.update(10);
      progress.finish();
    }
    const std::string text = contents(out.file);
    CHECK(text.find('\r') == std::string::npos);
    CHECK(text.find('\033') == std::string::npos);
    const auto lines = lines_of(text);
    REQUIRE(lines.size() >= 3);
    CHECK_THAT(lines[0], Catch::StartsWith("sweep: 1/10 runs"));
    CHECK_THAT(lines[1], Catch::StartsWith("sweep: 4/10 runs"));
    CHECK_THAT(lines[2], Catch::StartsWith("sweep: 10/10 runs (100.0 %)"));
    CHECK_THAT(text, Catch::EndsWith("\n"));
  }
  SECTION("a short log run prints nothing") {
    TmpFile out;
    {
      Progress progress("sweep", 10, ProgressMode::log, std::chrono::seconds(3600), out.file);
      progress.update(1);
      progress.update(10);
      progress.finish();
    }
    CHECK(contents(out.file).empty());
  }
  SECTION("quiet") {
    TmpFile out;
    {
      Progress progress("sweep", 10, ProgressMode::quiet, std::chrono::seconds(0), out.file);
      progress.update(1);
      progress.update(10);
      progress.finish();
    }
    CHECK(contents(out.file).empty());
  }
}

// progress.hpp: finish() "Prints the final state (terminal: ends the line; log: one last
// line)", and progress.cpp says only a log that printed nothing yet stays clean. A log that
// did print gets no last line from finish().
TEST_CASE("finish prints one last line in a log that printed before", "[progress]") {
  TmpFile out;
  {
    Progress progress("sweep", 10, ProgressMode::log, std::chrono::seconds(0), out.file);
    progress.update(4);
    REQUIRE(lines_of(contents(out.file)).size() == 1);
    std::fseek(out.file, 0, SEEK_END);
    progress.finish();
  }
  const auto lines = lines_of(contents(out.file));
  CHECK(lines.size() == 2);
}
