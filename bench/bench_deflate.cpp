// Deflating real table chunks: zlib's compress2 against libdeflate's and ISA-L's (igzip)
// zlib-format compressors, at several levels, on the shuffled bytes of every full chunk of a table
// in a file written by cyberdeter (e.g. /incidents of `run --incidents`). Reports the speed (bytes
// of shuffled input per second) and the compressed size as a fraction of the input.
//
// Usage: bench_deflate FILE.h5 [TABLE] [benchmark flags]   (TABLE: /incidents by default)
// The chunks are read raw (H5Dread_chunk), their Fletcher32 sum dropped and inflated by
// zlib: the input is exactly what the deflate step of the writer sees.

#include <hdf5.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::vector<std::vector<unsigned char>> chunks;  // shuffled bytes of each full chunk

bool load(const char* path, const char* table) {
  const hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return false;
  const hid_t set = H5Dopen2(file, table, H5P_DEFAULT);
  if (set < 0) return false;
  const hid_t space = H5Dget_space(set);
  const hid_t type = H5Dget_type(set);
  const hid_t creation = H5Dget_create_plist(set);
  hsize_t chunk_rows = 0;
  H5Pget_chunk(creation, 1, &chunk_rows);
  const std::size_t raw_size = chunk_rows * H5Tget_size(type);
  hsize_t count = 0;
  H5Dget_num_chunks(set, space, &count);
  for (hsize_t i = 0; i < count; ++i) {
    hsize_t offset = 0;
    unsigned mask = 0;
    haddr_t address = 0;
    hsize_t size = 0;
    H5Dget_chunk_info(set, space, i, &offset, &mask, &address, &size);
    if (mask != 0 || size < 4) continue;
    std::vector<unsigned char> stored(size);
    std::uint32_t filters = 0;
    if (H5Dread_chunk(set, H5P_DEFAULT, &offset, &filters, stored.data()) < 0) continue;
    std::vector<unsigned char> raw(raw_size);
    uLongf length = raw.size();
    if (uncompress(raw.data(), &length, stored.data(), size - 4) != Z_OK) continue;
    if (length != raw_size) continue;  // the partial last chunk
    chunks.push_back(std::move(raw));
  }
  H5Pclose(creation);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  return !chunks.empty();
}

std::size_t total_input() {
  std::size_t total = 0;
  for (const auto& c : chunks) total += c.size();
  return total;
}

void BM_Deflate_zlib(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  std::vector<unsigned char> out(compressBound(chunks.front().size()));
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    for (const auto& c : chunks) {
      uLongf length = out.size();
      compress2(out.data(), &length, c.data(), c.size(), level);
      compressed += length;
    }
    benchmark::DoNotOptimize(compressed);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_input()));
  state.counters["size"] = static_cast<double>(compressed) / static_cast<double>(total_input());
}

void BM_Deflate_libdeflate(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(level);
  std::vector<unsigned char> out(libdeflate_zlib_compress_bound(compressor, chunks.front().size()));
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    for (const auto& c : chunks) {
      compressed +=
          libdeflate_zlib_compress(compressor, c.data(), c.size(), out.data(), out.size());
    }
    benchmark::DoNotOptimize(compressed);
  }
  libdeflate_free_compressor(compressor);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_input()));
  state.counters["size"] = static_cast<double>(compressed) / static_cast<double>(total_input());
}

void BM_Deflate_isal(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  const std::uint32_t sizes[] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
                                 ISAL_DEF_LVL3_DEFAULT};
  std::vector<std::uint8_t> level_buffer(sizes[level]);
  std::vector<unsigned char> out(2 * chunks.front().size() + 1024);
  isal_zstream stream;
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    for (const auto& c : chunks) {
      isal_deflate_stateless_init(&stream);
      stream.end_of_stream = 1;
      stream.flush = NO_FLUSH;
      stream.gzip_flag = IGZIP_ZLIB;
      stream.level = static_cast<std::uint32_t>(level);
      stream.level_buf = level_buffer.data();
      stream.level_buf_size = sizes[level];
      stream.next_in = const_cast<std::uint8_t*>(c.data());
      stream.avail_in = static_cast<std::uint32_t>(c.size());
      stream.next_out = out.data();
      stream.avail_out = static_cast<std::uint32_t>(out.size());
      isal_deflate_stateless(&stream);
      compressed += stream.total_out;
    }
    benchmark::DoNotOptimize(compressed);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_input()));
  state.counters["size"] = static_cast<double>(compressed) / static_cast<double>(total_input());
}

}  // namespace

BENCHMARK(BM_Deflate_zlib)->DenseRange(1, 3)->Arg(6)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Deflate_libdeflate)->DenseRange(1, 6)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Deflate_isal)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: %s FILE.h5 [TABLE] [benchmark flags]\n", argv[0]);
    return 2;
  }
  const char* path = argv[1];
  const char* table = "/incidents";
  int skip = 1;
  if (argc > 2 && argv[2][0] == '/') {
    table = argv[2];
    skip = 2;
  }
  if (!load(path, table)) {
    std::fprintf(stderr, "%s: no full deflated chunk in %s of %s\n", argv[0], table, path);
    return 1;
  }
  std::fprintf(stderr, "%zu chunks of %zu bytes from %s %s\n", chunks.size(), chunks.front().size(),
               path, table);
  argv[skip] = argv[0];
  argc -= skip;
  argv += skip;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
