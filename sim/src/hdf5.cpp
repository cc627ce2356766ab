#include "cyberdeter/sim/hdf5.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <limits>
#include <system_error>

#include "chunk_filter.hpp"

namespace cyberdeter::sim::h5 {

H5Error::H5Error(const std::string& what_failed, std::string path)
    : std::runtime_error(path.empty() ? what_failed : what_failed + " (file '" + path + "')"),
      path_(std::move(path)) {}

namespace {

// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() noexcept = default;
  Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      close();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { close(); }

  hid_t get() const noexcept { return id_; }
  // Closes now; returns the close status (negative on failure), 0 if nothing was open.
  herr_t close() noexcept {
    herr_t status = 0;
    if (id_ >= 0 && closer_ != nullptr) status = closer_(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns HDF5's automatic error printing off for this thread while alive: failures become
// exceptions with the message taken from the error stack instead.
// Set by configure_library() when the user asks to see HDF5's own error stacks.
bool print_error_stacks = false;

class Quiet {
 public:
  Quiet() noexcept {
    if (print_error_stacks) return;
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Quiet() {
    if (!print_error_stacks) H5Eset_auto2(H5E_DEFAULT, function_, data_);
  }
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

herr_t keep_innermost(unsigned /*depth*/, const H5E_error2_t* error, void* data) {
  if (error->desc != nullptr && error->desc[0] != '\0') {
    *static_cast<std::string*>(data) = error->desc;
  }
  return 0;
}

// HDF5's message for a failed system call ("file write failed: time = …, filename = …,
// errno = 28, error message = '…', buf = …") as one short phrase: "file write failed: No
// space left on device". Other messages are kept as they are.
std::string system_error_phrase(const std::string& detail) {
  const std::size_t at = detail.find("errno = ");
  if (at == std::string::npos) return detail;
  const int code = std::atoi(detail.c_str() + at + 8);
  if (code <= 0) return detail;
  std::size_t end = detail.find(": time =");
  if (end == std::string::npos) end = detail.find(',');
  const std::string what = detail.substr(0, std::min(end, at));
  return what + ": " + std::error_code(code, std::generic_category()).message();
}

// The innermost message of the HDF5 error stack (the root cause); clears the stack.
std::string hdf5_detail() {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_innermost, &detail);
  H5Eclear2(H5E_DEFAULT);
  return system_error_phrase(detail);
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  const std::string detail = hdf5_detail();
  throw H5Error(detail.empty() ? what : what + ": " + detail, path);
}

hid_t check_id(hid_t id, const std::string& what, const std::string& path) {
  if (id < 0) fail(what, path);
  return id;
}

void check_ok(herr_t status, const std::string& what, const std::string& path) {
  if (status < 0) fail(what, path);
}

std::string in_quotes(std::string_view name) {
  // Appending, not "'" + std::string(name): GCC 12 warns falsely on that at -O3 (PR 105329).
  std::string quoted;
  quoted.reserve(name.size() + 2);
  quoted.append(1, '\'').append(name).append(1, '\'');
  return quoted;
}

Handle copy_type(hid_t type) { return {H5Tcopy(type), H5Tclose}; }

Handle string_type(std::size_t size, const std::string& path) {
  Handle type = copy_type(H5T_C_S1);
  check_id(type.get(), "cannot copy the string type", path);
  check_ok(H5Tset_size(type.get(), size), "cannot size a string type", path);
  check_ok(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "cannot set string padding", path);
  check_ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set string encoding", path);
  return type;
}

Handle variable_string_type(const std::string& path) { return string_type(H5T_VARIABLE, path); }

// Storage (file) or memory type of one column. File types are little-endian standard
// types, so that files are the same on every host; memory types are native.
Handle column_type(const Column& column, bool in_file, const std::string& path) {
  Handle type;
  switch (column.type) {
    case ColumnType::int8: type = copy_type(in_file ? H5T_STD_I8LE : H5T_NATIVE_INT8); break;
    case ColumnType::int16: type = copy_type(in_file ? H5T_STD_I16LE : H5T_NATIVE_INT16); break;
    case ColumnType::int32: type = copy_type(in_file ? H5T_STD_I32LE : H5T_NATIVE_INT32); break;
    case ColumnType::int64: type = copy_type(in_file ? H5T_STD_I64LE : H5T_NATIVE_INT64); break;
    case ColumnType::uint8: type = copy_type(in_file ? H5T_STD_U8LE : H5T_NATIVE_UINT8); break;
    case ColumnType::uint16: type = copy_type(in_file ? H5T_STD_U16LE : H5T_NATIVE_UINT16); break;
    case ColumnType::uint32: type = copy_type(in_file ? H5T_STD_U32LE : H5T_NATIVE_UINT32); break;
    case ColumnType::uint64: type = copy_type(in_file ? H5T_STD_U64LE : H5T_NATIVE_UINT64); break;
    case ColumnType::float32: type = copy_type(in_file ? H5T_IEEE_F32LE : H5T_NATIVE_FLOAT); break;
    case ColumnType::float64: type = copy_type(in_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE); break;
    case ColumnType::boolean: {
      // The enum h5py writes for numpy bool, so that h5py reads it back as bool.
      type = Handle(H5Tenum_create(in_file ? H5T_STD_I8LE : H5T_NATIVE_INT8), H5Tclose);
      check_id(type.get(), "cannot create the bool type", path);
      const std::int8_t no = 0;
      const std::int8_t yes = 1;
      check_ok(H5Tenum_insert(type.get(), "FALSE", &no), "cannot build the bool type", path);
      check_ok(H5Tenum_insert(type.get(), "TRUE", &yes), "cannot build the bool type", path);
      return type;
    }
    case ColumnType::string: return string_type(column.size, path);
  }
  check_id(type.get(), "cannot create the type of column " + in_quotes(column.name), path);
  return type;
}

// The compound type of a row: in memory at the struct's offsets, in the file packed in
// column order (no padding bytes reach the file).
Handle compound_type(const RowLayout& layout, bool in_file, const std::string& path) {
  std::vector<Handle> members;
  std::size_t packed_size = 0;
  for (const Column& column : layout.columns) {
    members.push_back(column_type(column, in_file, path));
    packed_size += H5Tget_size(members.back().get());
  }
  const std::size_t size = in_file ? packed_size : layout.row_size;
  Handle compound(H5Tcreate(H5T_COMPOUND, size), H5Tclose);
  check_id(compound.get(), "cannot create the row type", path);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Column& column = layout.columns[i];
    const std::size_t at = in_file ? offset : column.offset;
    check_ok(H5Tinsert(compound.get(), column.name.c_str(), at, members[i].get()),
             "cannot add column " + in_quotes(column.name) + " to the row type", path);
    offset += H5Tget_size(members[i].get());
  }
  return compound;
}

H5T_class_t expected_class(ColumnType type) {
  switch (type) {
    case ColumnType::float32:
    case ColumnType::float64: return H5T_FLOAT;
    case ColumnType::boolean: return H5T_ENUM;
    case ColumnType::string: return H5T_STRING;
    default: return H5T_INTEGER;
  }
}

const char* class_name(H5T_class_t type_class) {
  switch (type_class) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "floating point";
    case H5T_STRING: return "string";
    case H5T_ENUM: return "enum (bool)";
    case H5T_COMPOUND: return "compound";
    case H5T_ARRAY: return "array";
    default: return "another HDF5 class";
  }
}

Handle link_create_list(const std::string& path) {
  Handle list(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  check_id(list.get(), "cannot create a property list", path);
  check_ok(H5Pset_create_intermediate_group(list.get(), 1), "cannot set a property", path);
  check_ok(H5Pset_char_encoding(list.get(), H5T_CSET_UTF8), "cannot set a property", path);
  return list;
}

// Object creation without timestamps, so that the same content gives the same bytes.
Handle object_create_list(hid_t list_class, const std::string& path) {
  Handle list(H5Pcreate(list_class), H5Pclose);
  check_id(list.get(), "cannot create a property list", path);
  check_ok(H5Pset_obj_track_times(list.get(), 0), "cannot set a property", path);
  return list;
}

Handle file_access_list(bool for_writing, const std::string& path) {
  Handle list(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  check_id(list.get(), "cannot create a property list", path);
  check_ok(H5Pset_fclose_degree(list.get(), H5F_CLOSE_STRONG), "cannot set a property", path);
  if (for_writing) {
    // The 1.8 format: dense attribute storage for wide tables, readable by HDF5 >= 1.8.
    check_ok(H5Pset_libver_bounds(list.get(), H5F_LIBVER_V18, H5F_LIBVER_V18),
             "cannot set a property", path);
  }
  return list;
}

Handle simple_space(hsize_t size, const std::string& path) {
  Handle space(H5Screate_simple(1, &size, nullptr), H5Sclose);
  check_id(space.get(), "cannot create a dataspace", path);
  return space;
}

Handle scalar_space(const std::string& path) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  check_id(space.get(), "cannot create a dataspace", path);
  return space;
}

// Writes attribute `name` on `object`, replacing an existing one.
void write_attribute(hid_t object, std::string_view name, hid_t file_type, hid_t memory_type,
                     hid_t space, const void* data, const std::string& what,
                     const std::string& path) {
  const std::string attribute_name(name);
  const std::string failed = "cannot write attribute " + in_quotes(name) + " of " + what;
  const htri_t exists = H5Aexists(object, attribute_name.c_str());
  check_ok(exists, failed, path);
  if (exists > 0) check_ok(H5Adelete(object, attribute_name.c_str()), failed, path);
  Handle attribute(
      H5Acreate2(object, attribute_name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  check_id(attribute.get(), failed, path);
  if (H5Sget_simple_extent_npoints(space) > 0) {
    check_ok(H5Awrite(attribute.get(), memory_type, data), failed, path);
  }
}

void write_string_attribute(hid_t object, std::string_view name, std::string_view value,
                            const std::string& what, const std::string& path) {
  const Handle type = variable_string_type(path);
  const Handle space = scalar_space(path);
  const std::string text(value);
  const char* data = text.c_str();
  write_attribute(object, name, type.get(), type.get(), space.get(), &data, what, path);
}

void write_strings_attribute(hid_t object, std::string_view name,
                             std::span<const std::string> values, const std::string& what,
                             const std::string& path) {
  const Handle type = variable_string_type(path);
  const Handle space = simple_space(values.size(), path);
  std::vector<const char*> data;
  data.reserve(values.size());
  for (const std::string& value : values) data.push_back(value.c_str());
  write_attribute(object, name, type.get(), type.get(), space.get(), data.data(), what, path);
}

// A dataset or an attribute, for the reading code they share.
struct Source {
  hid_t id;
  bool is_attribute;
  std::string what;
  const std::string& path;

  Handle type() const {
    Handle type(is_attribute ? H5Aget_type(id) : H5Dget_type(id), H5Tclose);
    check_id(type.get(), "cannot read the type of " + what, path);
    return type;
  }
  Handle space() const {
    Handle space(is_attribute ? H5Aget_space(id) : H5Dget_space(id), H5Sclose);
    check_id(space.get(), "cannot read the shape of " + what, path);
    return space;
  }
  std::size_t size() const {
    const Handle shape = space();
    const hssize_t points = H5Sget_simple_extent_npoints(shape.get());
    if (points < 0) fail("cannot read the shape of " + what, path);
    return static_cast<std::size_t>(points);
  }
  void read(hid_t memory_type, void* buffer) const {
    const herr_t status = is_attribute
                              ? H5Aread(id, memory_type, buffer)
                              : H5Dread(id, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    check_ok(status, "cannot read " + what, path);
  }
};

// Frees the strings HDF5 allocated for a variable-length read.
class VariableStrings {
 public:
  VariableStrings(hid_t type, std::size_t count) : type_(type), pointers_(count, nullptr) {}
  VariableStrings(const VariableStrings&) = delete;
  VariableStrings& operator=(const VariableStrings&) = delete;
  ~VariableStrings() {
    const hsize_t count = pointers_.size();
    const Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose);
    if (space.get() >= 0) H5Dvlen_reclaim(type_, space.get(), H5P_DEFAULT, pointers_.data());
  }
  std::vector<char*>& pointers() { return pointers_; }

 private:
  hid_t type_;
  std::vector<char*> pointers_;
};

std::vector<std::string> read_strings(const Source& source) {
  const Handle stored = source.type();
  if (H5Tget_class(stored.get()) != H5T_STRING) {
    throw H5Error(source.what + " does not hold strings", source.path);
  }
  const std::size_t count = source.size();
  std::vector<std::string> values;
  values.reserve(count);
  if (count == 0) return values;
  const htri_t is_variable = H5Tis_variable_str(stored.get());
  check_ok(is_variable, "cannot read the type of " + source.what, source.path);
  if (is_variable > 0) {
    Handle memory = variable_string_type(source.path);
    check_ok(H5Tset_cset(memory.get(), H5Tget_cset(stored.get())), "cannot set string encoding",
             source.path);
    VariableStrings strings(memory.get(), count);
    source.read(memory.get(), strings.pointers().data());
    for (const char* text : strings.pointers()) values.emplace_back(text != nullptr ? text : "");
    return values;
  }
  const std::size_t width = H5Tget_size(stored.get());
  const H5T_str_t padding = H5Tget_strpad(stored.get());
  const Handle memory = copy_type(stored.get());
  check_id(memory.get(), "cannot copy the type of " + source.what, source.path);
  std::vector<char> buffer(count * width, '\0');
  source.read(memory.get(), buffer.data());
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view cell(buffer.data() + i * width, width);
    std::string_view text = cell.substr(0, cell.find('\0'));
    if (padding == H5T_STR_SPACEPAD) text = text.substr(0, text.find_last_not_of(' ') + 1);
    values.emplace_back(text);
  }
  return values;
}

template <class Number>
std::vector<Number> read_numbers(const Source& source, hid_t memory_type, bool integers_only) {
  const Handle stored = source.type();
  const H5T_class_t stored_class = H5Tget_class(stored.get());
  const bool fits = stored_class == H5T_INTEGER || (!integers_only && stored_class == H5T_FLOAT);
  if (!fits) {
    throw H5Error(source.what + " holds " + class_name(stored_class) + " values, not " +
                      (integers_only ? "integers" : "numbers"),
                  source.path);
  }
  std::vector<Number> values(source.size());
  if (!values.empty()) source.read(memory_type, values.data());
  return values;
}

template <class Value>
Value single(std::vector<Value> values, const Source& source) {
  if (values.size() != 1) {
    throw H5Error(
        source.what + " holds " + std::to_string(values.size()) + " values where one was expected",
        source.path);
  }
  return std::move(values.front());
}

// Makes `name` durable on disk before it is published under its final name.
void sync_file(const std::string& name, const std::string& path) {
  const int descriptor = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    throw H5Error("cannot open " + name +
                      " to sync it: " + std::error_code(errno, std::generic_category()).message(),
                  path);
  }
  const int status = ::fsync(descriptor);
  const int error = errno;
  ::close(descriptor);
  if (status != 0) {
    throw H5Error(
        "cannot sync " + name + ": " + std::error_code(error, std::generic_category()).message(),
        path);
  }
}

// Best effort: makes a rename in `directory` durable.
void sync_directory(const std::filesystem::path& directory) {
  const std::string name = directory.empty() ? std::string(".") : directory.string();
  const int descriptor = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (descriptor < 0) return;
  ::fsync(descriptor);
  ::close(descriptor);
}

}  // namespace

namespace detail {

// A full chunk handed to the filter threads, written to the file in the order handed.
struct PendingChunk {
  TableState* table = nullptr;
  hsize_t first_row = 0;
  std::shared_ptr<ChunkJob> job;
};

struct FileState {
  // Chunks waiting to be written, oldest first. At most this many: it bounds memory, and,
  // being a constant, it keeps the order of HDF5 calls (and so the file's bytes) the
  // same for any number of filter threads.
  static constexpr std::size_t max_pending = 8;

  Handle file;
  std::string path;          // final name
  std::string working_path;  // temporary name while writing
  bool writable = false;
  bool committed = false;
  std::vector<TableState*> tables;    // open tables, flushed and closed by commit()
  std::vector<std::string> failures;  // table writes that failed; commit() refuses
  std::deque<PendingChunk> pending;   // filtered or being filtered, not yet written
};

struct TableState {
  FileState* file = nullptr;  // null once the file is committed or closed
  std::string path;
  Handle dataset;
  Handle memory_type;
  std::size_t row_size = 0;
  std::size_t chunk_rows = 0;
  std::vector<std::byte> buffer;  // chunk_rows rows
  std::size_t buffered = 0;
  std::uint64_t written = 0;  // rows written or pending as chunks
  // How full chunks are filtered off this thread; null when they go through H5Dwrite.
  std::shared_ptr<const ChunkFormat> format;
  std::vector<std::vector<std::byte>> spare;  // row buffers of written chunks, for reuse
  bool failed = false;  // a write failed: the table is broken, and the file unpublishable
};

}  // namespace detail

namespace {

void require_writable(const detail::FileState& state, const std::string& what) {
  if (!state.writable) {
    throw H5Error("cannot " + what + ": the file is " +
                      (state.committed ? "already committed" : "open read-only"),
                  state.path);
  }
}

Handle open_object(const detail::FileState& state, std::string_view object) {
  const std::string name(object);
  Handle handle(H5Oopen(state.file.get(), name.c_str(), H5P_DEFAULT), H5Oclose);
  check_id(handle.get(), "cannot open object " + in_quotes(object), state.path);
  return handle;
}

Handle open_dataset(const detail::FileState& state, std::string_view path) {
  const std::string name(path);
  Handle dataset(H5Dopen2(state.file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  check_id(dataset.get(), "cannot open dataset " + in_quotes(path), state.path);
  return dataset;
}

// Creates a contiguous dataset at `path` (with missing parents) and writes `data` into it.
Handle create_dataset(detail::FileState& state, std::string_view path, hid_t file_type,
                      hid_t memory_type, hid_t space, const void* data) {
  require_writable(state, "write dataset " + in_quotes(path));
  const std::string name(path);
  const std::string failed = "cannot write dataset " + in_quotes(path);
  const Handle links = link_create_list(state.path);
  const Handle creation = object_create_list(H5P_DATASET_CREATE, state.path);
  Handle dataset(H5Dcreate2(state.file.get(), name.c_str(), file_type, space, links.get(),
                            creation.get(), H5P_DEFAULT),
                 H5Dclose);
  check_id(dataset.get(), failed, state.path);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points > 0) {
    check_ok(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), failed,
             state.path);
  }
  return dataset;
}

void write_strings_dataset(detail::FileState& state, std::string_view path, hid_t space,
                           std::span<const std::string> values, std::string_view description) {
  std::size_t width = 1;
  for (const std::string& value : values) width = std::max(width, value.size() + 1);
  std::vector<char> buffer(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i].copy(buffer.data() + i * width, values[i].size());
  }
  const Handle type = string_type(width, state.path);
  const Handle dataset = create_dataset(state, path, type.get(), type.get(), space, buffer.data());
  write_string_attribute(dataset.get(), "description", description, in_quotes(path), state.path);
}

void write_numbers_dataset(detail::FileState& state, std::string_view path, hid_t file_type,
                           hid_t memory_type, std::size_t count, const void* data,
                           std::string_view unit, std::string_view description) {
  const Handle space = simple_space(count, state.path);
  const Handle dataset = create_dataset(state, path, file_type, memory_type, space.get(), data);
  write_string_attribute(dataset.get(), "unit", unit, in_quotes(path), state.path);
  write_string_attribute(dataset.get(), "description", description, in_quotes(path), state.path);
}

void write_table_attributes(hid_t dataset, const RowLayout& layout, const std::string& table,
                            const std::string& path) {
  const std::string what = "table " + in_quotes(table);
  std::vector<std::string> units;
  std::vector<std::string> descriptions;
  for (const Column& column : layout.columns) {
    units.push_back(column.unit);
    descriptions.push_back(column.description);
    write_string_attribute(dataset, column.name + "_unit", column.unit, what, path);
    write_string_attribute(dataset, column.name + "_description", column.description, what, path);
  }
  write_string_attribute(dataset, "description", layout.description, what, path);
  write_strings_attribute(dataset, "units", units, what, path);
  write_strings_attribute(dataset, "descriptions", descriptions, what, path);
}

// Writes `count` rows (memory layout) at row `start` of the table through H5Dwrite, which
// runs HDF5's filter pipeline on this thread.
void write_rows(detail::TableState& table, hsize_t start, hsize_t count, const void* rows) {
  const std::string& path = table.file->path;
  const std::string failed = "cannot write rows to table " + in_quotes(table.path);
  const hsize_t size = start + count;
  check_ok(H5Dset_extent(table.dataset.get(), &size), failed, path);
  const Handle file_space(H5Dget_space(table.dataset.get()), H5Sclose);
  check_id(file_space.get(), failed, path);
  check_ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
           failed, path);
  const Handle memory_space = simple_space(count, path);
  check_ok(H5Dwrite(table.dataset.get(), table.memory_type.get(), memory_space.get(),
                    file_space.get(), H5P_DEFAULT, rows),
           failed, path);
}

std::atomic<std::uint64_t> direct_chunks{0};

// Writes a chunk that the filter threads had: its filtered bytes as they are
// (H5Dwrite_chunk, with the filter mask of the filters applied), or its rows through
// H5Dwrite when it could not be filtered.
void write_chunk(detail::PendingChunk& chunk) {
  detail::TableState& table = *chunk.table;
  detail::FilterPool::instance().wait(*chunk.job);
  detail::ChunkJob& job = *chunk.job;
  if (!job.filtered) {
    write_rows(table, chunk.first_row, table.chunk_rows, job.rows.data());
    return;
  }
  const std::string& path = table.file->path;
  const std::string failed = "cannot write rows to table " + in_quotes(table.path);
  const hsize_t size = chunk.first_row + table.chunk_rows;
  check_ok(H5Dset_extent(table.dataset.get(), &size), failed, path);
  check_ok(H5Dwrite_chunk(table.dataset.get(), H5P_DEFAULT, job.filter_mask, &chunk.first_row,
                          job.stored.size(), job.stored.data()),
           failed, path);
  direct_chunks.fetch_add(1, std::memory_order_relaxed);
}

// Writes the oldest pending chunks of the file until at most `keep` are left. A failed
// write breaks its table, is recorded in the file so that commit() refuses, and throws.
void settle(detail::FileState& state, std::size_t keep = 0) {
  while (state.pending.size() > keep) {
    detail::PendingChunk chunk = std::move(state.pending.front());
    state.pending.pop_front();
    if (chunk.table->failed) continue;  // its table is unusable already
    try {
      write_chunk(chunk);
    } catch (const std::exception& error) {
      chunk.table->failed = true;
      state.failures.emplace_back(error.what());
      throw;
    }
    // The chunk is filtered and written: its row buffer can take the table's next chunk.
    if (chunk.table->spare.size() < 2) chunk.table->spare.push_back(std::move(chunk.job->rows));
  }
}

// Writes the buffered rows at the end of the table, through H5Dwrite, after every
// pending chunk of the file.
void write_buffered(detail::TableState& table) {
  if (table.buffered == 0) return;
  if (table.file == nullptr) {
    throw H5Error("cannot write to table " + in_quotes(table.path) +
                      ": its file is already committed or closed",
                  "");
  }
  settle(*table.file);
  write_rows(table, table.written, table.buffered, table.buffer.data());
  table.written += table.buffered;
  table.buffered = 0;
}

// True when the buffer is one whole chunk of the dataset that the filter threads can take.
bool full_chunk(const detail::TableState& table) {
  return table.format != nullptr && table.file != nullptr && table.buffered == table.chunk_rows &&
         table.written % table.chunk_rows == 0;
}

// Hands the buffer, a whole chunk, to the filter threads; the table starts a new buffer.
// Writes the oldest pending chunks of the file while more than `keep` wait.
void submit_chunk(detail::TableState& table, std::size_t keep) {
  auto job = std::make_shared<detail::ChunkJob>();
  job->format = table.format;
  job->rows = std::move(table.buffer);
  if (table.spare.empty()) {
    table.buffer.resize(job->rows.size());
  } else {
    table.buffer = std::move(table.spare.back());
    table.spare.pop_back();
  }
  detail::FilterPool::instance().submit(job);
  table.file->pending.push_back(detail::PendingChunk{&table, table.written, std::move(job)});
  table.written += table.buffered;
  table.buffered = 0;
  settle(*table.file, keep);
}

// Writes the buffered rows (a whole chunk may wait for its filters while at most
// FileState::max_pending chunks do, unless `everything`), and with `everything` every
// pending chunk of the file too. On the first failure a note in the file, so that commit()
// refuses.
void flush_recorded(detail::TableState& table, bool everything) {
  if (table.failed) {
    throw H5Error("table " + in_quotes(table.path) + " is unusable after a failed write",
                  table.file != nullptr ? table.file->path : "");
  }
  if (full_chunk(table)) {
    // settle() records its own failures, whichever table they are in.
    submit_chunk(table, everything ? 0 : detail::FileState::max_pending);
    return;
  }
  if (table.file != nullptr) settle(*table.file);
  try {
    write_buffered(table);
  } catch (const std::exception& error) {
    table.failed = true;
    if (table.file != nullptr) table.file->failures.emplace_back(error.what());
    throw;
  }
}

// Closes every table of the file without writing: after this their appends throw.
void detach_tables(detail::FileState& state) noexcept {
  state.pending.clear();  // the filter threads keep the chunks they hold alive
  for (detail::TableState* table : state.tables) {
    table->dataset.close();
    table->memory_type.close();
    table->file = nullptr;
  }
  state.tables.clear();
}

}  // namespace

void set_filter_threads(unsigned threads) { detail::FilterPool::instance().set_threads(threads); }

void configure_library() noexcept {
  H5dont_atexit();
  const char* verbose = std::getenv("CYBERDETER_HDF5_ERRORS");
  print_error_stacks = verbose != nullptr && std::string_view(verbose) == "1";
  if (!print_error_stacks) H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

// --- File ---------------------------------------------------------------------------

File::File(std::unique_ptr<detail::FileState> state) noexcept : state_(std::move(state)) {}
File::File(File&& other) noexcept = default;

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    abandon();
    state_ = std::move(other.state_);
  }
  return *this;
}

