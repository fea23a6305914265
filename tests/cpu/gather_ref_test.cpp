// The CPU row gather (host/reference/gather_ref.cpp), the oracle of kernels/gather.cu: rows
// copied bit for bit (NaN included) into padded outputs, the cache's rows and hit count, and a
// row count read at run time capping the bound.
#include "host/reference/gather_ref.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "tests/cpu/test_util.h"

namespace grl {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(GatherRef, RowsAreCopiedBitForBit) {
  std::mt19937 rng(3);
  for (int64_t dim : {1, 3, 4, 33, 128})
    for (int64_t pad : {0, 7}) {
      test::PaddedMatrix table(50, dim, dim + pad);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      for (int64_t r = 0; r < 50; ++r)
        for (int64_t c = 0; c < dim; ++c) table.at(r, c) = u(rng);
      table.at(17, dim - 1) = kNaN;  // copied bit for bit
      std::vector<int32_t> rows = {49, 0, 17, 17, 49, 3};
      for (int i = 0; i < 60; ++i) rows.push_back(static_cast<int32_t>(rng() % 50));
      test::PaddedMatrix out(static_cast<int64_t>(rows.size()), dim, dim + pad + 1, kNaN);
      ref::gather_rows(table.cview(), rows.data(), out.view());
      EXPECT_TRUE(out.padding_intact());
      for (size_t i = 0; i < rows.size(); ++i)
        ASSERT_EQ(std::memcmp(&out.at(i, 0), &table.at(rows[i], 0), dim * sizeof(float)), 0)
            << "dim " << dim << " pad " << pad << " row " << i << " <- " << rows[i];
      // No rows: nothing written.
      test::PaddedMatrix none(0, dim, dim);
      ref::gather_rows(table.cview(), nullptr, none.view());
    }
}

TEST(GatherRef, CachedRowsComeFromTheCacheAndAreCounted) {
  // Table rows r hold 10 r + c; cache slots hold -(slot + 1).
  test::PaddedMatrix table(5, 3, 4), cache(2, 3, 4), out(6, 3, 5);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 3; ++c) table.at(r, c) = static_cast<float>(10 * r + c);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) cache.at(r, c) = static_cast<float>(-(r + 1));
  const int32_t slot[5] = {-1, 1, -1, 0, -1};  // nodes 1 and 3 cached
  const int32_t rows[6] = {0, 1, 3, 4, 1, 2};
  unsigned long long hits = 5;
  ref::gather_rows_cached(table.cview(), cache.cview(), slot, rows, out.view(), &hits);
  EXPECT_EQ(hits, 5u + 3u);
  const float want0[6] = {0, -2, -1, 40, -2, 20};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out.at(i, 0), want0[i]) << i;
  EXPECT_EQ(out.at(3, 2), 42.0f);
  EXPECT_TRUE(out.padding_intact());

  // A count read at run time (the sampler's hop count on the device) caps the bound out.rows:
  // rows past it are neither written nor counted.
  test::PaddedMatrix capped(6, 3, 5);
  for (int i = 0; i < 6; ++i) capped.at(i, 0) = 99.0f;
  const int32_t count = 3;
  hits = 0;
  ref::gather_rows_cached(table.cview(), cache.cview(), slot, rows, capped.view(), &hits, &count);
  EXPECT_EQ(hits, 2u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(capped.at(i, 0), i < 3 ? want0[i] : 99.0f) << i;
  for (int i = 0; i < 6; ++i) capped.at(i, 0) = 99.0f;
  const int32_t large = 100;  // a count above the bound gathers the bound
  ref::gather_rows(table.cview(), rows, capped.view(), &count);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(capped.at(i, 0), i < 3 ? 10.0f * rows[i] : 99.0f) << i;
  ref::gather_rows(table.cview(), rows, capped.view(), &large);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(capped.at(i, 0), 10.0f * rows[i]) << i;
}

}  // namespace
}  // namespace grl
