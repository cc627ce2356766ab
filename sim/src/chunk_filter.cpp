#include "chunk_filter.hpp"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <pthread.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

namespace cyberdeter::sim::h5::detail {

namespace {

// HDF5's Fletcher32 folds its two 32-bit sums every 360 words ((x & 0xffff) + (x >> 16)),
// which keeps each sum congruent modulo 65535 to the exact sum, never makes a positive sum
// 0, and (as the bound of 360 guarantees) never overflows. After the last fold each sum is
// therefore the one value in [1, 65535] congruent to the exact sum, or 0 if that is 0. So
// the checksum follows from the exact sums S1 = sum of the words and S2 = sum of their
// running sums, which can be added up in any order: here eight words at a time.
std::uint32_t fletcher_fold(std::uint64_t sum) noexcept {
  return sum == 0 ? 0 : static_cast<std::uint32_t>((sum - 1) % 65535 + 1);
}

}  // namespace

std::uint32_t fletcher32(const std::byte* data, std::size_t size) noexcept {
  // H5_checksum_fletcher32: big-endian 16-bit words; a trailing odd byte is the high byte
  // of a last word. s1 and s2 are the exact sums reduced modulo 65535, `any` whether a
  // word was not 0 (then neither sum is 0).
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  std::uint64_t s1 = 0;
  std::uint64_t s2 = 0;
  std::uint64_t any = 0;
  std::size_t words = size / 2;
#if defined(__SSE2__)
  // Groups of 8 words in 8 lanes: for a block of n groups a lane sums its words (a) and
  // its running sums (c), so that the sum of (n - j) w_j over the block's words j is
  // 8 sum(c) - sum(lane * a). With 256 groups every lane stays below 2^32.
  constexpr std::size_t block_groups = 256;
  const __m128i zero = _mm_setzero_si128();
  while (words >= 8) {
    const std::size_t groups = std::min(words / 8, block_groups);
    __m128i a_lo = zero, a_hi = zero, c_lo = zero, c_hi = zero, seen = zero;
    for (std::size_t g = 0; g < groups; ++g, bytes += 16) {
      const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes));
      const __m128i w = _mm_or_si128(_mm_slli_epi16(raw, 8), _mm_srli_epi16(raw, 8));
      seen = _mm_or_si128(seen, raw);
      a_lo = _mm_add_epi32(a_lo, _mm_unpacklo_epi16(w, zero));
      a_hi = _mm_add_epi32(a_hi, _mm_unpackhi_epi16(w, zero));
      c_lo = _mm_add_epi32(c_lo, a_lo);
      c_hi = _mm_add_epi32(c_hi, a_hi);
    }
    alignas(16) std::array<std::uint32_t, 8> a{};
    alignas(16) std::array<std::uint32_t, 8> c{};
    alignas(16) std::array<std::uint32_t, 4> seen_words{};
    _mm_store_si128(reinterpret_cast<__m128i*>(a.data()), a_lo);
    _mm_store_si128(reinterpret_cast<__m128i*>(a.data() + 4), a_hi);
    _mm_store_si128(reinterpret_cast<__m128i*>(c.data()), c_lo);
    _mm_store_si128(reinterpret_cast<__m128i*>(c.data() + 4), c_hi);
    _mm_store_si128(reinterpret_cast<__m128i*>(seen_words.data()), seen);
    std::uint64_t sum_a = 0, sum_c = 0, lane_a = 0;
    for (std::size_t lane = 0; lane < 8; ++lane) {
      sum_a += a[lane];
      sum_c += c[lane];
      lane_a += lane * a[lane];
    }
    for (const std::uint32_t x : seen_words) any |= x;
    const std::uint64_t n = 8 * groups;  // words of the block
    s2 = (s2 + n * s1 + 8 * sum_c - lane_a) % 65535;
    s1 = (s1 + sum_a) % 65535;
    words -= n;
  }