File::~File() { abandon(); }

// A close can fail when the disk is full. HDF5 1.10 then leaves a dangling file ID that
// crashes its exit handler (HDFGroup/hdf5#2257, fixed in 1.14): the error has been
// reported and the temporary file removed by then, so nothing unfinished is published.
void File::abandon() noexcept {
  if (!state_) return;
  const Quiet quiet;
  detach_tables(*state_);
  state_->file.close();
  if (!state_->committed && state_->writable) {
    std::error_code ignored;
    std::filesystem::remove(state_->working_path, ignored);
  }
  state_.reset();
}

// The state after every pending chunk is written, for any other use of the file's HDF5
// objects: HDF5 sees the same calls in the same order whatever the filter threads do.
detail::FileState& File::settled() const {
  detail::FileState& st = state();
  if (!st.pending.empty()) {
    const Quiet quiet;
    settle(st);
  }
  return st;
}

detail::FileState& File::state() const {
  if (!state_) throw H5Error("use of a moved-from h5::File", "");
  return *state_;
}

File File::create(const std::string& path) {
  const Quiet quiet;
  if (path.empty()) throw H5Error("cannot create a file with an empty name", path);
  auto state = std::make_unique<detail::FileState>();
  state->path = path;
  state->working_path = path + ".partial-" + std::to_string(::getpid());
  const Handle access = file_access_list(true, path);
  state->file = Handle(
      H5Fcreate(state->working_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
  check_id(state->file.get(), "cannot create " + state->working_path, path);
  state->writable = true;
  return File(std::move(state));
}

File File::open_read(const std::string& path) {
  const Quiet quiet;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw H5Error("cannot open for reading: no such file", path);
  }
  auto state = std::make_unique<detail::FileState>();
  state->path = path;
  state->working_path = path;
  const Handle access = file_access_list(false, path);
  state->file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
  check_id(state->file.get(), "cannot open for reading", path);
  return File(std::move(state));
}

void File::commit() {
  const Quiet quiet;
  detail::FileState& st = state();
  require_writable(st, "commit");
  for (detail::TableState* table : st.tables) {
    try {
      flush_recorded(*table, true);
    } catch (const std::exception&) {
      // Recorded in st.failures; reported below with any earlier failure.
    }
  }
  detach_tables(st);
  if (!st.failures.empty()) {
    std::string message = "cannot commit: a table failed to write";
    for (const std::string& failure : st.failures) message += "; " + failure;
    throw H5Error(message, st.path);
  }
  check_ok(st.file.close(), "cannot close " + st.working_path, st.path);
  sync_file(st.working_path, st.path);
  std::error_code error;
  std::filesystem::rename(st.working_path, st.path, error);
  if (error) {
    throw H5Error("cannot rename " + st.working_path + " to its final name: " + error.message(),
                  st.path);
  }
  sync_directory(std::filesystem::path(st.path).parent_path());
  st.committed = true;
  st.writable = false;
}

const std::string& File::path() const { return state().path; }

const std::string& File::working_path() const {
  const detail::FileState& st = state();
  return st.committed ? st.path : st.working_path;
}

bool File::writable() const { return state().writable; }

void File::create_group(std::string_view path) {
  const Quiet quiet;
  detail::FileState& st = settled();
  require_writable(st, "create group " + in_quotes(path));
  const std::string name(path);
  if (exists(path)) {
    const Handle group(H5Gopen2(st.file.get(), name.c_str(), H5P_DEFAULT), H5Gclose);
    check_id(group.get(), in_quotes(path) + " exists and is not a group", st.path);
    return;
  }
  const Handle links = link_create_list(st.path);
  const Handle creation = object_create_list(H5P_GROUP_CREATE, st.path);
  const Handle group(
      H5Gcreate2(st.file.get(), name.c_str(), links.get(), creation.get(), H5P_DEFAULT), H5Gclose);
  check_id(group.get(), "cannot create group " + in_quotes(path), st.path);
}

bool File::exists(std::string_view path) const {
  const Quiet quiet;
  const detail::FileState& st = settled();
  if (path.empty()) return false;
  // H5Lexists fails rather than answering when a parent is missing: walk down the path.
  std::size_t position = path.front() == '/' ? 1 : 0;
  while (position < path.size()) {
    std::size_t next = path.find('/', position);
    if (next == std::string_view::npos) next = path.size();
    if (next > position) {
      const std::string prefix(path.substr(0, next));
      if (H5Lexists(st.file.get(), prefix.c_str(), H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
      }
    }
    position = next + 1;
  }
  return true;
}

std::uint64_t File::row_count(std::string_view path) const {
  const Quiet quiet;
  const detail::FileState& st = settled();
  const Handle dataset = open_dataset(st, path);
  return Source{dataset.get(), false, "dataset " + in_quotes(path), st.path}.size();
}

void File::set_attribute(std::string_view object, std::string_view name, std::string_view value) {
  const Quiet quiet;
  detail::FileState& st = settled();
  require_writable(st, "write attribute " + in_quotes(name));
  const Handle target = open_object(st, object);
  write_string_attribute(target.get(), name, value, in_quotes(object), st.path);
}

void File::set_attribute(std::string_view object, std::string_view name, std::int64_t value) {
  const Quiet quiet;
  detail::FileState& st = settled();
  require_writable(st, "write attribute " + in_quotes(name));
  const Handle target = open_object(st, object);
  const Handle space = scalar_space(st.path);
  write_attribute(target.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, space.get(), &value,
                  in_quotes(object), st.path);
}

void File::set_attribute(std::string_view object, std::string_view name, std::uint64_t value) {
  const Quiet quiet;
  detail::FileState& st = settled();
  require_writable(st, "write attribute " + in_quotes(name));
  const Handle target = open_object(st, object);
  const Handle space = scalar_space(st.path);
  write_attribute(target.get(), name, H5T_STD_U64LE, H5T_NATIVE_UINT64, space.get(), &value,
                  in_quotes(object), st.path);
}

void File::set_attribute(std::string_view object, std::string_view name, double value) {
  const Quiet quiet;
  detail::FileState& st = settled();
  require_writable(st, "write attribute " + in_quotes(name));
  const Handle target = open_object(st, object);
  const Handle space = scalar_space(st.path);
  write_attribute(target.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), &value,
                  in_quotes(object), st.path);
}

void File::set_attribute(std::string_view object, std::string_view name,
                         std::span<const double> values) {
  const Quiet quiet;
  detail::FileState& st = settled();
  require_writable(st, "write attribute " + in_quotes(name));
  const Handle target = open_object(st, object);
  const Handle space = simple_space(values.size(), st.path);
  write_attribute(target.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), values.data(),
                  in_quotes(object), st.path);
}

