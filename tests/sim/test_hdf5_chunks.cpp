// Chunks filtered on the filter threads and stored with H5Dwrite_chunk must hold what
// HDF5's own pipeline stores through H5Dwrite (shuffle, deflate, Fletcher32), for every
// compression level and row type: the same bytes without compression, and with it the same
// shuffled bytes in a zlib stream (ISA-L's or libdeflate's, not zlib's) that zlib inflates. A file
// must not depend on the number of threads.
#include <hdf5.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "cyberdeter/sim/hdf5.hpp"

namespace fs = std::filesystem;
namespace h5 = cyberdeter::sim::h5;

namespace {

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("cyberdeter-test-chunks-" + std::to_string(::getpid()) +
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

// Every column type, with padding between members in memory.
struct Wide {
  std::int8_t i8 = 0;
  std::int16_t i16 = 0;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  std::uint8_t u8 = 0;
  std::uint16_t u16 = 0;
  std::uint32_t u32 = 0;
  std::uint64_t u64 = 0;
  float f32 = 0;
  double f64 = 0;
  bool flag = false;
  std::array<char, 13> name{};
};

// One byte a row: shuffle leaves one-byte elements alone.
struct Tiny {
  std::uint8_t code = 0;
};

// Random bits: deflate makes them longer. In 100-row chunks zlib's and igzip's (level 1)
// streams still fit the buffer HDF5 gives deflate, libdeflate's (levels 2 to 9) do not:
// the chunk is then stored undeflated.
struct Noise {
  double x = 0;
  std::uint64_t bits = 0;
};

h5::TableSchema<Wide> wide_schema() {
  h5::TableSchema<Wide> schema("every type");
  schema.add("i8", &Wide::i8, "1", "")
      .add("i16", &Wide::i16, "1", "")
      .add("i32", &Wide::i32, "1", "")
      .add("i64", &Wide::i64, "1", "")
      .add("u8", &Wide::u8, "1", "")
      .add("u16", &Wide::u16, "1", "")
      .add("u32", &Wide::u32, "1", "")
      .add("u64", &Wide::u64, "1", "")
      .add("f32", &Wide::f32, "1", "")
      .add("f64", &Wide::f64, "1", "")
      .add("flag", &Wide::flag, "1", "")
      .add("name", &Wide::name, "", "");
  return schema;
}

h5::TableSchema<Tiny> tiny_schema() {
  h5::TableSchema<Tiny> schema("one byte");
  schema.add("code", &Tiny::code, "1", "");
  return schema;
}

h5::TableSchema<Noise> noise_schema() {
  h5::TableSchema<Noise> schema("random bits");
  schema.add("x", &Noise::x, "1", "").add("bits", &Noise::bits, "1", "");
  return schema;
}

// Rows that compress somewhat, as simulation output does: small counters, repeated names.
// Names carry bytes after their NUL, and some fill the field with no NUL at all.
std::vector<Wide> wide_rows(std::size_t count) {
  std::mt19937_64 random(7);
  std::vector<Wide> rows(count);
  const std::array<const char*, 4> names{"Japan", "China", "North Korea", "a-name-too-long"};
  for (std::size_t i = 0; i < count; ++i) {
    Wide& r = rows[i];
    r.i8 = static_cast<std::int8_t>(random() % 7);
    r.i16 = static_cast<std::int16_t>(i % 300) - 150;
    r.i32 = static_cast<std::int32_t>(i * 3);
    r.i64 = static_cast<std::int64_t>(i) - 1000;
    r.u8 = static_cast<std::uint8_t>(random() % 3);
    r.u16 = static_cast<std::uint16_t>(i % 60000);
    r.u32 = static_cast<std::uint32_t>(random() % 100000);
    r.u64 = random();
    r.f32 = static_cast<float>(i) * 0.25f;
    r.f64 = static_cast<double>(random() % 1000) / 7.0;
    r.flag = random() % 2 == 0;
    std::memset(r.name.data(), 'x', r.name.size());  // junk past the NUL
    const std::string name = names[random() % names.size()];
    std::memcpy(r.name.data(), name.data(), std::min(name.size(), r.name.size()));
    if (name.size() < r.name.size()) r.name[name.size()] = '\0';
  }
  return rows;
}

std::vector<Tiny> tiny_rows(std::size_t count) {
  std::mt19937_64 random(11);
  std::vector<Tiny> rows(count);
  for (Tiny& r : rows) r.code = static_cast<std::uint8_t>(random() % 5);
  return rows;
}

std::vector<Noise> noise_rows(std::size_t count) {
  std::mt19937_64 random(13);
  std::vector<Noise> rows(count);
  for (Noise& r : rows) {
    r.bits = random();
    std::uint64_t bits = random();
    std::memcpy(&r.x, &bits, sizeof bits);
  }
  return rows;
}

constexpr std::size_t chunk_rows = 100;

// Writes `rows` as table /t, and the first half again as /u interleaved with it, in pieces
// that make full aligned chunks, a flush in the middle of a chunk (the rest of that chunk
// then goes through H5Dwrite) and a partial last chunk.
template <class Row>
void write_file(const std::string& path, const h5::TableSchema<Row>& schema,
                const std::vector<Row>& rows, int level, bool parallel) {
  auto file = h5::File::create(path);
  const h5::TableOptions options{chunk_rows, level, parallel};
  auto t = file.create_table("/t", schema, options);
  auto u = file.create_table("/g/u", schema, options);
  const std::span<const Row> all(rows);
  const std::array<std::size_t, 6> pieces{250, 37, 13, 300, 1, 99};
  std::size_t at = 0;
  for (std::size_t i = 0; at < rows.size(); ++i) {
    const std::size_t n = std::min(pieces[i % pieces.size()], rows.size() - at);
    t.append(all.subspan(at, n));
    if (at < rows.size() / 2) u.append(all.subspan(at, std::min(n, rows.size() / 2 - at)));
    if (i == 1) {
      t.flush();
      file.set_attribute("/t", "flushed_at", static_cast<std::int64_t>(t.size()));
    }
    at += n;
  }
  file.commit();
}

struct StoredChunk {
  hsize_t offset = 0;
  unsigned filter_mask = 0;
  std::vector<unsigned char> bytes;
};

struct Stored {
  std::vector<unsigned char> values;  // the rows in the file's own (packed) type
  std::vector<StoredChunk> chunks;
};

// What HDF5 stored for `dataset`: its values, and every chunk's raw bytes (H5Dread_chunk).
Stored stored(const std::string& path, const char* dataset) {
  Stored out;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t set = H5Dopen2(file, dataset, H5P_DEFAULT);
  REQUIRE(set >= 0);
  const hid_t type = H5Dget_type(set);
  const hid_t space = H5Dget_space(set);
  hsize_t rows = 0;
  REQUIRE(H5Sget_simple_extent_dims(space, &rows, nullptr) == 1);
  out.values.resize(rows * H5Tget_size(type));
  REQUIRE(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) >= 0);
  hsize_t count = 0;
  REQUIRE(H5Dget_num_chunks(set, space, &count) >= 0);
  for (hsize_t i = 0; i < count; ++i) {
    StoredChunk chunk;
    haddr_t address = 0;
    hsize_t size = 0;
    REQUIRE(H5Dget_chunk_info(set, space, i, &chunk.offset, &chunk.filter_mask, &address, &size) >=
            0);
    chunk.bytes.resize(size);
    std::uint32_t filters = 0;
    REQUIRE(H5Dread_chunk(set, H5P_DEFAULT, &chunk.offset, &filters, chunk.bytes.data()) >= 0);
    CHECK(filters == chunk.filter_mask);
    out.chunks.push_back(std::move(chunk));
  }
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(set);
  H5Fclose(file);
  return out;
}

// A stored chunk without its filters but the shuffle: the Fletcher32 sum dropped (HDF5
// checked it when reading the values), inflated by zlib unless deflate was skipped.
std::vector<unsigned char> shuffled_bytes(const StoredChunk& chunk, int level,
                                          std::size_t raw_size) {
  REQUIRE(chunk.bytes.size() >= 4);
  std::vector<unsigned char> body(chunk.bytes.begin(), chunk.bytes.end() - 4);
  if (level == 0 || (chunk.filter_mask & 2u) != 0) return body;
  std::vector<unsigned char> raw(raw_size);
  uLongf length = raw.size();
  REQUIRE(uncompress(raw.data(), &length, body.data(), body.size()) == Z_OK);
  REQUIRE(length == raw_size);
  return raw;
}

// `direct` holds what `pipeline` does: the same values, chunks at the same places, and in
// each chunk the same bytes before deflate. Uncompressed chunks, and chunks HDF5 wrote in
// both files (partial ones), are the same bytes. Returns the chunks whose deflate the
// direct path skipped.
std::size_t require_same(const Stored& direct, const Stored& pipeline, int level,
                         std::size_t raw_size) {
  REQUIRE(direct.values == pipeline.values);
  REQUIRE(direct.chunks.size() == pipeline.chunks.size());
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < direct.chunks.size(); ++i) {
    INFO("chunk " << i);
    const StoredChunk& ours = direct.chunks[i];
    const StoredChunk& theirs = pipeline.chunks[i];
    CHECK(ours.offset == theirs.offset);
    CHECK(theirs.filter_mask == 0);
    if (level == 0) {
      CHECK(ours.filter_mask == 0);
      CHECK(ours.bytes == theirs.bytes);
      continue;
    }
    // Only deflate may be skipped (bit 1: shuffle, deflate, Fletcher32).
    CHECK((ours.filter_mask == 0 || ours.filter_mask == 2u));
    if (ours.filter_mask != 0) ++skipped;
    CHECK(shuffled_bytes(ours, level, raw_size) == shuffled_bytes(theirs, level, raw_size));
  }
  return skipped;
}

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Checks every level; returns per level the direct chunks whose deflate was skipped.
template <class Row>
std::vector<std::size_t> check_both_paths(const h5::TableSchema<Row>& schema,
                                          const std::vector<Row>& rows) {
  std::vector<std::size_t> skipped;
  for (const int level : {0, 1, 6, 9}) {
    INFO("compression level " << level);
    const TempDir dir;
    const std::uint64_t before = h5::detail::chunks_written_directly();
    write_file(dir.file("direct.h5"), schema, rows, level, true);
    const std::uint64_t direct_chunks = h5::detail::chunks_written_directly() - before;
    write_file(dir.file("pipeline.h5"), schema, rows, level, false);
    REQUIRE(h5::detail::chunks_written_directly() - before == direct_chunks);
    // /t: rows 0..250 in 2 chunks, then the flush; from row 300 on every full chunk; /u
    // half of them, all aligned.
    const std::size_t expected =
        2 + (rows.size() - 300) / chunk_rows + rows.size() / 2 / chunk_rows;
    CHECK(direct_chunks == expected);
    const Stored t = stored(dir.file("direct.h5"), "/t");
    const std::size_t raw_size = chunk_rows * t.values.size() / rows.size();
    skipped.push_back(require_same(t, stored(dir.file("pipeline.h5"), "/t"), level, raw_size) +
                      require_same(stored(dir.file("direct.h5"), "/g/u"),
                                   stored(dir.file("pipeline.h5"), "/g/u"), level, raw_size));
    // The rows read back through the library are the rows written.
    const auto file = h5::File::open_read(dir.file("direct.h5"));
    const std::vector<Row> back = h5::read_table(file, "/t", schema);
    REQUIRE(back.size() == rows.size());
  }
  return skipped;
}

}  // namespace