#endif
  for (; words > 0; --words, bytes += 2) {
    const std::uint32_t w = (static_cast<std::uint32_t>(bytes[0]) << 8) | bytes[1];
    any |= w;
    s1 += w;
    s2 += s1;
  }
  if (size % 2 != 0) {
    const std::uint32_t w = static_cast<std::uint32_t>(bytes[0]) << 8;
    any |= w;
    s1 += w;
    s2 += s1;
  }
  if (any == 0) return 0;
  return (fletcher_fold(s2 == 0 ? 65535 : s2) << 16) | fletcher_fold(s1 == 0 ? 65535 : s1);
}

namespace {

// The rows of a chunk in the file's packed layout: the fields of each row one after the
// other, with no padding (what HDF5's compound conversion writes when every member type
// is the same in memory and in the file, as the writer checked).
Bytes pack(const ChunkFormat& format, const std::vector<std::byte>& rows) {
  Bytes packed;
  packed.reserve(format.chunk_rows * format.stored_row + 4);  // room for the checksum
  packed.resize(format.chunk_rows * format.stored_row);
  std::byte* out = packed.data();
  const std::byte* row = rows.data();
  for (std::size_t r = 0; r < format.chunk_rows; ++r, row += format.row_size) {
    for (const ChunkFormat::Field& field : format.fields) {
      // Copies of a size known here are a move or two; a copy of a size known only at run
      // time is a call to memcpy, which took more time than anything else in the pack.
      switch (field.size) {
        case 1: std::memcpy(out, row + field.offset, 1); break;
        case 2: std::memcpy(out, row + field.offset, 2); break;
        case 4: std::memcpy(out, row + field.offset, 4); break;
        case 8: std::memcpy(out, row + field.offset, 8); break;
        default: std::memcpy(out, row + field.offset, field.size); break;
      }
      out += field.size;
    }
  }
  return packed;
}

#if defined(__SSE2__)
// 16 rows of an 8-byte column into the 8 byte streams of a shuffled chunk: byte k of row
// r goes to to[k * stride + r]. A transpose by interleaving ever wider units of pairs of
// registers: bytes, then 16-, 32- and 64-bit units.
void shuffle_16_rows_of_8(const std::byte* column, std::size_t row_size, std::byte* to,
                          std::size_t stride) {
  __m128i r[16];  // C arrays: std::array<__m128i> would drop the type's alignment
  for (std::size_t k = 0; k < 16; ++k) {
    r[k] = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(column + k * row_size));
  }
  __m128i t[8];  // t[j]: rows 2j and 2j + 1, byte by byte
  for (std::size_t j = 0; j < 8; ++j) t[j] = _mm_unpacklo_epi8(r[2 * j], r[2 * j + 1]);
  __m128i u[8];  // u[2j]: bytes 0-3 of rows 4j..4j+3; u[2j+1]: bytes 4-7
  for (std::size_t j = 0; j < 4; ++j) {
    u[2 * j] = _mm_unpacklo_epi16(t[2 * j], t[2 * j + 1]);
    u[2 * j + 1] = _mm_unpackhi_epi16(t[2 * j], t[2 * j + 1]);
  }
  __m128i v[8];  // v[4h + m]: bytes 2m and 2m + 1 of rows 8h..8h+7
  for (std::size_t h = 0; h < 2; ++h) {
    for (std::size_t half = 0; half < 2; ++half) {
      const __m128i a = u[4 * h + half];
      const __m128i b = u[4 * h + 2 + half];
      v[4 * h + 2 * half] = _mm_unpacklo_epi32(a, b);
      v[4 * h + 2 * half + 1] = _mm_unpackhi_epi32(a, b);
    }
  }
  for (std::size_t m = 0; m < 4; ++m) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to + 2 * m * stride),
                     _mm_unpacklo_epi64(v[m], v[4 + m]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to + (2 * m + 1) * stride),
                     _mm_unpackhi_epi64(v[m], v[4 + m]));
  }
}