void File::set_attribute(std::string_view object, std::string_view name,
                         std::span<const std::string> values) {
  const Quiet quiet;
  detail::FileState& st = settled();
  require_writable(st, "write attribute " + in_quotes(name));
  const Handle target = open_object(st, object);
  write_strings_attribute(target.get(), name, values, in_quotes(object), st.path);
}

bool File::has_attribute(std::string_view object, std::string_view name) const {
  const Quiet quiet;
  const detail::FileState& st = settled();
  const Handle target = open_object(st, object);
  const std::string attribute_name(name);
  const htri_t exists = H5Aexists(target.get(), attribute_name.c_str());
  check_ok(exists, "cannot look for attribute " + in_quotes(name) + " of " + in_quotes(object),
           st.path);
  return exists > 0;
}

namespace {

// An open attribute and the object that holds it, read through Source.
struct OpenAttribute {
  Handle object;
  Handle attribute;
  std::string what;
};

OpenAttribute open_attribute(const detail::FileState& state, std::string_view object,
                             std::string_view name) {
  OpenAttribute open{open_object(state, object), Handle(),
                     "attribute " + in_quotes(name) + " of " + in_quotes(object)};
  const std::string attribute_name(name);
  open.attribute =
      Handle(H5Aopen(open.object.get(), attribute_name.c_str(), H5P_DEFAULT), H5Aclose);
  check_id(open.attribute.get(), "cannot open " + open.what, state.path);
  return open;
}

}  // namespace

