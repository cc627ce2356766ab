// The filter steps of sim/src/chunk_filter.cpp against plain reference implementations.
// Fletcher32 is summed eight words at a time; it must give HDF5's checksum for every
// length (odd ones too, which whole-row chunks in the other tests never have) and for the
// inputs that push HDF5's folded sums to their bounds (long runs of 0xff bytes).
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "chunk_filter.hpp"

namespace {

// H5_checksum_fletcher32 of HDF5 1.10 (H5checksum.c), as written there.
std::uint32_t hdf5_fletcher32(const std::vector<std::byte>& data) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t len = data.size() / 2;
  std::uint32_t sum1 = 0, sum2 = 0;
  while (len > 0) {
    std::size_t tlen = len > 360 ? 360 : len;
    len -= tlen;
    do {
      sum1 += (static_cast<std::uint32_t>(bytes[0]) << 8) | bytes[1];
      bytes += 2;
      sum2 += sum1;
    } while (--tlen > 0);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (data.size() % 2 != 0) {
    sum1 += static_cast<std::uint32_t>(bytes[0]) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

std::uint32_t ours(const std::vector<std::byte>& data) {
  return cyberdeter::sim::h5::detail::fletcher32(data.data(), data.size());
}

}  // namespace

TEST_CASE("fletcher32 gives HDF5's checksum", "[chunks][fletcher32]") {
  std::mt19937_64 random(20261207);
  SECTION("random bytes, every length up to 3,000 and some long ones") {
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n <= 3000; ++n) lengths.push_back(n);
    for (const std::size_t n :
         {4095u, 4096u, 4097u, 8191u, 65535u, 65536u, 131071u, 847872u, 847873u}) {
      lengths.push_back(n);
    }
    for (const std::size_t n : lengths) {
      std::vector<std::byte> data(n);
      for (std::byte& b : data) b = static_cast<std::byte>(random());
      INFO("length " << n);
      REQUIRE(ours(data) == hdf5_fletcher32(data));
    }
  }
  SECTION("constant bytes: the folded sums at their largest, and sums that are 0 mod 65535") {
    for (const unsigned value : {0x00u, 0x01u, 0x7fu, 0x80u, 0xfeu, 0xffu}) {
      for (const std::size_t n : {1u, 2u, 3u, 15u, 16u, 17u, 719u, 720u, 721u, 4096u, 4097u, 65535u,
                                  65536u, 131070u, 131071u, 1000001u}) {
        const std::vector<std::byte> data(n, static_cast<std::byte>(value));
        INFO("byte " << value << ", length " << n);
        REQUIRE(ours(data) == hdf5_fletcher32(data));
      }
    }
  }
  SECTION("sparse bytes: runs of zeros with a few set bytes (shuffled counters)") {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<std::byte> data(1 + random() % 20000, std::byte{0});
      const std::size_t set = random() % 5;
      for (std::size_t k = 0; k < set; ++k) {
        data[random() % data.size()] = static_cast<std::byte>(1 + random() % 255);
      }
      INFO("trial " << trial << ", length " << data.size());
      REQUIRE(ours(data) == hdf5_fletcher32(data));
    }
  }
}
