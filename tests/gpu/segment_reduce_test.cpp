// GPU full-neighbourhood aggregation == CPU reference, bit for bit (kernels/segment_reduce.h
// fixes the summation order): mean and max, simple and tuned, on a skewed graph whose hubs span
// many chunks, rows of exactly one chunk and one edge more, zero-degree rows, a row list with
// repeats, widths that are and are not multiples of 4, padded strides and many ties.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "host/pipeline/segment_plan.h"
#include "host/reference/segment_reduce_ref.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

// A skewed graph plus rows of kSegmentChunkEdges, kSegmentChunkEdges + 1 and 2 chunks + 1
// edges, so every boundary of the chunking is crossed.
Csr skewed_graph(NodeId n, int64_t edges) {
  Csr c = test::random_csr(n, edges, 11);
  std::vector<EdgeIndex> off(c.offsets.begin(), c.offsets.end());
  std::vector<NodeId> idx(c.indices.begin(), c.indices.end());
  std::vector<EdgeIndex> new_off{0};
  std::vector<NodeId> new_idx;
  const int64_t H = kSegmentChunkEdges;
  for (NodeId v = 0; v < n; ++v) {
    int64_t want = -1;
    if (v == 7) want = H;
    if (v == 8) want = H + 1;
    if (v == 9) want = 2 * H + 1;
    if (want < 0) {
      new_idx.insert(new_idx.end(), idx.begin() + off[v], idx.begin() + off[v + 1]);
    } else {
      for (int64_t k = 0; k < want; ++k) new_idx.push_back(static_cast<NodeId>((k * 37 + v) % n));
    }
    new_off.push_back(static_cast<EdgeIndex>(new_idx.size()));
  }
  Csr out;
  out.offsets = Array<EdgeIndex>(std::move(new_off));
  out.indices = Array<NodeId>(std::move(new_idx));
  return out;
}

TEST(GpuSegmentReduce, EqualsCpuReferenceBitForBit) {
  GRL_REQUIRE_GPU();
  const bool small = test::small_sizes();
  const NodeId n = small ? 3000 : 60000;
  const Csr csr = skewed_graph(n, small ? 60000 : 1500000);
  int64_t max_deg = 0;
  for (NodeId v = 0; v < n; ++v) max_deg = std::max<int64_t>(max_deg, csr.degree(v));
  ASSERT_GT(max_deg, 8 * kSegmentChunkEdges) << "the test needs hubs of many chunks";
  auto d_off = test::to_device(std::vector<EdgeIndex>(csr.offsets.begin(), csr.offsets.end()));
  auto d_idx = test::to_device(std::vector<NodeId>(csr.indices.begin(), csr.indices.end()));
  CsrView dg{d_off.data(), d_idx.data(), nullptr, n, csr.num_edges()};

  // Every row in order, then a shuffled subset with repeats and the special rows.
  std::vector<std::vector<int32_t>> row_lists(2);
  for (NodeId v = 0; v < n; ++v) row_lists[0].push_back(v);
  std::mt19937 rng(5);
  for (int k = 0; k < 700; ++k) row_lists[1].push_back(static_cast<int32_t>(rng() % n));
  for (int32_t v : {0, 7, 8, 9, 5, 0, n - 1}) row_lists[1].push_back(v);  // 5: isolated

  test::Stream s;
  for (const std::vector<int32_t>& rows : row_lists) {
    const int64_t m = static_cast<int64_t>(rows.size());
    const SegmentPlanHost hp = segment_plan(csr.offsets.data(), rows.data(), m);
    ASSERT_GT(hp.num_hubs(), 0);
    auto d_rows = test::to_device(rows);
    auto d_hub = test::to_device(hp.hub_row);
    auto d_first = test::to_device(hp.hub_first);
    auto d_irow = test::to_device(hp.item_row);
    auto d_ichunk = test::to_device(hp.item_chunk);
    for (int64_t dim : {1, 3, 4, 100, 128, 130}) {
      if (small && dim == 130) continue;
      const int64_t stride = dim % 4 == 0 ? dim + (dim == 4 ? 4 : 0) : dim + 1;
      for (bool ties : {false, true}) {
        std::mt19937 r2(static_cast<uint32_t>(dim * 3 + ties));
        std::normal_distribution<float> z(0.0f, 1.0f);
        std::vector<float> src(static_cast<size_t>(n) * stride);
        for (float& x : src) x = ties ? std::round(z(r2) * 2.0f) : z(r2);
        auto d_src = test::to_device(src);
        test::DeviceBuffer<float> d_part(std::max<int64_t>(1, hp.num_items()) * stride + 4);
        SegmentPlan plan{hp.num_hubs(), hp.num_items(),  d_hub.data(),  d_first.data(),
                         d_irow.data(), d_ichunk.data(), d_part.data(), stride};
        for (AggregateKind kind : {AggregateKind::kMean, AggregateKind::kMax}) {
          std::vector<float> want(m * stride, -7.0f);
          ref::segment_reduce(kind, MatrixView<const float>{src.data(), n, dim, stride}, csr.view(),
                              rows.data(), m, SegmentPlan{},
                              MatrixView<float>{want.data(), m, dim, stride});
          for (KernelVariant v : {KernelVariant::kSimple, KernelVariant::kTuned}) {
            const std::string what = "dim=" + std::to_string(dim) + " rows=" + std::to_string(m) +
                                     (kind == AggregateKind::kMax ? " max" : " mean") +
                                     (v == KernelVariant::kTuned ? " tuned" : " simple") +
                                     (ties ? " ties" : "");
            test::DeviceBuffer<float> out(m * stride);
            test::poison(out);
            launch_segment_reduce(kind, MatrixView<const float>{d_src.data(), n, dim, stride}, dg,
                                  d_rows.data(), m, plan,
                                  MatrixView<float>{out.data(), m, dim, stride}, v, s);
            s.synchronize();
            const std::vector<float> got = test::to_host(out);
            for (int64_t i = 0; i < m; ++i)
              ASSERT_EQ(std::memcmp(got.data() + i * stride, want.data() + i * stride, dim * 4), 0)
                  << what << ": row " << i << " (node " << rows[i] << ", degree "
                  << csr.degree(rows[i]) << ") first column " << got[i * stride] << " vs "
                  << want[i * stride];
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace grl