template <>
std::string File::read_attribute<std::string>(std::string_view object,
                                              std::string_view name) const {
  const Quiet quiet;
  const OpenAttribute open = open_attribute(settled(), object, name);
  const Source source{open.attribute.get(), true, open.what, settled().path};
  return single(read_strings(source), source);
}

template <>
std::int64_t File::read_attribute<std::int64_t>(std::string_view object,
                                                std::string_view name) const {
  const Quiet quiet;
  const OpenAttribute open = open_attribute(settled(), object, name);
  const Source source{open.attribute.get(), true, open.what, settled().path};
  return single(read_numbers<std::int64_t>(source, H5T_NATIVE_INT64, true), source);
}

template <>
std::uint64_t File::read_attribute<std::uint64_t>(std::string_view object,
                                                  std::string_view name) const {
  const Quiet quiet;
  const OpenAttribute open = open_attribute(settled(), object, name);
  const Source source{open.attribute.get(), true, open.what, settled().path};
  return single(read_numbers<std::uint64_t>(source, H5T_NATIVE_UINT64, true), source);
}

template <>
double File::read_attribute<double>(std::string_view object, std::string_view name) const {
  const Quiet quiet;
  const OpenAttribute open = open_attribute(settled(), object, name);
  const Source source{open.attribute.get(), true, open.what, settled().path};
  return single(read_numbers<double>(source, H5T_NATIVE_DOUBLE, false), source);
}

