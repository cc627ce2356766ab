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

/// Copies the rows of table `path` from `inputs` (opened files, aligned with `parts`) into
/// `out` in task order; `task_of(row)` is the task a row belongs to. Throws MergeError if
/// a part's rows are not in task order or do not match the tasks it lists.
template <h5::TableRow T, class TaskOf>
void merge_table(const std::vector<const h5::File*>& inputs, const std::vector<MergeInput>& parts,
                 std::string_view path, const h5::TableSchema<T>& schema, h5::Table<T>& out,
                 TaskOf task_of) {
  struct Cursor {
    std::uint64_t rows = 0;          // rows in the part's table
    std::uint64_t next = 0;          // next row to copy
    std::uint64_t buffer_first = 0;  // row number of buffer[0]
    std::uint64_t last_task = 0;     // task of the last row copied
    bool copied = false;
    std::vector<T> buffer;
  };
  std::vector<Cursor> cursors(inputs.size());
  struct Piece {
    TaskRange range;
    std::size_t part;
  };
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    cursors[i].rows = inputs[i]->row_count(path);
    for (const TaskRange& r : parts[i].info.tasks.ranges()) pieces.push_back({r, i});
  }
  std::sort(pieces.begin(), pieces.end(),
            [](const Piece& a, const Piece& b) { return a.range.begin < b.range.begin; });
  // A bounded buffer per part: 32 MiB in all, between 64 and 4096 rows each.
  const std::uint64_t per_part = std::clamp<std::uint64_t>(
      (32u << 20) / (sizeof(T) * std::max<std::size_t>(inputs.size(), 1)), 64, 4096);
  const auto fail = [&](std::size_t part, const std::string& what) {
    throw MergeError(parts[part].path + ": table " + std::string(path) + ": " + what);
  };
  for (const Piece& piece : pieces) {
    Cursor& c = cursors[piece.part];
    for (;;) {
      if (c.next == c.rows) break;
      if (c.next < c.buffer_first || c.next >= c.buffer_first + c.buffer.size()) {
        const std::uint64_t count = std::min(per_part, c.rows - c.next);
        c.buffer = h5::read_table(*inputs[piece.part], path, schema, c.next, count);
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
      out.append(row);
      c.last_task = task;
      c.copied = true;
      ++c.next;
    }
  }
  for (std::size_t i = 0; i < cursors.size(); ++i) {
    if (cursors[i].next != cursors[i].rows) {
      fail(i, "has " + std::to_string(cursors[i].rows - cursors[i].next) +
                  " rows of tasks it does not list (from row " + std::to_string(cursors[i].next) +
                  ")");
    }
    cursors[i].buffer = {};
  }
}

}  // namespace cyberdeter::sim
