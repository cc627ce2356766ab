#pragma once
// HDF5 output of the engine: atomic files, attributes, small datasets and appendable
// tables of plain structs, as RAII over the HDF5 C API. Domain-free: no model names here.
//
// Conventions of every file written here (docs/hdf5-schema.md relies on them):
// - Strings are UTF-8. Attributes hold variable-length strings (h5py returns them as
//   `str`, hdf5r as character, h5dump prints them). Table columns and string datasets hold
//   fixed-length null-terminated strings: they compress and h5py returns them as `bytes`
//   (decode as UTF-8, e.g. `df["name"].str.decode("utf-8")`).
// - A bool column is an HDF5 enum over int8 {FALSE = 0, TRUE = 1}, the type h5py itself
//   writes for numpy bool: h5py/pandas read numpy bool, hdf5r logical, h5dump FALSE/TRUE.
// - Numbers are stored little-endian, whatever the host. Files use the HDF5 1.8 format.
// - A table is a 1-D chunked, shuffled and deflated dataset of a packed compound type,
//   one field per column, growing without limit. Its attributes: `description` (the
//   table), `units` and `descriptions` (string arrays aligned with the columns), and per
//   column `<column>_unit` and `<column>_description`.
// - A 1-D numeric dataset has attributes `unit` and `description`; a string dataset has
//   `description`.
// - Failures of HDF5 or of the file system throw H5Error, naming the file; HDF5's own
//   printing to stderr is off inside these calls. Bad schemas or options throw
//   std::invalid_argument.

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace cyberdeter::sim::h5 {

/// Failure of an HDF5 or file operation; the message says what failed and names the file.
class H5Error : public std::runtime_error {
 public:
  H5Error(const std::string& what_failed, std::string path);
  /// The file the failed operation worked on.
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// Sets the HDF5 library up for a program; call once, first thing in main(). HDF5 then
/// prints no error stacks of its own (every failure is an H5Error with the root cause in
/// its message; CYBERDETER_HDF5_ERRORS=1 in the environment prints the stacks too), and it
/// does not close files from its exit handler: every file is closed by its h5::File, and
/// a close that failed on a full disk would otherwise crash that handler (HDF 1.10,
/// HDFGroup/hdf5#2257).
void configure_library() noexcept;

/// How many threads filter (shuffle, deflate, checksum) the full chunks of tables, for
/// every file of the process; 0 filters them on the thread that writes. The default is one
/// per core, at most 8. Call before any file is written (it waits for queued chunks).
/// The bytes of a file never depend on it.
void set_filter_threads(unsigned threads);

/// How a column is stored.
enum class ColumnType : std::uint8_t {
  int8,
  int16,
  int32,
  int64,
  uint8,
  uint16,
  uint32,
  uint64,
  float32,
  float64,
  boolean,
  string
};

/// One column of a table: where it sits in the row struct and what it means.
struct Column {
  std::string name;
  ColumnType type = ColumnType::int64;
  std::size_t offset = 0;  // bytes from the start of the row struct
  std::size_t size = 0;    // bytes; for a string, its fixed length including the NUL
  std::string unit;
  std::string description;
};

/// Type-erased layout of a row: what TableSchema<T> hands to the non-template code.
struct RowLayout {
  std::string description;
  std::size_t row_size = 0;
  std::vector<Column> columns;
};

/// How a table is stored: rows per chunk (also the size of the write buffer) and the
/// deflate level, 0 (none) to 9. Full chunks are filtered on the filter threads (see
/// set_filter_threads; deflated by ISA-L or libdeflate into standard zlib streams) and stored as
/// they are; `parallel_filters = false` sends every chunk through HDF5's pipeline (zlib)
/// on the writing thread instead (for comparison: the file's values and chunk places are
/// the same, its deflated bytes are zlib's).
struct TableOptions {
  std::size_t chunk_rows = 4096;
  int compression_level = 1;
  bool parallel_filters = true;
};

/// A struct that can be a table row: copied as bytes, built empty for reading.
template <class T>
concept TableRow = std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T> &&
    std::default_initializable<T>;

class File;
template <TableRow T>
class Table;

namespace detail {

template <class M>
struct IsCharArray : std::false_type {};
template <std::size_t N>
struct IsCharArray<std::array<char, N>> : std::true_type {};
template <std::size_t N>
struct IsCharArray<char[N]> : std::true_type {};

template <class M>
inline constexpr bool dependent_false = false;

// Storage type of a member of type M; unsupported types fail to compile.
template <class M>
constexpr ColumnType column_type() {
  if constexpr (std::is_same_v<M, bool>) {
    static_assert(sizeof(bool) == 1, "bool columns assume a one-byte bool");
    return ColumnType::boolean;
  } else if constexpr (std::is_integral_v<M>) {
    constexpr bool is_signed = std::is_signed_v<M>;
    if constexpr (sizeof(M) == 1) {
      return is_signed ? ColumnType::int8 : ColumnType::uint8;
    } else if constexpr (sizeof(M) == 2) {
      return is_signed ? ColumnType::int16 : ColumnType::uint16;
    } else if constexpr (sizeof(M) == 4) {
      return is_signed ? ColumnType::int32 : ColumnType::uint32;
    } else {
      static_assert(sizeof(M) == 8, "integer columns are at most 64 bits");
      return is_signed ? ColumnType::int64 : ColumnType::uint64;
    }
  } else if constexpr (std::is_same_v<M, float>) {
    return ColumnType::float32;
  } else if constexpr (std::is_same_v<M, double>) {
    return ColumnType::float64;
  } else if constexpr (IsCharArray<M>::value) {
    return ColumnType::string;
  } else {
    static_assert(dependent_false<M>,
                  "table columns are integers, float, double, bool or std::array<char, N>");
    return ColumnType::int64;
  }
}

// Appends a column after checking its name is non-empty and unique.
void add_column(RowLayout& layout, Column column);

struct FileState;
struct TableState;

// The non-template core of Table<T>: a dataset, a row buffer, chunk-at-a-time writes.
class TableWriter {
 public:
  TableWriter(File& file, std::string_view path, const RowLayout& layout,
              const TableOptions& options);
  TableWriter(TableWriter&& other) noexcept;
  TableWriter& operator=(TableWriter&& other) noexcept;
  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;
  // Flushes; a failure is recorded in the file, so that File::commit() fails.
  ~TableWriter();

  void append(const std::byte* rows, std::size_t count);
  void flush();
  std::uint64_t rows() const noexcept;
  const std::string& path() const noexcept;

 private:
  std::unique_ptr<TableState> state_;
};

// How many chunks every table of the process stored straight from the filter threads
// (H5Dwrite_chunk), not through H5Dwrite: for tests.
std::uint64_t chunks_written_directly() noexcept;

// Reads rows [first, first + count) of the table at `path` into `out` (laid out as `layout`).
void read_rows(const File& file, std::string_view path, const RowLayout& layout,
               std::uint64_t first, std::uint64_t count, void* out);

}  // namespace detail

/// The columns of a table of rows T, each bound to a member of T.
template <TableRow T>
class TableSchema {
 public:
  /// An empty schema; `description` describes the whole table.
  explicit TableSchema(std::string description = {}) {
    layout_.description = std::move(description);
    layout_.row_size = sizeof(T);
  }

  /// Adds column `name` stored in `member`; throws std::invalid_argument on a bad or repeated name.
  template <class M>
  TableSchema& add(std::string name, M T::*member, std::string unit, std::string description) {
    return add_field(
        std::move(name), [member](const T& r) -> const M& { return r.*member; }, std::move(unit),
        std::move(description));
  }

  /// Adds column `name` stored wherever `field(row)` refers to inside the row: a member of
  /// a nested struct or an element of an array member, e.g.
  /// `[](const Row& r) -> const auto& { return r.counts.responses[2]; }`.
  template <class F>
  requires std::is_lvalue_reference_v<std::invoke_result_t<F, const T&>> TableSchema& add_field(
      std::string name, F field, std::string unit, std::string description) {
    using Member = std::remove_cvref_t<std::invoke_result_t<F, const T&>>;
    const T probe{};
    const auto* row = reinterpret_cast<const std::byte*>(std::addressof(probe));
    const auto* at = reinterpret_cast<const std::byte*>(std::addressof(field(probe)));
    if (at < row || at + sizeof(Member) > row + sizeof(T)) {
      throw std::invalid_argument("column " + name + " does not lie inside the row");
    }
    detail::add_column(layout_, Column{std::move(name), detail::column_type<Member>(),
                                       static_cast<std::size_t>(at - row), sizeof(Member),
                                       std::move(unit), std::move(description)});
    return *this;
  }

  /// The columns in the order they were added.
  const std::vector<Column>& columns() const noexcept { return layout_.columns; }
  /// The table's description.
  const std::string& description() const noexcept { return layout_.description; }
  /// The type-erased layout handed to the writer and reader.
  const RowLayout& layout() const noexcept { return layout_; }

 private:
  RowLayout layout_;
};

/// An HDF5 file: written under a temporary name and published by commit(), or read-only.
class File {
 public:
  /// Starts `path`, written as `path.partial-<pid>` in the same directory until commit().
  static File create(const std::string& path);
  /// Opens an existing file read-only.
  static File open_read(const std::string& path);

  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  /// Closes the file; a created file never committed is deleted, temporary name included.
  ~File();

  /// Flushes and closes every table, closes the file, syncs it and renames it to path().
  /// Throws if any table failed to write; the file then stays unpublished.
  void commit();
  /// The final path.
  const std::string& path() const;
  /// Where the bytes are now: the temporary name until commit(), else path().
  const std::string& working_path() const;
  /// True for a created file not yet committed.
  bool writable() const;

  /// Creates group `path` and any missing parents; an existing group is fine.
  void create_group(std::string_view path);
  /// True if an object (group or dataset) exists at `path`.
  bool exists(std::string_view path) const;
  /// Number of elements of the dataset at `path` (rows, for a table).
  std::uint64_t row_count(std::string_view path) const;

  // Attributes of the object at `object` ("/" is the root); writing replaces any old value.
  /// Writes a string attribute (variable-length UTF-8).
  void set_attribute(std::string_view object, std::string_view name, std::string_view value);
  /// Writes a signed integer attribute (int64).
  void set_attribute(std::string_view object, std::string_view name, std::int64_t value);
  /// Writes an unsigned integer attribute (uint64).
  void set_attribute(std::string_view object, std::string_view name, std::uint64_t value);
  /// Writes a double attribute.
  void set_attribute(std::string_view object, std::string_view name, double value);
  /// Writes a 1-D array attribute of doubles.
  void set_attribute(std::string_view object, std::string_view name,
                     std::span<const double> values);
  /// Writes a 1-D array attribute of strings (variable-length UTF-8).
  void set_attribute(std::string_view object, std::string_view name,
                     std::span<const std::string> values);
  /// Writes any other integer as int64 or uint64 by its signedness.
  template <std::integral I>
  requires(!std::same_as<I, bool>) void set_attribute(std::string_view object,
                                                      std::string_view name, I value) {
    if constexpr (std::is_signed_v<I>) {
      set_attribute(object, name, static_cast<std::int64_t>(value));
    } else {
      set_attribute(object, name, static_cast<std::uint64_t>(value));
    }
  }
  /// True if the object at `object` has attribute `name`.
  bool has_attribute(std::string_view object, std::string_view name) const;
  /// Reads an attribute as V: std::string, std::int64_t, std::uint64_t, double,
  /// std::vector<double> or std::vector<std::string>.
  template <class V>
  V read_attribute(std::string_view object, std::string_view name) const;

  /// Writes `text` as a scalar fixed-length UTF-8 string dataset (e.g. /scenario/text).
  void write_text(std::string_view path, std::string_view text, std::string_view description);
  /// Writes a 1-D dataset of fixed-length UTF-8 strings.
  void write_dataset(std::string_view path, std::span<const std::string> values,
                     std::string_view description);
  /// Writes a 1-D dataset of doubles with its unit.
  void write_dataset(std::string_view path, std::span<const double> values, std::string_view unit,
                     std::string_view description);
  /// Writes a 1-D dataset of int64 with its unit.
  void write_dataset(std::string_view path, std::span<const std::int64_t> values,
                     std::string_view unit, std::string_view description);
  /// Reads a dataset as V: std::string (scalar text), std::vector<std::string>,
  /// std::vector<double> or std::vector<std::int64_t>.
  template <class V>
  V read_dataset(std::string_view path) const;

  /// Creates an empty table at `path` (missing parent groups are created).
  template <TableRow T>
  Table<T> create_table(std::string_view path, const TableSchema<T>& schema,
                        const TableOptions& options = {});

 private:
  explicit File(std::unique_ptr<detail::FileState> state) noexcept;
  detail::FileState& state() const;
  // state(), after writing the chunks still waiting for their filters.
  detail::FileState& settled() const;
  void abandon() noexcept;

  friend class detail::TableWriter;
  friend void detail::read_rows(const File&, std::string_view, const RowLayout&, std::uint64_t,
                                std::uint64_t, void*);

  std::unique_ptr<detail::FileState> state_;
};

template <>
std::string File::read_attribute<std::string>(std::string_view, std::string_view) const;
template <>
std::int64_t File::read_attribute<std::int64_t>(std::string_view, std::string_view) const;
template <>
std::uint64_t File::read_attribute<std::uint64_t>(std::string_view, std::string_view) const;
template <>
double File::read_attribute<double>(std::string_view, std::string_view) const;
template <>
std::vector<double> File::read_attribute<std::vector<double>>(std::string_view,
                                                              std::string_view) const;
template <>
std::vector<std::string> File::read_attribute<std::vector<std::string>>(std::string_view,
                                                                        std::string_view) const;
template <>
std::string File::read_dataset<std::string>(std::string_view) const;
template <>
std::vector<std::string> File::read_dataset<std::vector<std::string>>(std::string_view) const;
template <>
std::vector<double> File::read_dataset<std::vector<double>>(std::string_view) const;
template <>
std::vector<std::int64_t> File::read_dataset<std::vector<std::int64_t>>(std::string_view) const;

/// An appendable table of rows T. Rows are buffered and written a chunk at a time, so
/// memory stays bounded by one chunk however long the run (and at most 8 chunks of the
/// file waiting for their filter threads). A full chunk is written once filtered, so a
/// failed write may be reported by a later append, flush() or any use of the file; it
/// always makes File::commit() fail. The file must outlive the table; after
/// File::commit() appends throw.
template <TableRow T>
class Table {
 public:
  /// Appends one row.
  void append(const T& row) {
    writer_.append(reinterpret_cast<const std::byte*>(std::addressof(row)), 1);
  }
  /// Appends rows in order.
  void append(std::span<const T> rows) {
    writer_.append(reinterpret_cast<const std::byte*>(rows.data()), rows.size());
  }
  /// Writes the buffered rows to the file.
  void flush() { writer_.flush(); }
  /// Rows appended so far, written or buffered.
  std::uint64_t size() const noexcept { return writer_.rows(); }
  /// Path of the table in the file.
  const std::string& path() const noexcept { return writer_.path(); }

 private:
  friend class File;
  explicit Table(detail::TableWriter writer) : writer_(std::move(writer)) {}
  detail::TableWriter writer_;
};

template <TableRow T>
Table<T> File::create_table(std::string_view path, const TableSchema<T>& schema,
                            const TableOptions& options) {
  return Table<T>(detail::TableWriter(*this, path, schema.layout(), options));
}

/// Reads the whole table at `path`; throws H5Error naming any schema field it lacks.
template <TableRow T>
std::vector<T> read_table(const File& file, std::string_view path, const TableSchema<T>& schema) {
  std::vector<T> rows(static_cast<std::size_t>(file.row_count(path)));
  detail::read_rows(file, path, schema.layout(), 0, rows.size(), rows.data());
  return rows;
}

/// Reads rows [first, first + count) of the table at `path`.
template <TableRow T>
std::vector<T> read_table(const File& file, std::string_view path, const TableSchema<T>& schema,
                          std::uint64_t first, std::uint64_t count) {
  std::vector<T> rows(static_cast<std::size_t>(count));
  detail::read_rows(file, path, schema.layout(), first, count, rows.data());
  return rows;
}

/// Copies `text` into a fixed-length string column, truncated to N - 1 bytes, NUL-padded.
template <std::size_t N>
std::array<char, N> to_fixed(std::string_view text) {
  static_assert(N > 0);
  std::array<char, N> out{};
  text.copy(out.data(), std::min(text.size(), N - 1));
  return out;
}

/// The text of a fixed-length string column, up to its first NUL.
template <std::size_t N>
std::string_view from_fixed(const std::array<char, N>& text) {
  std::size_t length = 0;
  while (length < N && text[length] != '\0') ++length;
  return {text.data(), length};
}

/// Who wrote a file, from what, and when: stored as root attributes by write_provenance.
struct Provenance {
  std::string program;          // attribute `program`
  std::string program_version;  // `program_version`, e.g. cyberdeter::build::version()
  std::string git_revision;     // `git_revision`, e.g. cyberdeter::build::git_revision()
  std::string command_line;     // `command_line`, the command as run
  std::string created_utc;      // `created_utc`, ISO 8601 UTC; empty means now
  std::string schema_version;   // `schema_version`, version of the file's layout
};

/// Writes the provenance as root string attributes.
void write_provenance(File& file, const Provenance& provenance);
/// Reads the provenance attributes back; throws if one is missing.
Provenance read_provenance(const File& file);
/// The current time as ISO 8601 UTC to the second, e.g. "2024-05-01T12:34:56Z".
std::string iso8601_utc_now();

}  // namespace cyberdeter::sim::h5
