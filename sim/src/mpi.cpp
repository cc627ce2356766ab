// The MPI executor: rank 0 deals blocks, every rank (rank 0 included) runs them.

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "cyberdeter/sim/mpi.hpp"
#include "executor_core.hpp"

namespace cyberdeter::sim::mpi {

namespace {

constexpr int tag_request = 71;  // client -> 0: tasks finished so far; asks for a block
constexpr int tag_reply = 72;    // 0 -> client: [begin, end), empty when there is no more

void check(int status, const char* what) {
  if (status != MPI_SUCCESS) {
    char message[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, message, &length);
    throw std::runtime_error(std::string(what) +
                             " failed: " + std::string(message, static_cast<std::size_t>(length)));
  }
}

// A client rank's blocks: asked for by the writer thread (the only one that talks to
// MPI), one request in flight, up to `ahead` blocks waiting for the workers.
class RemoteSource final : public detail::BlockSource {
 public:
  explicit RemoteSource(std::size_t ahead) : ahead_(std::max<std::size_t>(ahead, 1)) {}

  std::optional<TaskRange> next() override {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || done_ || stopped_; });
    if (ready_.empty()) return {};
    const TaskRange block = ready_.front();
    ready_.pop_front();
    return block;
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }

  // On the writer thread.
  void poll(std::uint64_t finished) {
    if (in_flight_) {
      int arrived = 0;
      check(MPI_Test(&reply_request_, &arrived, MPI_STATUS_IGNORE), "MPI_Test");
      if (arrived == 0) return;
      in_flight_ = false;
      {
        std::lock_guard lock(mutex_);
        if (reply_[1] <= reply_[0]) {
          done_ = true;
        } else {
          ready_.push_back({reply_[0], reply_[1]});
        }
      }
      changed_.notify_all();
    }
    std::size_t waiting = 0;
    {
      std::lock_guard lock(mutex_);
      if (done_) return;
      waiting = ready_.size();
    }
    if (waiting < ahead_) {
      check(MPI_Irecv(reply_, 2, MPI_UINT64_T, 0, tag_reply, MPI_COMM_WORLD, &reply_request_),
            "MPI_Irecv");
      check(MPI_Send(&finished, 1, MPI_UINT64_T, 0, tag_request, MPI_COMM_WORLD), "MPI_Send");
      in_flight_ = true;
    }
  }

  bool in_flight() const { return in_flight_; }

 private:
  std::size_t ahead_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<TaskRange> ready_;
  bool done_ = false;
  bool stopped_ = false;
  bool in_flight_ = false;
  MPI_Request reply_request_ = MPI_REQUEST_NULL;
  std::uint64_t reply_[2] = {0, 0};
};

}  // namespace

bool built_with_mpi() noexcept { return true; }

World::World() {
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw std::runtime_error("the MPI library does not support MPI_THREAD_FUNNELED");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

World::~World() {
  if (!abandoned_) MPI_Finalize();
}

void World::barrier() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

void World::broadcast(std::string& bytes) {
  std::uint64_t size = bytes.size();
  check(MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  bytes.resize(size);
  if (size > 0) {
    check(MPI_Bcast(bytes.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD),
          "MPI_Bcast");
  }
}

void World::abort(int status) {
  MPI_Abort(MPI_COMM_WORLD, status);
  std::exit(status);
}

ExecuteResult execute(World& world, const SweepJob& job, const ExecuteOptions& options) {
  const unsigned threads = std::max(1u, options.threads);
  // Every rank learns the block size from rank 0's pending set.
  std::string pending_size = std::to_string(options.pending.size());
  world.broadcast(pending_size);
  const std::uint64_t workers = static_cast<std::uint64_t>(world.size()) * threads;
  const std::uint64_t block =
      options.block != 0 ? options.block : default_block_size(std::stoull(pending_size), workers);
  const std::string prefix = "rank" + std::to_string(world.rank());
  ExecuteResult result;
  detail::WriterHooks hooks;
  hooks.poll_interval = std::chrono::milliseconds(1);

  if (world.rank() == 0) {
    detail::ListSource source(options.pending, block, workers);
    std::vector<std::uint64_t> remote_done(static_cast<std::size_t>(world.size()), 0);
    std::uint64_t local_done = 0;
    int clients_finished = 0;
    const auto report = [&] {
      if (!options.on_progress) return;
      std::uint64_t done = local_done;
      for (const auto d : remote_done) done += d;
      options.on_progress(done);
    };
    hooks.poll = [&] {
      bool any = false;
      for (;;) {
        int flag = 0;
        MPI_Status status;
        check(MPI_Iprobe(MPI_ANY_SOURCE, tag_request, MPI_COMM_WORLD, &flag, &status),
              "MPI_Iprobe");
        if (flag == 0) break;
        std::uint64_t done = 0;
        check(MPI_Recv(&done, 1, MPI_UINT64_T, status.MPI_SOURCE, tag_request, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE),
              "MPI_Recv");
        remote_done[static_cast<std::size_t>(status.MPI_SOURCE)] = done;
        const auto next = source.next();
        const std::uint64_t reply[2] = {next ? next->begin : 0, next ? next->end : 0};
        check(MPI_Send(reply, 2, MPI_UINT64_T, status.MPI_SOURCE, tag_reply, MPI_COMM_WORLD),
              "MPI_Send");
        if (!next) ++clients_finished;
        any = true;
      }
      if (any) report();
    };
    hooks.may_finish = [&] { return clients_finished == world.size() - 1; };
    hooks.written = [&](std::uint64_t done) {
      local_done = done;
      report();
    };
    result = detail::run_pool(job, options, source, hooks, prefix);
    // The last clients report their final counts with their last request.
    report();
  } else {
    RemoteSource source(threads);
    std::atomic<std::uint64_t> local_done{0};
    hooks.poll = [&] { source.poll(local_done.load()); };
    hooks.written = [&](std::uint64_t done) { local_done = done; };
    result = detail::run_pool(job, options, source, hooks, prefix);
  }
  world.barrier();
  return result;
}

}  // namespace cyberdeter::sim::mpi
