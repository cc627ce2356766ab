#pragma once
// The filters of a table's chunks (shuffle, deflate, Fletcher32), run off the HDF5 thread.
//
// HDF5 is not thread-safe, and H5Dwrite filters every chunk on the calling thread, so
// compression used to be serial. Here a full chunk is packed into its file layout and
// filtered on a small pool of threads by the steps of HDF5's own pipeline, in its order
// (H5Zshuffle.c, H5Zdeflate.c, H5Zfletcher32.c and H5checksum.c of HDF5 1.10): shuffle,
// deflate, Fletcher32. Shuffle and Fletcher32 are HDF5's bytes exactly; deflate is a zlib
// stream by ISA-L's igzip (level 1, the default) or libdeflate (levels 2 to 9), which any
// zlib inflates (HDF5, h5py, R) and which are 7 and 2 times as fast as zlib's at level 1:
// the stored bytes differ from what H5Dwrite would store, the data read back does not.
// Rows that deflate cannot fit in HDF5's buffer are stored shuffled with deflate marked as
// skipped in the chunk's filter mask, as HDF5 does. The writer then stores the bytes with
// H5Dwrite_chunk. A chunk that could not be filtered (a failed allocation) is left
// unfiltered, and the writer hands its rows to H5Dwrite instead. No HDF5 call is made here.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace cyberdeter::sim::h5::detail {

/// How the rows of a table are laid out in memory and stored in a chunk.
struct ChunkFormat {
  struct Field {
    std::size_t offset = 0;  // in the row struct
    std::size_t size = 0;    // bytes, copied as they are (types equal in memory and file)
  };
  std::vector<Field> fields;   // in column order: packed one after the other in the file
  std::size_t row_size = 0;    // bytes of a row in memory
  std::size_t stored_row = 0;  // bytes of a row in the file (sum of the field sizes)
  std::size_t chunk_rows = 0;  // rows of a chunk
  int compression_level = 0;   // 0: Fletcher32 only; 1..9: shuffle, deflate, Fletcher32
};

/// Allocates like std::allocator, but leaves the elements that a vector adds by size alone
/// (resize, or the constructor from a size) uninitialized: the filters' buffers are
/// overwritten at once, and zero-filling a megabyte per chunk showed up in profiles.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() noexcept = default;
  template <class U>
  // NOLINTNEXTLINE(google-explicit-constructor)
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}

  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// Bytes of a filtered chunk.
using Bytes = std::vector<std::byte, UninitializedAllocator<std::byte>>;

/// One full chunk: its rows in memory layout and, once filtered, its stored bytes.
struct ChunkJob {
  std::shared_ptr<const ChunkFormat> format;
  std::vector<std::byte> rows;    // chunk_rows rows as the table buffered them
  Bytes stored;                   // the filtered chunk, to store with H5Dwrite_chunk
  std::uint32_t filter_mask = 0;  // the filters not applied to `stored` (HDF5's filter mask)
  bool filtered = false;          // false: write `rows` through H5Dwrite instead
  bool done = false;              // guarded by the pool's mutex
};

/// HDF5's Fletcher32 checksum of `size` bytes (H5_checksum_fletcher32).
std::uint32_t fletcher32(const std::byte* data, std::size_t size) noexcept;

/// Packs and filters `job.rows` into `job.stored`; sets `job.filtered` and `job.filter_mask`.
/// Never throws.
void filter_chunk(ChunkJob& job) noexcept;

/// Threads that filter chunks; one per process, shared by every file.
class FilterPool {
 public:
  /// The process's pool.
  static FilterPool& instance();

  FilterPool(const FilterPool&) = delete;
  FilterPool& operator=(const FilterPool&) = delete;
  ~FilterPool();

  /// Runs `threads` filtering threads from now on (0: filter on the caller's thread).
  /// Waits for the queued chunks first.
  void set_threads(unsigned threads);
  /// Queues a chunk; with no threads it is filtered at once.
  void submit(const std::shared_ptr<ChunkJob>& job);
  /// Waits until `job` is filtered (in a forked child, filters it here).
  void wait(ChunkJob& job);

 private:
  FilterPool();
  void start(unsigned threads);
  void stop();
  void loop();
  void after_fork_in_child();

  std::mutex mutex_;
  std::condition_variable work_;  // a chunk was queued, or the threads stop
  std::condition_variable done_;  // a chunk was filtered
  std::deque<std::shared_ptr<ChunkJob>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cyberdeter::sim::h5::detail