TEST_CASE("chunks filtered off the HDF5 thread hold what HDF5 stores", "[hdf5][chunks]") {
  const std::vector<std::size_t> none{0, 0, 0, 0};
  SECTION("every column type") { CHECK(check_both_paths(wide_schema(), wide_rows(1234)) == none); }
  SECTION("one-byte rows") { CHECK(check_both_paths(tiny_schema(), tiny_rows(1017)) == none); }
  SECTION("incompressible rows") {
    // Every direct chunk of /t and /u (8 + 4) is stored undeflated at levels 6 and 9.
    CHECK(check_both_paths(noise_schema(), noise_rows(905)) ==
          std::vector<std::size_t>{0, 0, 12, 12});
  }
}

TEST_CASE("the values of directly written chunks read back", "[hdf5][chunks]") {
  const TempDir dir;
  const std::vector<Wide> rows = wide_rows(1234);
  write_file(dir.file("t.h5"), wide_schema(), rows, 6, true);
  const auto file = h5::File::open_read(dir.file("t.h5"));
  const std::vector<Wide> back = h5::read_table(file, "/t", wide_schema());
  REQUIRE(back.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    CHECK(back[i].i64 == rows[i].i64);
    CHECK(back[i].u64 == rows[i].u64);
    CHECK(back[i].f64 == rows[i].f64);
    CHECK(back[i].flag == rows[i].flag);
    CHECK(std::string(h5::from_fixed(back[i].name)) == std::string(h5::from_fixed(rows[i].name)));
  }
}

