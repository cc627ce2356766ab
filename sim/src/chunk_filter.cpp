#include "chunk_filter.hpp"

#include <pthread.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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

// The packed rows of a chunk after H5Z_filter_shuffle, in one pass: byte j of element
// (packed row) i goes to j * elements + i. Shuffle leaves one-byte elements and a single
// element alone; a chunk holds whole elements, so there is no tail.
std::vector<std::byte> pack_shuffled(const ChunkFormat& format,
                                     const std::vector<std::byte>& rows) {
  const std::size_t elements = format.chunk_rows;
  if (format.stored_row <= 1 || elements <= 1) return pack(format, rows);
  std::vector<std::byte> out(elements * format.stored_row);
  std::byte* to = out.data();
  for (const ChunkFormat::Field& field : format.fields) {
    for (std::size_t k = 0; k < field.size; ++k) {
      const std::byte* from = rows.data() + field.offset + k;
      for (std::size_t i = 0; i < elements; ++i, from += format.row_size) to[i] = *from;
      to += elements;
    }
  }
  return out;
}

// The output buffer H5Z_filter_deflate gives compress2 (H5Z_DEFLATE_SIZE_ADJUST): a
// longer result makes HDF5's deflate fail, and HDF5 would then store the chunk without
// it. Releases differ in the constant (1.001 or 1.001f); this is the smaller of the two.
std::size_t hdf5_deflate_room(std::size_t size) {
  return static_cast<std::size_t>(std::ceil(static_cast<double>(size) * 1.001) + 12);
}

void run_filters(ChunkJob& job) {
  const ChunkFormat& format = *job.format;
  std::vector<std::byte> data;
  if (format.compression_level == 0) {
    data = pack(format, job.rows);
  } else {
    const std::vector<std::byte> shuffled = pack_shuffled(format, job.rows);
    uLongf length = compressBound(static_cast<uLong>(shuffled.size()));
    std::vector<std::byte> deflated(length + 4);  // room for the checksum
    const int status = compress2(reinterpret_cast<Bytef*>(deflated.data()), &length,
                                 reinterpret_cast<const Bytef*>(shuffled.data()),
                                 static_cast<uLong>(shuffled.size()), format.compression_level);
    if (status != Z_OK || length > hdf5_deflate_room(shuffled.size())) return;  // unmatched
    deflated.resize(length);
    data = std::move(deflated);
  }
  // H5Z_filter_fletcher32: the checksum of the filtered bytes, appended little-endian.
  const std::uint32_t sum = fletcher32(data.data(), data.size());
  for (int shift = 0; shift < 32; shift += 8) {
    data.push_back(static_cast<std::byte>((sum >> shift) & 0xff));
  }
  job.stored = std::move(data);
  job.matched = true;
}

}  // namespace

void filter_chunk(ChunkJob& job) noexcept {
  job.matched = false;
  try {
    run_filters(job);
  } catch (...) {
    job.stored.clear();
    job.matched = false;  // HDF5's own pipeline gets the rows
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