template <>
std::vector<double> File::read_attribute<std::vector<double>>(std::string_view object,
                                                              std::string_view name) const {
  const Quiet quiet;
  const OpenAttribute open = open_attribute(settled(), object, name);
  const Source source{open.attribute.get(), true, open.what, settled().path};
  return read_numbers<double>(source, H5T_NATIVE_DOUBLE, false);
}

template <>
std::vector<std::string> File::read_attribute<std::vector<std::string>>(
    std::string_view object, std::string_view name) const {
  const Quiet quiet;
  const OpenAttribute open = open_attribute(settled(), object, name);
  const Source source{open.attribute.get(), true, open.what, settled().path};
  return read_strings(source);
}

void File::write_text(std::string_view path, std::string_view text, std::string_view description) {
  const Quiet quiet;
  detail::FileState& st = settled();
  const Handle space = scalar_space(st.path);
  const std::string value(text);
  write_strings_dataset(st, path, space.get(), std::span<const std::string>(&value, 1),
                        description);
}

void File::write_dataset(std::string_view path, std::span<const std::string> values,
                         std::string_view description) {
  const Quiet quiet;
  detail::FileState& st = settled();
  const Handle space = simple_space(values.size(), st.path);
  write_strings_dataset(st, path, space.get(), values, description);
}