// The same for 16 rows of a 4-byte column (4 byte streams).
void shuffle_16_rows_of_4(const std::byte* column, std::size_t row_size, std::byte* to,
                          std::size_t stride) {
  __m128i r[16];
  for (std::size_t k = 0; k < 16; ++k) {
    std::int32_t x = 0;
    std::memcpy(&x, column + k * row_size, 4);
    r[k] = _mm_cvtsi32_si128(x);
  }
  __m128i t[8];  // t[j]: rows 2j and 2j + 1, byte by byte
  for (std::size_t j = 0; j < 8; ++j) t[j] = _mm_unpacklo_epi8(r[2 * j], r[2 * j + 1]);
  __m128i u[4];  // u[j]: bytes 0-3 of rows 4j..4j+3
  for (std::size_t j = 0; j < 4; ++j) u[j] = _mm_unpacklo_epi16(t[2 * j], t[2 * j + 1]);
  // Bytes 0 and 1, and 2 and 3, of rows 0-7 and of rows 8-15.
  const __m128i low01 = _mm_unpacklo_epi32(u[0], u[1]);
  const __m128i low23 = _mm_unpackhi_epi32(u[0], u[1]);
  const __m128i high01 = _mm_unpacklo_epi32(u[2], u[3]);
  const __m128i high23 = _mm_unpackhi_epi32(u[2], u[3]);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(to), _mm_unpacklo_epi64(low01, high01));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(to + stride), _mm_unpackhi_epi64(low01, high01));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(to + 2 * stride), _mm_unpacklo_epi64(low23, high23));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(to + 3 * stride), _mm_unpackhi_epi64(low23, high23));
}
#else
// An 8 × 8 byte transpose: afterwards byte r of x[k] is what byte k of x[r] was (bytes
// numbered from the least significant), by swapping ever larger sub-blocks.
void transpose_bytes(std::array<std::uint64_t, 8>& x) {
  constexpr std::array<std::pair<unsigned, std::uint64_t>, 3> steps{
      {{1, 0x00FF00FF00FF00FFull}, {2, 0x0000FFFF0000FFFFull}, {4, 0x00000000FFFFFFFFull}}};
  for (const auto& [span, mask] : steps) {
    for (unsigned a = 0; a < 8; ++a) {
      if ((a / span) % 2 != 0) continue;
      const std::uint64_t swap = ((x[a] >> (8 * span)) ^ x[a + span]) & mask;
      x[a + span] ^= swap;
      x[a] ^= swap << (8 * span);
    }
  }
}
#endif

// The packed rows of a chunk after H5Z_filter_shuffle: byte j of element (packed row) i
// goes to j * elements + i. Shuffle leaves one-byte elements and a single element alone; a
// chunk holds whole elements, so there is no tail. Done a block of rows at a time: going
// down a whole chunk (hundreds of kB) for each byte of a row missed the cache on every
// read, and took as long as deflating the chunk with libdeflate. 8-byte columns (doubles,
// 64-bit integers: most of an incident row) and 4-byte ones go 16 rows at a time through
// a transpose in SSE2 registers (without SSE2, 8-byte columns go 8 rows at a time through
// one in general registers; the host is little-endian, as chunk_format checked); the rest
// byte by byte.
Bytes pack_shuffled(const ChunkFormat& format, const std::vector<std::byte>& rows) {
  const std::size_t elements = format.chunk_rows;
  if (format.stored_row <= 1 || elements <= 1) return pack(format, rows);
  constexpr std::size_t block = 64;  // rows: a few kB read, a cache line to each of the streams
  const std::size_t row_size = format.row_size;
  Bytes out(elements * format.stored_row);
  for (std::size_t first = 0; first < elements; first += block) {
    const std::size_t count = std::min(block, elements - first);
    const std::byte* rows_of_block = rows.data() + first * row_size;
    std::byte* to = out.data() + first;  // byte 0 of the field's stream, at row `first`
    for (const ChunkFormat::Field& field : format.fields) {
      const std::byte* column = rows_of_block + field.offset;
      std::size_t i = 0;  // rows of the block done
#if defined(__SSE2__)
      if (field.size == 8) {
        for (; i + 16 <= count; i += 16) {
          shuffle_16_rows_of_8(column + i * row_size, row_size, to + i, elements);
        }
      } else if (field.size == 4) {
        for (; i + 16 <= count; i += 16) {
          shuffle_16_rows_of_4(column + i * row_size, row_size, to + i, elements);
        }
      }
#else
      if (field.size == 8) {
        for (; i + 8 <= count; i += 8) {
          std::array<std::uint64_t, 8> x{};
          for (std::size_t r = 0; r < 8; ++r) std::memcpy(&x[r], column + (i + r) * row_size, 8);
          transpose_bytes(x);
          for (std::size_t k = 0; k < 8; ++k) std::memcpy(to + k * elements + i, &x[k], 8);
        }
      }
#endif
      for (std::size_t k = 0; k < field.size; ++k) {
        const std::byte* from = column + i * row_size + k;
        for (std::size_t j = i; j < count; ++j, from += row_size) to[k * elements + j] = *from;
      }
      to += field.size * elements;
    }
  }
  return out;
}

