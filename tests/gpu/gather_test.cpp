// GPU row gather == the table's rows exactly: widths that are and are not multiples of 4,
// padded strides, a row count read on the device, and the cached gather from a pinned host
// table (zero-copy) with a third of the rows in a device cache, its hit count included.
#include "kernels/gather.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

std::vector<float> random_matrix(int64_t rows, int64_t stride, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> m(rows * stride);
  for (float& x : m) x = d(rng);
  return m;
}

TEST(GpuGather, RowsEqualCpu) {
  GRL_REQUIRE_GPU();
  test::Stream s;
  const int64_t rows = 5000;
  for (int64_t dim : {1, 5, 8, 100, 128, 300}) {
    const int64_t stride = (dim + 3) / 4 * 4;
    std::vector<float> table = random_matrix(rows, stride, dim);
    std::vector<int32_t> idx;
    for (int i = 0; i < 777; ++i) idx.push_back((i * 7919) % rows);
    idx.push_back(rows - 1);
    auto d_table = test::to_device(table);
    auto d_idx = test::to_device(idx);
    const int64_t n = static_cast<int64_t>(idx.size());
    test::DeviceBuffer<float> out(n * stride);
    test::poison(out);
    launch_gather_rows(MatrixView<const float>{d_table.data(), rows, dim, stride}, d_idx.data(),
                       MatrixView<float>{out.data(), n, dim, stride}, nullptr, s);
    s.synchronize();
    auto got = test::to_host(out);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < dim; ++c)
        ASSERT_EQ(got[i * stride + c], table[idx[i] * stride + c]) << "dim " << dim << " row " << i;

    // The count read on the device: rows past it stay untouched (poisoned).
    const std::vector<int32_t> count = {300};
    auto d_count = test::to_device(count);
    test::poison(out);
    const std::vector<float> poisoned = test::to_host(out);
    launch_gather_rows(MatrixView<const float>{d_table.data(), rows, dim, stride}, d_idx.data(),
                       MatrixView<float>{out.data(), n, dim, stride}, d_count.data(), s);
    s.synchronize();
    got = test::to_host(out);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < dim; ++c) {
        const float want = i < 300 ? table[idx[i] * stride + c] : poisoned[i * stride + c];
        ASSERT_EQ(std::memcmp(&got[i * stride + c], &want, sizeof(float)), 0)
            << "dim " << dim << " row " << i << " (count 300)";
      }
  }
}

// The cached gather: the table in pinned host memory (read zero-copy), a third of the rows in a
// device cache; every row must equal the table's, and the hit count the cached lookups.
TEST(GpuGather, CachedFromHostMemoryEqualsCpu) {
  GRL_REQUIRE_GPU();
  test::Stream s;
  const int64_t rows = 5000;
  for (int64_t dim : {5, 128}) {
    const int64_t stride = (dim + 3) / 4 * 4;
    std::vector<float> table = random_matrix(rows, stride, dim);
    test::PinnedBuffer<float> host_table(table.size());
    std::copy(table.begin(), table.end(), host_table.data());
    std::vector<int32_t> slot(rows, -1);
    std::vector<float> cache;
    for (int64_t v = 0; v < rows; v += 3) {
      slot[v] = static_cast<int32_t>(cache.size() / stride);
      cache.insert(cache.end(), table.begin() + v * stride, table.begin() + (v + 1) * stride);
    }
    const int64_t cached = static_cast<int64_t>(cache.size()) / stride;
    std::vector<int32_t> idx;
    for (int i = 0; i < 20000; ++i) idx.push_back((i * 7919) % rows);
    unsigned long long want_hits = 0;
    for (int32_t v : idx) want_hits += slot[v] >= 0;
    auto d_cache = test::to_device(cache);
    auto d_slot = test::to_device(slot);
    auto d_idx = test::to_device(idx);
    const int64_t n = static_cast<int64_t>(idx.size());
    test::DeviceBuffer<float> out(n * stride);
    test::poison(out);
    test::DeviceBuffer<unsigned long long> hits(1);
    test::fill_bytes(hits, 0);
    launch_gather_rows_cached(
        MatrixView<const float>{host_table.data(), rows, dim, stride},
        MatrixView<const float>{d_cache.data(), cached, dim, stride}, d_slot.data(), d_idx.data(),
        MatrixView<float>{out.data(), n, dim, stride}, hits.data(), nullptr, s);
    s.synchronize();
    auto got = test::to_host(out);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < dim; ++c)
        ASSERT_EQ(got[i * stride + c], table[idx[i] * stride + c]) << "dim " << dim << " row " << i;
    EXPECT_EQ(test::to_host(hits)[0], want_hits);

    // With a device count of 1000: only those rows are gathered and counted.
    const std::vector<int32_t> count = {1000};
    auto d_count = test::to_device(count);
    unsigned long long want_counted = 0;
    for (int i = 0; i < 1000; ++i) want_counted += slot[idx[i]] >= 0;
    test::fill_bytes(hits, 0);
    launch_gather_rows_cached(
        MatrixView<const float>{host_table.data(), rows, dim, stride},
        MatrixView<const float>{d_cache.data(), cached, dim, stride}, d_slot.data(), d_idx.data(),
        MatrixView<float>{out.data(), n, dim, stride}, hits.data(), d_count.data(), s);
    s.synchronize();
    EXPECT_EQ(test::to_host(hits)[0], want_counted);
  }
}

}  // namespace
}  // namespace grl
