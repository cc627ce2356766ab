#include <atomic>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/sim/background.hpp"

using cyberdeter::sim::BackgroundWorker;

TEST_CASE("background tasks run in the order they were posted", "[background]") {
  std::vector<int> seen;
  BackgroundWorker worker(2);
  for (int i = 0; i < 1000; ++i) worker.post([&seen, i] { seen.push_back(i); });
  worker.finish();
  REQUIRE(seen.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("a failed task is reported and nothing after it runs", "[background]") {
  std::atomic<int> ran{0};
  BackgroundWorker worker(1);
  worker.post([&] { ++ran; });
  worker.post([] { throw std::runtime_error("disk full"); });
  // Later posts either are refused with the error or are dropped; none of them runs.
  bool refused = false;
  for (int i = 0; i < 5; ++i) {
    try {
      worker.post([&] { ran += 100; });
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "disk full");
      refused = true;
      break;
    }
  }
  CHECK_THROWS_WITH(worker.finish(), "disk full");
  CHECK(ran == 1);
  (void)refused;
}

TEST_CASE("the destructor runs what is queued", "[background]") {
  std::atomic<int> ran{0};
  {
    BackgroundWorker worker(4);
    for (int i = 0; i < 10; ++i) worker.post([&] { ++ran; });
  }
  CHECK(ran == 10);
}