void File::write_dataset(std::string_view path, std::span<const double> values,
                         std::string_view unit, std::string_view description) {
  const Quiet quiet;
  write_numbers_dataset(settled(), path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.size(),
                        values.data(), unit, description);
}

void File::write_dataset(std::string_view path, std::span<const std::int64_t> values,
                         std::string_view unit, std::string_view description) {
  const Quiet quiet;
  write_numbers_dataset(settled(), path, H5T_STD_I64LE, H5T_NATIVE_INT64, values.size(),
                        values.data(), unit, description);
}

template <>
std::string File::read_dataset<std::string>(std::string_view path) const {
  const Quiet quiet;
  const Handle dataset = open_dataset(settled(), path);
  const Source source{dataset.get(), false, "dataset " + in_quotes(path), settled().path};
  return single(read_strings(source), source);
}

template <>
std::vector<std::string> File::read_dataset<std::vector<std::string>>(std::string_view path) const {
  const Quiet quiet;
  const Handle dataset = open_dataset(settled(), path);
  return read_strings(Source{dataset.get(), false, "dataset " + in_quotes(path), settled().path});
}

template <>
std::vector<double> File::read_dataset<std::vector<double>>(std::string_view path) const {
  const Quiet quiet;
  const Handle dataset = open_dataset(settled(), path);
  return read_numbers<double>(
      Source{dataset.get(), false, "dataset " + in_quotes(path), settled().path}, H5T_NATIVE_DOUBLE,
      false);
}