// The output buffer H5Z_filter_deflate gives compress2 (H5Z_DEFLATE_SIZE_ADJUST): a
// longer result makes HDF5's deflate fail, and HDF5 then stores the chunk without it
// (deflate is an optional filter), which is what we do too. Releases differ in the
// constant (1.001 or 1.001f); this is the smaller of the two.
std::size_t hdf5_deflate_room(std::size_t size) {
  return static_cast<std::size_t>(std::ceil(static_cast<double>(size) * 1.001) + 12);
}

// The libdeflate compressor of this thread for `level` (1..12), made on first use: one
// costs more to make than a chunk takes to deflate. Null when it cannot be allocated.
libdeflate_compressor* compressor(int level) {
  struct Free {
    void operator()(libdeflate_compressor* c) const noexcept { libdeflate_free_compressor(c); }
  };
  thread_local std::array<std::unique_ptr<libdeflate_compressor, Free>, 13> by_level;
  if (level < 1 || level > 12) return nullptr;
  auto& slot = by_level[static_cast<std::size_t>(level)];
  if (!slot) slot.reset(libdeflate_alloc_compressor(level));
  return slot.get();
}

// `size` bytes deflated into a zlib stream of at most `room` bytes at `out`: by ISA-L's
// igzip at its level 1 for table level 1 (3.6 times as fast as libdeflate's level 1 on the
// model's rows, and smaller), by libdeflate at the table's level otherwise. Returns the
// stream's length, or 0 when it does not fit in `room`. Throws std::bad_alloc.
std::size_t deflate(int level, const std::byte* in, std::size_t size, std::byte* out,
                    std::size_t room) {
  if (level != 1) {
    libdeflate_compressor* deflater = compressor(level);
    if (deflater == nullptr) throw std::bad_alloc();
    return libdeflate_zlib_compress(deflater, in, size, out, room);
  }
  // igzip's stateless level 1 keeps its hash table and tokens in this buffer, whose size
  // also sets its blocks: a constant, so that the output depends only on the input.
  thread_local std::vector<std::uint8_t> level_buffer(ISAL_DEF_LVL1_DEFAULT);
  thread_local isal_zstream stream;  // over 100 kB: not on the stack
  isal_deflate_stateless_init(&stream);
  stream.end_of_stream = 1;
  stream.flush = NO_FLUSH;
  stream.gzip_flag = IGZIP_ZLIB;
  stream.level = 1;
  stream.level_buf = level_buffer.data();
  stream.level_buf_size = static_cast<std::uint32_t>(level_buffer.size());
  stream.next_in = reinterpret_cast<std::uint8_t*>(const_cast<std::byte*>(in));
  stream.avail_in = static_cast<std::uint32_t>(size);  // a chunk is under 4 GiB
  stream.next_out = reinterpret_cast<std::uint8_t*>(out);
  stream.avail_out = static_cast<std::uint32_t>(
      std::min<std::size_t>(room, std::numeric_limits<std::uint32_t>::max()));
  if (isal_deflate_stateless(&stream) != COMP_OK) return 0;  // STATELESS_OVERFLOW
  return stream.total_out;
}

