#pragma once
// Replications on several threads, handed on in replication order (`cyberdeter run`).
//
// Each worker runs whole replications into its own buffer; the calling thread replays the
// buffers to the sink in replication order, with exactly the calls a loop on one thread
// would make. A sink therefore cannot tell how many threads ran: same calls, same order,
// same bytes in the file. At most `window` finished replications, and about
// `buffer_bytes` of their rows, wait in memory, so memory does not grow with the number
// of replications; it grows with one replication's rows per thread (a long horizon with
// incidents), which a single thread streams instead.

#include <cstddef>
#include <cstdint>
#include <functional>

#include "cyberdeter/models/deterrence/model.hpp"

namespace cyberdeter::models::deterrence {

struct OrderedRunOptions {
  unsigned threads = 1;  ///< worker threads (1: a plain loop on the calling thread)
  unsigned window = 0;   ///< finished replications held at most (0: 4 per thread)
  /// No replication starts while the finished ones waiting hold more bytes of rows than
  /// this: memory is at most this plus one replication's rows per thread.
  std::size_t buffer_bytes = std::size_t{8} << 20;
  RunOptions run;  ///< what the model sends to the sink
  /// Called on the calling thread between replications and while it waits; may throw
  /// (an interruption): the workers stop and the exception propagates.
  std::function<void()> check_interrupted;
};

/// Runs replications [0, n) of `scenario`. For each, in order, on the calling thread:
/// replays its period, incident and choice rows to `sink`, then calls `finished(r, result)`.
/// An exception from a replication (the event budget, a non-finite result) propagates when
/// its turn comes, after every earlier replication was handed on, so the error a user sees
/// does not depend on the number of threads.
void run_ordered(const Scenario& scenario, std::uint64_t n, RunSink& sink,
                 const std::function<void(std::uint64_t, const RunResult&)>& finished,
                 const OrderedRunOptions& options);

}  // namespace cyberdeter::models::deterrence
