#include <catch2/catch.hpp>

#include "cyberdeter/sim/time.hpp"

using namespace cyberdeter::sim;

TEST_CASE("days and ticks convert at one tick per second", "[time]") {
  CHECK(to_ticks(1.0) == 86'400);
  CHECK(to_ticks(0.5) == 43'200);
  CHECK(to_ticks(1.0 / 86'400.0 * 0.4) == 0);  // rounds to nearest tick
  CHECK(to_ticks(1.0 / 86'400.0 * 0.6) == 1);
  CHECK(to_days(86'400 * 365) == Approx(365.0));
}

TEST_CASE("to_ticks saturates and maps invalid delays to zero", "[time]") {
  CHECK(to_ticks(-3.0) == 0);
  CHECK(to_ticks(std::nan("")) == 0);
  CHECK(to_ticks(1e300) == max_tick);
  CHECK(to_ticks(std::numeric_limits<double>::infinity()) == max_tick);
}

TEST_CASE("to_ticks_checked rejects what cannot be simulated", "[time]") {
  CHECK(to_ticks_checked(2.0) == 172'800);
  CHECK_THROWS_AS(to_ticks_checked(-1.0), std::out_of_range);
  CHECK_THROWS_AS(to_ticks_checked(1e12), std::out_of_range);
  CHECK_THROWS_WITH(to_ticks_checked(std::nan("")), Catch::Contains("outside the simulated range"));
}

TEST_CASE("periodic schedules never accumulate a step", "[time]") {
  const Periodic monthly{to_ticks(10.0), to_ticks(365.25 / 12.0)};
  CHECK(monthly.at(0) == to_ticks(10.0));
  CHECK(monthly.at(1200) == to_ticks(10.0) + 1200 * to_ticks(365.25 / 12.0));
}