template <>
std::vector<std::int64_t> File::read_dataset<std::vector<std::int64_t>>(
    std::string_view path) const {
  const Quiet quiet;
  const Handle dataset = open_dataset(settled(), path);
  return read_numbers<std::int64_t>(
      Source{dataset.get(), false, "dataset " + in_quotes(path), settled().path}, H5T_NATIVE_INT64,
      true);
}

// --- Tables -------------------------------------------------------------------------

namespace detail {

void add_column(RowLayout& layout, Column column) {
  if (column.name.empty()) throw std::invalid_argument("a table column needs a name");
  for (const Column& existing : layout.columns) {
    if (existing.name == column.name) {
      throw std::invalid_argument("table column " + in_quotes(column.name) + " is added twice");
    }
  }
  if (column.offset + column.size > layout.row_size) {
    throw std::invalid_argument("table column " + in_quotes(column.name) + " lies outside the row");
  }
  layout.columns.push_back(std::move(column));
}

namespace {

// How the filter threads pack and filter this table's chunks, or null when only HDF5 can:
// on a big-endian host, or when a column's type in memory differs from its type in the
// file, H5Dwrite converts the values, and its bytes are HDF5's to make.
std::shared_ptr<const ChunkFormat> chunk_format(const RowLayout& layout,
                                                const TableOptions& options, std::size_t stored_row,
                                                const std::string& path) {
  if (!options.parallel_filters || std::endian::native != std::endian::little) return nullptr;
  auto format = std::make_shared<ChunkFormat>();
  for (const Column& column : layout.columns) {
    const Handle memory = h5::column_type(column, false, path);
    const Handle stored = h5::column_type(column, true, path);
    if (H5Tequal(memory.get(), stored.get()) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return nullptr;
    }
    format->fields.push_back({column.offset, H5Tget_size(stored.get())});
  }
  format->row_size = layout.row_size;
  format->stored_row = stored_row;
  format->chunk_rows = options.chunk_rows;
  format->compression_level = options.compression_level;
  return format;
}

}  // namespace

std::uint64_t chunks_written_directly() noexcept {
  return direct_chunks.load(std::memory_order_relaxed);
}

TableWriter::TableWriter(File& file, std::string_view path, const RowLayout& layout,
                         const TableOptions& options) {
  const Quiet quiet;
  FileState& st = file.settled();
  require_writable(st, "create table " + in_quotes(path));
  if (layout.columns.empty()) {
    throw std::invalid_argument("table " + in_quotes(path) + " has no columns");
  }
  if (options.chunk_rows == 0) {
    throw std::invalid_argument("table " + in_quotes(path) + ": chunk_rows must be at least 1");
  }
  if (options.compression_level < 0 || options.compression_level > 9) {
    throw std::invalid_argument("table " + in_quotes(path) + ": compression_level must be 0..9");
  }
  auto table = std::make_unique<TableState>();
  table->path = std::string(path);
  table->row_size = layout.row_size;
  table->chunk_rows = options.chunk_rows;
  table->memory_type = compound_type(layout, false, st.path);
  const Handle file_type = compound_type(layout, true, st.path);
  // HDF5 limits a chunk to 4 GiB.
  const std::size_t stored_row = H5Tget_size(file_type.get());
  if (options.chunk_rows > std::numeric_limits<std::uint32_t>::max() / stored_row) {
    throw std::invalid_argument("table " + in_quotes(path) + ": chunks over 4 GiB");
  }

  const hsize_t empty = 0;
  const hsize_t unlimited = H5S_UNLIMITED;
  const Handle space(H5Screate_simple(1, &empty, &unlimited), H5Sclose);
  check_id(space.get(), "cannot create a dataspace", st.path);
  const Handle creation = object_create_list(H5P_DATASET_CREATE, st.path);
  const hsize_t chunk = options.chunk_rows;
  const std::string failed = "cannot create table " + in_quotes(path);
  check_ok(H5Pset_chunk(creation.get(), 1, &chunk), failed, st.path);
  if (options.compression_level > 0) {
    check_ok(H5Pset_shuffle(creation.get()), failed, st.path);
    check_ok(H5Pset_deflate(creation.get(), static_cast<unsigned>(options.compression_level)),
             failed, st.path);
  }
  // A checksum of every stored chunk, compressed or not, so that a flipped byte is found
  // when the chunk is read (by merge, --resume or analysis), not merged silently.
  check_ok(H5Pset_fletcher32(creation.get()), failed, st.path);
  const Handle links = link_create_list(st.path);
  table->dataset = Handle(H5Dcreate2(st.file.get(), table->path.c_str(), file_type.get(),
                                     space.get(), links.get(), creation.get(), H5P_DEFAULT),
                          H5Dclose);
  check_id(table->dataset.get(), failed, st.path);
  try {
    write_table_attributes(table->dataset.get(), layout, table->path, st.path);
  } catch (...) {
    table->dataset.close();
    H5Ldelete(st.file.get(), table->path.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    throw;
  }
  table->buffer.resize(options.chunk_rows * layout.row_size);
  table->format = chunk_format(layout, options, stored_row, st.path);
  st.tables.push_back(table.get());
  table->file = &st;
  state_ = std::move(table);
}

TableWriter::TableWriter(TableWriter&& other) noexcept = default;

// Flushes and unregisters a table; never throws (a failure is recorded in its file).
static void finish(std::unique_ptr<TableState>& table) noexcept {
  if (!table || table->file == nullptr) return;
  const Quiet quiet;
  try {
    flush_recorded(*table, true);
  } catch (...) {
    // Recorded by flush_recorded when it could be; File::commit() reports it.
  }
  // After a failure, chunks of the table may still wait: they go with it.
  std::erase_if(table->file->pending,
                [&](const PendingChunk& chunk) { return chunk.table == table.get(); });
  std::erase(table->file->tables, table.get());
  table->file = nullptr;
}

TableWriter& TableWriter::operator=(TableWriter&& other) noexcept {
  if (this != &other) {
    finish(state_);
    state_ = std::move(other.state_);
  }
  return *this;
}

TableWriter::~TableWriter() { finish(state_); }

void TableWriter::append(const std::byte* rows, std::size_t count) {
  if (count == 0) return;
  if (!state_ || state_->file == nullptr) {
    throw H5Error(
        "cannot append to table " + in_quotes(path()) + ": its file is already committed or closed",
        "");
  }
  const Quiet quiet;
  TableState& table = *state_;
  if (table.failed) {
    throw H5Error("table " + in_quotes(table.path) + " is unusable after a failed write",
                  table.file->path);
  }
  while (count > 0) {
    // Fill up to the next chunk boundary of the dataset, so that whole chunks are written.
    const std::size_t boundary =
        table.chunk_rows - static_cast<std::size_t>(table.written % table.chunk_rows);
    const std::size_t taken = std::min(boundary - table.buffered, count);
    std::memcpy(table.buffer.data() + table.buffered * table.row_size, rows,
                taken * table.row_size);
    table.buffered += taken;
    rows += taken * table.row_size;
    count -= taken;
    if (table.buffered == boundary) flush_recorded(table, false);
  }
}

void TableWriter::flush() {
  if (!state_) return;
  const Quiet quiet;
  flush_recorded(*state_, true);
}

std::uint64_t TableWriter::rows() const noexcept {
  return state_ ? state_->written + state_->buffered : 0;
}

const std::string& TableWriter::path() const noexcept {
  static const std::string none;
  return state_ ? state_->path : none;
}

void read_rows(const File& file, std::string_view path, const RowLayout& layout,
               std::uint64_t first, std::uint64_t count, void* out) {
  const Quiet quiet;
  const FileState& st = file.settled();
  const std::string table = in_quotes(path);
  const Handle dataset = open_dataset(st, path);
  const Handle stored(H5Dget_type(dataset.get()), H5Tclose);
  check_id(stored.get(), "cannot read the type of table " + table, st.path);
  if (H5Tget_class(stored.get()) != H5T_COMPOUND) {
    throw H5Error(table + " is not a table (a dataset of a compound type)", st.path);
  }
  for (const Column& column : layout.columns) {
    const int index = H5Tget_member_index(stored.get(), column.name.c_str());
    if (index < 0) {
      H5Eclear2(H5E_DEFAULT);
      throw H5Error(
          "table " + table + " has no field " + in_quotes(column.name) + " that the schema expects",
          st.path);
    }
    const H5T_class_t stored_class =
        H5Tget_member_class(stored.get(), static_cast<unsigned>(index));
    if (stored_class != expected_class(column.type)) {
      throw H5Error("field " + in_quotes(column.name) + " of table " + table + " holds " +
                        class_name(stored_class) + " values; the schema expects " +
                        class_name(expected_class(column.type)),
                    st.path);
    }
  }
  const std::uint64_t size = Source{dataset.get(), false, "table " + table, st.path}.size();
  if (first > size || count > size - first) {
    throw H5Error("cannot read rows " + std::to_string(first) + " to " +
                      std::to_string(first + count) + " of table " + table + ": it has " +
                      std::to_string(size) + " rows",
                  st.path);
  }
  if (count == 0) return;
  const Handle memory_type = compound_type(layout, false, st.path);
  const std::string failed = "cannot read table " + table;
  const Handle file_space(H5Dget_space(dataset.get()), H5Sclose);
  check_id(file_space.get(), failed, st.path);
  const hsize_t start = first;
  const hsize_t rows = count;
  check_ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &rows, nullptr),
           failed, st.path);
  const Handle memory_space = simple_space(rows, st.path);
  check_ok(H5Dread(dataset.get(), memory_type.get(), memory_space.get(), file_space.get(),
                   H5P_DEFAULT, out),
           failed, st.path);
}

}  // namespace detail

// --- Provenance ---------------------------------------------------------------------

void write_provenance(File& file, const Provenance& provenance) {
  file.set_attribute("/", "program", provenance.program);
  file.set_attribute("/", "program_version", provenance.program_version);
  file.set_attribute("/", "git_revision", provenance.git_revision);
  file.set_attribute("/", "command_line", provenance.command_line);
  file.set_attribute("/", "created_utc",
                     provenance.created_utc.empty() ? iso8601_utc_now() : provenance.created_utc);
  file.set_attribute("/", "schema_version", provenance.schema_version);
}

Provenance read_provenance(const File& file) {
  const auto text = [&file](std::string_view name) {
    return file.read_attribute<std::string>("/", name);
  };
  return Provenance{text("program"),      text("program_version"), text("git_revision"),
                    text("command_line"), text("created_utc"),     text("schema_version")};
}

std::string iso8601_utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return {text.data(), length};
}

}  // namespace cyberdeter::sim::h5
