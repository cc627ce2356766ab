#include "chunk_filter.hpp"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

namespace cyberdeter::sim::h5::detail {

std::uint32_t fletcher32(const std::byte* data, std::size_t size) noexcept {
  // H5_checksum_fletcher32: big-endian 16-bit words, sums started at 0 (not 0xffff),
  // folded every 360 words, a trailing odd byte as the high byte of a last word.
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  std::size_t words = size / 2;
  std::uint32_t sum1 = 0;
  std::uint32_t sum2 = 0;
  while (words > 0) {
    std::size_t block = std::min<std::size_t>(words, 360);
    words -= block;
    do {
      sum1 += (static_cast<std::uint32_t>(bytes[0]) << 8) | bytes[1];
      bytes += 2;
      sum2 += sum1;
    } while (--block > 0);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (size % 2 != 0) {
    sum1 += static_cast<std::uint32_t>(bytes[0]) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

namespace {

// The rows of a chunk in the file's packed layout: the fields of each row one after the
// other, with no padding (what HDF5's compound conversion writes when every member type
// is the same in memory and in the file, as the writer checked).
std::vector<std::byte> pack(const ChunkFormat& format, const std::vector<std::byte>& rows) {
  std::vector<std::byte> packed;
  packed.reserve(format.chunk_rows * format.stored_row + 4);  // room for the checksum
  packed.resize(format.chunk_rows * format.stored_row);
  std::byte* out = packed.data();
  const std::byte* row = rows.data();
  for (std::size_t r = 0; r < format.chunk_rows; ++r, row += format.row_size) {
    for (const ChunkFormat::Field& field : format.fields) {
      std::memcpy(out, row + field.offset, field.size);
      out += field.size;
    }
  }
  return packed;
}

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

// The packed rows of a chunk after H5Z_filter_shuffle: byte j of element (packed row) i
// goes to j * elements + i. Shuffle leaves one-byte elements and a single element alone; a
// chunk holds whole elements, so there is no tail. Done a block of rows at a time: going
// down a whole chunk (hundreds of kB) for each byte of a row missed the cache on every
// read, and took as long as deflating the chunk with libdeflate. 8-byte columns (doubles,
// 64-bit integers: most of an incident row) go 8 rows at a time through a transpose in
// registers (the host is little-endian, as chunk_format checked); the rest byte by byte.
std::vector<std::byte> pack_shuffled(const ChunkFormat& format,
                                     const std::vector<std::byte>& rows) {
  const std::size_t elements = format.chunk_rows;
  if (format.stored_row <= 1 || elements <= 1) return pack(format, rows);
  constexpr std::size_t block = 64;  // rows: a few kB read, a cache line to each of the streams
  const std::size_t row_size = format.row_size;
  std::vector<std::byte> out(elements * format.stored_row);
  for (std::size_t first = 0; first < elements; first += block) {
    const std::size_t count = std::min(block, elements - first);
    const std::byte* rows_of_block = rows.data() + first * row_size;
    std::byte* to = out.data() + first;  // byte 0 of the field's stream, at row `first`
    for (const ChunkFormat::Field& field : format.fields) {
      const std::byte* column = rows_of_block + field.offset;
      std::size_t i = 0;  // rows of the block done
      if (field.size == 8) {
        for (; i + 8 <= count; i += 8) {
          std::array<std::uint64_t, 8> x{};
          for (std::size_t r = 0; r < 8; ++r) std::memcpy(&x[r], column + (i + r) * row_size, 8);
          transpose_bytes(x);
          for (std::size_t k = 0; k < 8; ++k) std::memcpy(to + k * elements + i, &x[k], 8);
        }
      }
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
  std::vector<std::byte> data;
  std::uint32_t mask = 0;
  if (format.compression_level == 0) {
    data = pack(format, job.rows);
  } else {
    // A zlib stream (RFC 1950), which HDF5's deflate filter, h5py and every zlib inflate,
    // not zlib's bytes. Deterministic: the same input and level give the same bytes on any
    // thread.
    std::vector<std::byte> shuffled = pack_shuffled(format, job.rows);
    const std::size_t room = hdf5_deflate_room(shuffled.size());
    std::vector<std::byte> deflated(room + 4);  // room for the checksum
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
