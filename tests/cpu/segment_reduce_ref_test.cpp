// The CPU full-neighbourhood aggregation (host/reference/segment_reduce_ref.h) against the plain
// definition: mean within float rounding of a double-precision sum, max exactly, zero-degree
// rows 0; the chunked order is what it claims (a mean over two chunks equals the chunk sums
// added in order); the plan lists exactly the rows of more than one chunk and their chunks.
#include "host/reference/segment_reduce_ref.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "host/graph/graph.h"
#include "host/pipeline/segment_plan.h"

namespace grl {
namespace {

constexpr int64_t H = kSegmentChunkEdges;

Csr graph_with_degrees(const std::vector<int64_t>& degrees, NodeId n) {
  std::vector<EdgeIndex> off{0};
  std::vector<NodeId> idx;
  std::mt19937 rng(3);
  for (int64_t d : degrees) {
    for (int64_t k = 0; k < d; ++k) idx.push_back(static_cast<NodeId>(rng() % n));
    off.push_back(static_cast<EdgeIndex>(idx.size()));
  }
  for (NodeId v = static_cast<NodeId>(degrees.size()); v < n; ++v) off.push_back(off.back());
  Csr c;
  c.offsets = Array<EdgeIndex>(std::move(off));
  c.indices = Array<NodeId>(std::move(idx));
  return c;
}

TEST(SegmentReduceRef, MatchesTheDefinitionOnEveryChunkBoundary) {
  const NodeId n = 5000;
  const std::vector<int64_t> degrees{0, 1, 2, H - 1, H, H + 1, 2 * H, 2 * H + 1, 10 * H + 17, 3};
  const Csr g = graph_with_degrees(degrees, n);
  const int64_t dim = 5, stride = 7;
  std::mt19937 rng(9);
  std::normal_distribution<float> z(0.0f, 1.0f);
  std::vector<float> src(n * stride);
  for (float& x : src) x = z(rng);
  std::vector<int32_t> rows;
  for (size_t v = 0; v < degrees.size(); ++v) rows.push_back(static_cast<int32_t>(v));
  rows.push_back(4);  // a repeat
  const int64_t m = static_cast<int64_t>(rows.size());
  MatrixView<const float> sv{src.data(), n, dim, stride};
  for (AggregateKind kind : {AggregateKind::kMean, AggregateKind::kMax}) {
    std::vector<float> out(m * dim, 99.0f);
    ref::segment_reduce(kind, sv, g.view(), rows.data(), m, SegmentPlan{},
                        MatrixView<float>{out.data(), m, dim, dim});
    for (int64_t i = 0; i < m; ++i) {
      const auto nb = g.neighbors(rows[i]);
      for (int64_t f = 0; f < dim; ++f) {
        const float got = out[i * dim + f];
        if (nb.empty()) {
          EXPECT_EQ(got, 0.0f) << "row " << rows[i];
          continue;
        }
        if (kind == AggregateKind::kMax) {
          float best = -INFINITY;
          for (NodeId u : nb) best = std::max(best, src[u * stride + f]);
          EXPECT_EQ(got, best) << "max row " << rows[i] << " col " << f;
        } else {
          double sum = 0;
          for (NodeId u : nb) sum += src[u * stride + f];
          EXPECT_NEAR(got, sum / nb.size(), 1e-5) << "mean row " << rows[i] << " col " << f;
        }
      }
    }
  }
  // The order: row 7 (2H + 1 edges) is ((c0 + c1) + c2) * (1 / d), each chunk summed from 0.
  std::vector<float> out(m * dim);
  ref::segment_reduce(AggregateKind::kMean, sv, g.view(), rows.data(), m, SegmentPlan{},
                      MatrixView<float>{out.data(), m, dim, dim});
  const auto nb = g.neighbors(7);
  for (int64_t f = 0; f < dim; ++f) {
    float acc = 0.0f;
    for (int64_t c0 = 0; c0 < static_cast<int64_t>(nb.size()); c0 += H) {
      float part = 0.0f;
      for (int64_t e = c0; e < std::min<int64_t>(c0 + H, nb.size()); ++e)
        part += src[nb[e] * stride + f];
      acc = c0 == 0 ? part : acc + part;
    }
    EXPECT_EQ(out[7 * dim + f], acc * (1.0f / static_cast<float>(nb.size()))) << "col " << f;
  }

  const SegmentPlanHost p = segment_plan(g.offsets.data(), rows.data(), m);
  // Rows of more than one chunk: degrees H + 1, 2H, 2H + 1 and 10H + 17 (output rows 5-8).
  EXPECT_EQ(p.hub_row, (std::vector<int32_t>{5, 6, 7, 8}));
  EXPECT_EQ(p.hub_first, (std::vector<int64_t>{0, 1, 2, 4, 14}));
  ASSERT_EQ(p.num_items(), 14);
  EXPECT_EQ(p.item_row[3], 7);
  EXPECT_EQ(p.item_chunk[3], 2);
  EXPECT_EQ(p.item_chunk[13], 10);
}

TEST(SegmentReduceRef, NoRowsWritesNothing) {
  const Csr g = graph_with_degrees({3}, 4);
  std::vector<float> src(16, 1.0f), out(1, 42.0f);
  ref::segment_reduce(AggregateKind::kMean, MatrixView<const float>{src.data(), 4, 4, 4}, g.view(),
                      nullptr, 0, SegmentPlan{}, MatrixView<float>{out.data(), 0, 4, 4});
  EXPECT_EQ(out[0], 42.0f);
  EXPECT_EQ(segment_plan(g.offsets.data(), nullptr, 0).num_hubs(), 0);
}

}  // namespace
}  // namespace grl