// The position of each filter in the pipeline of a compressed table (shuffle, deflate,
// Fletcher32), as bits of a chunk's filter mask: a set bit says "not applied".
constexpr std::uint32_t deflate_skipped = 1u << 1;

void run_filters(ChunkJob& job) {
  const ChunkFormat& format = *job.format;
  Bytes data;
  std::uint32_t mask = 0;
  if (format.compression_level == 0) {
    data = pack(format, job.rows);
  } else {
    // A zlib stream (RFC 1950), which HDF5's deflate filter, h5py and every zlib inflate,
    // not zlib's bytes. Deterministic: the same input and level give the same bytes on any
    // thread.
    Bytes shuffled = pack_shuffled(format, job.rows);
    const std::size_t room = hdf5_deflate_room(shuffled.size());
    Bytes deflated(room + 4);  // room for the checksum
    const std::size_t length =
        deflate(format.compression_level, shuffled.data(), shuffled.size(), deflated.data(), room);
    if (length == 0) {
      // Over HDF5's buffer (incompressible rows): stored shuffled, deflate marked as skipped,
      // as HDF5 stores a chunk whose optional deflate failed.
      shuffled.reserve(shuffled.size() + 4);
      data = std::move(shuffled);
      mask = deflate_skipped;
    } else {
      deflated.resize(length);
      data = std::move(deflated);
    }
  }
  // H5Z_filter_fletcher32: the checksum of the filtered bytes, appended little-endian.
  const std::uint32_t sum = fletcher32(data.data(), data.size());
  for (int shift = 0; shift < 32; shift += 8) {
    data.push_back(static_cast<std::byte>((sum >> shift) & 0xff));
  }
  job.stored = std::move(data);
  job.filter_mask = mask;
  job.filtered = true;
}

}  // namespace

void filter_chunk(ChunkJob& job) noexcept {
  job.filtered = false;
  job.filter_mask = 0;
  try {
    run_filters(job);
  } catch (...) {
    job.stored.clear();
    job.filtered = false;  // HDF5's own pipeline gets the rows
  }
}

FilterPool& FilterPool::instance() {
  static FilterPool pool;
  return pool;
}

FilterPool::FilterPool() {
  // A forked child has none of the parent's threads: it gets a usable mutex (held across
  // the fork) and filters on its own thread, or it would wait forever for its chunks.
  pthread_atfork([] { instance().mutex_.lock(); }, [] { instance().mutex_.unlock(); },
                 [] { instance().after_fork_in_child(); });
  start(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
}

void FilterPool::after_fork_in_child() {
  mutex_.unlock();
  // The threads do not exist here; their handles must be neither joined nor destroyed.
  new std::vector<std::thread>(std::move(threads_));  // deliberately leaked
  threads_.clear();
}

FilterPool::~FilterPool() { stop(); }

void FilterPool::start(unsigned threads) {
  stopping_ = false;
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

void FilterPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void FilterPool::set_threads(unsigned threads) {
  stop();  // the threads finish the queue before they leave
  start(threads);
}

void FilterPool::submit(const std::shared_ptr<ChunkJob>& job) {
  if (threads_.empty()) {
    filter_chunk(*job);
    std::lock_guard lock(mutex_);
    job->done = true;
    return;
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(job);
  }
  work_.notify_one();
}

void FilterPool::wait(ChunkJob& job) {
  std::unique_lock lock(mutex_);
  if (threads_.empty() && !job.done) {
    // Queued before a fork, in a child without the threads: filter it here (again).
    std::erase_if(queue_,
                  [&](const std::shared_ptr<ChunkJob>& queued) { return queued.get() == &job; });
    lock.unlock();
    filter_chunk(job);
    lock.lock();
    job.done = true;
    return;
  }
  done_.wait(lock, [&] { return job.done; });
}

void FilterPool::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, nothing left
    const std::shared_ptr<ChunkJob> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    filter_chunk(*job);
    lock.lock();
    job->done = true;
    done_.notify_all();
  }
}

}  // namespace cyberdeter::sim::h5::detail
