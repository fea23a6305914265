#include "kernels/common/philox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace grl {
namespace {

// Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors).
TEST(Philox, KnownAnswers) {
  Philox4 a = philox4x32_10(0, 0, 0, 0, 0, 0);
  EXPECT_EQ(a.v[0], 0x6627e8d5u);
  EXPECT_EQ(a.v[1], 0xe169c58du);
  EXPECT_EQ(a.v[2], 0xbc57ac4cu);
  EXPECT_EQ(a.v[3], 0x9b00dbd8u);
  Philox4 b = philox4x32_10(~0u, ~0u, ~0u, ~0u, ~0u, ~0u);
  EXPECT_EQ(b.v[0], 0x408f276du);
  EXPECT_EQ(b.v[1], 0x41c83b0eu);
  EXPECT_EQ(b.v[2], 0xa20bc7c6u);
  EXPECT_EQ(b.v[3], 0x6d5451fdu);
  Philox4 c =
      philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(c.v[0], 0xd16cfe09u);
  EXPECT_EQ(c.v[1], 0x94fdccebu);
  EXPECT_EQ(c.v[2], 0x5001e420u);
  EXPECT_EQ(c.v[3], 0x24126ea1u);
}

TEST(Philox, PurposeAndSeedSeparateStreams) {
  Philox4 x = philox(7, RandomPurpose::kNeighborSample, 1, 2, 3);
  Philox4 y = philox(7, RandomPurpose::kDropout, 1, 2, 3);
  Philox4 z = philox(8, RandomPurpose::kNeighborSample, 1, 2, 3);
  Philox4 w = philox(7ull | (1ull << 32), RandomPurpose::kNeighborSample, 1, 2, 3);
  EXPECT_NE(x.v[0], y.v[0]);
  EXPECT_NE(x.v[0], z.v[0]);
  EXPECT_NE(x.v[0], w.v[0]);
  Philox4 again = philox(7, RandomPurpose::kNeighborSample, 1, 2, 3);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(x.v[i], again.v[i]);
}

TEST(Philox, RandomBelowIsInRangeAndUniform) {
  const uint32_t n = 10;
  std::vector<int> counts(n, 0);
  const int draws = 200000;
  for (int i = 0; i < draws / 4; ++i) {
    Philox4 r = philox(42, RandomPurpose::kTest, static_cast<uint32_t>(i), 0, 0);
    for (uint32_t w : r.v) {
      uint32_t k = random_below(w, n);
      ASSERT_LT(k, n);
      ++counts[k];
    }
  }
  double chi2 = 0, expected = static_cast<double>(draws) / n;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 27.88);  // chi-square, 9 degrees of freedom, p = 0.001
  EXPECT_EQ(random_below(0xffffffffu, 7), 6u);
  EXPECT_EQ(random_below(0u, 7), 0u);
}

TEST(Philox, RandomUnitInHalfOpenInterval) {
  EXPECT_EQ(random_unit(0u), 0.0f);
  EXPECT_LT(random_unit(0xffffffffu), 1.0f);
  double sum = 0;
  for (uint32_t i = 0; i < 10000; ++i)
    sum += random_unit(philox(3, RandomPurpose::kTest, i, 0, 0).v[2]);
  EXPECT_NEAR(sum / 10000, 0.5, 0.01);
}

// random_permute is a bijection of [0, n) for every n, including 1, 2 and 4^h +- 1, and the keys
// choose the order.
TEST(Philox, RandomPermuteIsABijection) {
  for (uint64_t n : {1u, 2u, 3u, 4u, 5u, 15u, 16u, 17u, 1000u, 4095u, 4096u, 4097u, 65537u}) {
    const Philox4 keys = philox(11, RandomPurpose::kTest, static_cast<uint32_t>(n), 0, 0);
    std::vector<int> seen(n, 0);
    int64_t fixed = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t j = random_permute(i, n, keys);
      ASSERT_LT(j, n) << "n " << n;
      ++seen[j];
      fixed += j == i;
    }
    for (uint64_t j = 0; j < n; ++j) ASSERT_EQ(seen[j], 1) << "n " << n << " j " << j;
    if (n >= 1000) {
      EXPECT_LT(fixed, 10) << "n " << n;  // about 1 fixed point expected
    }
  }
  const uint64_t n = 1000;
  const Philox4 k1 = philox(1, RandomPurpose::kTest, 0, 0, 0),
                k2 = philox(2, RandomPurpose::kTest, 0, 0, 0);
  int same = 0;
  for (uint32_t i = 0; i < n; ++i) same += random_permute(i, n, k1) == random_permute(i, n, k2);
  EXPECT_LT(same, 10);
  // Large n stays in range (cycle-walking over 4^16 = 2^32).
  const uint64_t big = 3'000'000'000ull;
  for (uint32_t i : {0u, 1u, 2'999'999'999u}) EXPECT_LT(random_permute(i, big, k1), big);
}

TEST(Philox, RandomBelow64) {
  EXPECT_EQ(random_below64(~0u, ~0u, 1000), 999u);
  EXPECT_EQ(random_below64(0, 0, 1000), 0u);
  uint64_t big = 5'000'000'000ull;
  uint64_t v = random_below64(0x12345678u, 0x9abcdef0u, big);
  EXPECT_LT(v, big);
}

}  // namespace
}  // namespace grl
