#pragma once
// Merging the parts of a sweep: checking that they belong to one sweep and cover each of
// its tasks exactly once, then streaming each table's rows into one file in task order.
//
// Every part holds its rows in increasing task order (executor.hpp) and lists its tasks
// (tasks.hpp, PartInfo). The merge walks the union of the parts' task ranges in order and
// copies, from the part that holds each range, the rows whose task falls in it, reading a
// bounded buffer per part: memory does not grow with the number of rows.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/tasks.hpp"

namespace cyberdeter::sim {

/// Parts that do not fit together; the message lists every problem found.
class MergeError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One input of a merge.
struct MergeInput {
  std::string path;
  PartInfo info;
};

/// Checks that `parts` are parts of one sweep, made by one program version, and cover
/// `expected` exactly: no task twice, none missing, none outside. Throws MergeError naming
/// the files and tasks at fault; `describe_tasks` turns a task set into words for the
/// messages (e.g. design points and replications).
void check_parts(const std::vector<MergeInput>& parts, const TaskSet& expected,
                 const std::function<std::string(const TaskSet&)>& describe_tasks);

/// Raises the soft limit on open files to the hard limit (a merge opens every part).
void raise_open_file_limit() noexcept;

/// How many rows a table holds per task, when a merge can know it: /runs holds one, a
/// time series one per reporting period. The default knows nothing (any count is fine).
struct AnyRowCount {
  std::optional<std::uint64_t> operator()(std::uint64_t /*task*/) const noexcept {
    return std::nullopt;
  }
};

/// Copies the rows of table `path` from `inputs` (opened files, aligned with `parts`) into
/// `out` in task order; `task_of(row)` is the task a row belongs to. Throws MergeError if
/// a part's rows are not in task order or do not match the tasks it lists, or if a task
/// has another number of rows than `rows_of(task)` says it must (a part with rows deleted
/// or duplicated); `describe_tasks` words the tasks at fault. A table that cannot be read
/// (a damaged part) is a MergeError naming the part and the table.
template <h5::TableRow T, class TaskOf, class RowsOf = AnyRowCount>
void merge_table(const std::vector<const h5::File*>& inputs, const std::vector<MergeInput>& parts,
                 std::string_view path, const h5::TableSchema<T>& schema, h5::Table<T>& out,
                 TaskOf task_of, RowsOf rows_of = {},
                 const std::function<std::string(const TaskSet&)>& describe_tasks = {}) {
  struct Cursor {
    std::uint64_t rows = 0;          // rows in the part's table
    std::uint64_t next = 0;          // next row to copy
    std::uint64_t buffer_first = 0;  // row number of buffer[0]
    std::uint64_t last_task = 0;     // task of the last row copied
    bool copied = false;
    std::vector<T> buffer;
    TaskSet miscounted;  // tasks whose number of rows is not the one they must have
  };
  std::vector<Cursor> cursors(inputs.size());
  struct Piece {
    TaskRange range;
    std::size_t part;
  };
  const auto fail = [&](std::size_t part, const std::string& what) {
    throw MergeError(parts[part].path + ": table " + std::string(path) + ": " + what);
  };
  // A part that cannot be read is bad input, like one that does not fit.
  const auto read = [&](std::size_t part, auto&& action) {
    try {
      return action();
    } catch (const h5::H5Error& e) {
      fail(part, std::string("cannot be read, the part is damaged: ") + e.what());
    }
    return decltype(action())();
  };
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    cursors[i].rows = read(i, [&] { return inputs[i]->row_count(path); });
    for (const TaskRange& r : parts[i].info.tasks.ranges()) pieces.push_back({r, i});
  }
  std::sort(pieces.begin(), pieces.end(),
            [](const Piece& a, const Piece& b) { return a.range.begin < b.range.begin; });
  // A bounded buffer per part: 32 MiB in all, between 64 and 4096 rows each.
  const std::uint64_t per_part = std::clamp<std::uint64_t>(
      (32u << 20) / (sizeof(T) * std::max<std::size_t>(inputs.size(), 1)), 64, 4096);
  // A task whose rows were copied, and a gap of tasks with no row at all.
  const auto check_counts = [&](Cursor& c, std::uint64_t task, std::uint64_t count) {
    const std::optional<std::uint64_t> must = rows_of(task);
    if (must && *must != count) c.miscounted.insert({task, task + 1});
  };
  const auto check_gap = [&](Cursor& c, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t t = from; t < to; ++t) {
      const std::optional<std::uint64_t> must = rows_of(t);
      if (!must) break;  // counts unknown: nothing to check
      if (*must != 0) {
        c.miscounted.insert({t, to});  // rows_of is the same kind of count for every task
        break;
      }
    }
  };
  for (const Piece& piece : pieces) {
    Cursor& c = cursors[piece.part];
    std::uint64_t expected_next = piece.range.begin;  // first task not yet checked
    std::uint64_t current = 0, in_current = 0;
    bool any = false;
    for (;;) {
      if (c.next == c.rows) break;
      if (c.next < c.buffer_first || c.next >= c.buffer_first + c.buffer.size()) {
        const std::uint64_t count = std::min(per_part, c.rows - c.next);
        c.buffer = read(piece.part, [&] {
          return h5::read_table(*inputs[piece.part], path, schema, c.next, count);
        });
        c.buffer_first = c.next;
      }
      const T& row = c.buffer[static_cast<std::size_t>(c.next - c.buffer_first)];
      const std::uint64_t task = task_of(row);
      if (task >= piece.range.end) break;
      if (task < piece.range.begin || (c.copied && task < c.last_task)) {
        fail(piece.part, "row " + std::to_string(c.next) + " belongs to task " +
                             std::to_string(task) +
                             ", which is out of order or not among the "
                             "tasks the part lists");
      }
      if (!any || task != current) {
        if (any) check_counts(c, current, in_current);
        check_gap(c, expected_next, task);
        current = task;
        in_current = 0;
        expected_next = task + 1;
        any = true;
      }
      ++in_current;
      out.append(row);
      c.last_task = task;
      c.copied = true;
      ++c.next;
    }
    if (any) check_counts(c, current, in_current);
    check_gap(c, expected_next, piece.range.end);
  }
  for (std::size_t i = 0; i < cursors.size(); ++i) {
    if (cursors[i].next != cursors[i].rows) {
      fail(i, "has " + std::to_string(cursors[i].rows - cursors[i].next) +
                  " rows of tasks it does not list (from row " + std::to_string(cursors[i].next) +
                  ")");
    }
    if (!cursors[i].miscounted.empty()) {
      const TaskSet& wrong = cursors[i].miscounted;
      fail(i, std::to_string(wrong.size()) + " of the " +
                  std::to_string(parts[i].info.tasks.size()) +
                  " tasks the part lists do not have the rows they must (rows deleted, "
                  "duplicated or damaged): " +
                  (describe_tasks ? describe_tasks(wrong) : describe(wrong)) +
                  ". Remove the part (its tasks run again with --resume) or rerun its shard");
    }
    cursors[i].buffer = {};
  }
}

}  // namespace cyberdeter::sim