TEST_CASE("a file does not depend on the number of filter threads", "[hdf5][chunks]") {
  const TempDir dir;
  const std::vector<Wide> rows = wide_rows(5000);
  std::vector<std::vector<char>> files;
  for (const unsigned threads : {0u, 1u, 3u}) {
    h5::set_filter_threads(threads);
    const std::string path = dir.file("t" + std::to_string(threads) + ".h5");
    write_file(path, wide_schema(), rows, 1, true);
    files.push_back(bytes_of(path));
  }
  h5::set_filter_threads(2);
  REQUIRE(files[0].size() > 10000);
  CHECK(files[1] == files[0]);
  CHECK(files[2] == files[0]);
}

namespace {

// Flips the middle byte of chunk 0 of /t, written directly (see write_file), and checks
// that reading it fails HDF5's Fletcher32 check while the next chunk still reads.
template <class Row>
void check_flipped_byte(const h5::TableSchema<Row>& schema, const std::vector<Row>& rows, int level,
                        unsigned expected_mask) {
  const TempDir dir;
  const std::string path = dir.file("t.h5");
  const std::uint64_t before = h5::detail::chunks_written_directly();
  write_file(path, schema, rows, level, true);
  REQUIRE(h5::detail::chunks_written_directly() > before);
  {
    const auto file = h5::File::open_read(path);
    REQUIRE(h5::read_table(file, "/t", schema).size() == rows.size());
  }
  const Stored before_flip = stored(path, "/t");
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(file, "/t", H5P_DEFAULT);
  const hsize_t offset = 0;
  unsigned mask = 0;
  haddr_t address = 0;
  hsize_t size = 0;
  REQUIRE(H5Dget_chunk_info_by_coord(set, &offset, &mask, &address, &size) >= 0);
  H5Dclose(set);
  H5Fclose(file);
  REQUIRE(mask == expected_mask);
  REQUIRE(size == before_flip.chunks[0].bytes.size());
  {
    std::fstream raw(path, std::ios::in | std::ios::out | std::ios::binary);
    raw.seekg(static_cast<std::streamoff>(address + size / 2));
    char byte = 0;
    raw.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    raw.seekp(static_cast<std::streamoff>(address + size / 2));
    raw.write(&byte, 1);
  }
  const auto damaged = h5::File::open_read(path);
  REQUIRE_THROWS_WITH(h5::read_table(damaged, "/t", schema, 0, 10), Catch::Contains("Fletcher32"));
  // Chunks past the damaged one still read.
  REQUIRE(h5::read_table(damaged, "/t", schema, 100, 100).size() == 100);
}

}  // namespace

TEST_CASE("HDF5 checks the Fletcher32 sum of a directly written chunk", "[hdf5][chunks]") {
  SECTION("uncompressed") { check_flipped_byte(tiny_schema(), tiny_rows(1017), 0, 0); }
  SECTION("deflated by igzip") { check_flipped_byte(tiny_schema(), tiny_rows(1017), 1, 0); }
  SECTION("deflated by libdeflate") { check_flipped_byte(tiny_schema(), tiny_rows(1017), 6, 0); }
  SECTION("deflate skipped") { check_flipped_byte(noise_schema(), noise_rows(905), 6, 2); }
}
