// The CPU aggregation (host/reference/aggregate_ref.cpp), the oracle of the GPU aggregation
// kernels: make_block against the sample's hop_end, the forward pass (mean and max, with and
// without a row map, odd and padded widths) against a recomputation from the definition in
// kernels/aggregate.h, zero-count rows, ties and NaN in the max, the backward pass against a naive
// scatter and against finite differences of a scalar loss.
#include "host/reference/aggregate_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "host/graph/graph.h"
#include "host/pipeline/sample_plan.h"
#include "host/reference/sampling_ref.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr uint8_t kArgPoison = 0xCC;  // 204: above every fanout used here

// Random simple graph on n nodes: random edges among [0, n - 1 - isolated), the top id n - 1 a
// hub of degree `hub_degree`, and `isolated` nodes with no edges just below it.
Csr random_graph(uint32_t seed, NodeId n, int64_t num_edges, int hub_degree, int isolated) {
  std::mt19937 rng(seed);
  const NodeId regular = n - 1 - isolated;
  std::uniform_int_distribution<NodeId> pick(0, regular - 1);
  EdgeList el;
  auto add = [&](NodeId u, NodeId v) {
    el.src.push_back(u);
    el.dst.push_back(v);
  };
  for (int64_t e = 0; e < num_edges; ++e) add(pick(rng), pick(rng));
  for (int e = 0; e < hub_degree; ++e) add(n - 1, pick(rng));
  return build_csr(std::move(el), n, n, CsrBuildOptions{});
}

// A sample of `batch` seeds (two of them isolated, one the hub) on a random graph.
struct Fixture {
  Csr g;
  SampleLayout L;
  std::vector<NodeId> seeds, nodes;
  std::vector<int32_t> hop_end, seed_local, cnt, nbr;
  int num_hops() const { return L.num_hops; }
};

Fixture make_fixture(uint32_t seed, const std::vector<int>& fanouts, bool replace, int batch,
                     NodeId n) {
  Fixture fx;
  fx.g = random_graph(seed, n, 3 * int64_t{n}, 40, 4);
  std::mt19937 rng(seed + 1);
  for (int b = 0; b < batch; ++b) fx.seeds.push_back(static_cast<NodeId>(rng() % n));
  fx.seeds[0] = n - 2;  // isolated: a zero-count row
  fx.seeds[1] = n - 3;  // isolated
  fx.seeds[2] = n - 1;  // the hub
  fx.L = make_sample_layout(batch, fanouts, n);
  fx.nodes.assign(fx.L.max_nodes, -1);
  fx.hop_end.assign(fx.L.num_hops + 1, -1);
  fx.seed_local.assign(batch, -1);
  fx.cnt.assign(fx.L.total_rows, -1);
  fx.nbr.assign(fx.L.total_slots, -1);
  ref::sample_neighbors(fx.g.view(), Span<const NodeId>{fx.seeds.data(), batch}, fx.L,
                        SampleParams{.seed = seed, .epoch = 1, .replace = replace},
                        SampleOutput{fx.nodes.data(), fx.hop_end.data(), fx.seed_local.data(),
                                     fx.cnt.data(), fx.nbr.data()});
  return fx;
}

BlockView block_of(const Fixture& fx, int layer) {
  return make_block(fx.L, fx.hop_end.data(), fx.cnt.data(), fx.nbr.data(), layer, fx.num_hops());
}

// The neighbour list of destination i, read from the sample directly (not through the block):
// node i was expanded at the hop h with hop_end[h - 2] <= i < hop_end[h - 1].
struct Row {
  int cnt = 0;
  const int32_t* nbr = nullptr;
};
Row row_of(const Fixture& fx, int32_t i) {
  for (int h = 1; h <= fx.num_hops(); ++h)
    if (i < fx.hop_end[h - 1]) {
      const int32_t r = i - (h == 1 ? 0 : fx.hop_end[h - 2]);
      return {fx.cnt[fx.L.row_offset[h - 1] + r],
              fx.nbr.data() + fx.L.slot_offset[h - 1] + int64_t{r} * fx.L.fanouts[h - 1]};
    }
  ADD_FAILURE() << "row " << i << " was never expanded";
  return {};
}

using Matrix = test::PaddedMatrix;
using test::kPad;

// Uniform values in [-1, 1), or (quantized) small integers in [-2, 2] so that max ties abound.
Matrix random_matrix(std::mt19937& rng, int64_t rows, int64_t cols, int64_t stride,
                     bool quantized) {
  Matrix m(rows, cols, stride);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      m.at(i, j) = quantized ? static_cast<float>(static_cast<int>(rng() % 5) - 2) : u(rng);
  return m;
}

// Forward from the definition: double-precision mean, first-attaining max.
void naive_forward(AggregateKind kind, const Fixture& fx, int32_t num_dst, const Matrix& src,
                   const int32_t* row_map, std::vector<double>& out, std::vector<int>& arg) {
  const int64_t dim = src.cols;
  out.assign(static_cast<size_t>(num_dst * dim), 0.0);
  arg.assign(static_cast<size_t>(num_dst * dim), 255);
  for (int32_t i = 0; i < num_dst; ++i) {
    Row row = row_of(fx, i);
    for (int64_t f = 0; f < dim; ++f) {
      double acc = 0;
      for (int j = 0; j < row.cnt; ++j) {
        const int32_t l = row.nbr[j];
        const double x = src.at(row_map ? row_map[l] : l, f);
        if (kind == AggregateKind::kMean) {
          acc += x;
        } else if (j == 0 || x > acc) {
          acc = x;
          arg[i * dim + f] = j;
        }
      }
      out[i * dim + f] = kind == AggregateKind::kMean && row.cnt > 0 ? acc / row.cnt : acc;
    }
  }
}

std::string config(AggregateKind kind, int layer, int64_t dim, int64_t stride, bool row_map,
                   bool replace, bool quantized) {
  return std::string(kind == AggregateKind::kMean ? "mean" : "max") + " layer " +
         std::to_string(layer) + " dim " + std::to_string(dim) + " stride " +
         std::to_string(stride) + (row_map ? " row_map" : "") + (replace ? " replace" : "") +
         (quantized ? " quantized" : "");
}

// ---- make_block ------------------------------------------------------------------------------

TEST(AggregateRef, MakeBlockMatchesHopEnd) {
  for (bool replace : {false, true}) {
    Fixture fx = make_fixture(11, {5, 4, 3}, replace, 16, 500);
    const int K = fx.num_hops();
    for (int layer = 1; layer <= K; ++layer) {
      BlockView b = block_of(fx, layer);
      SCOPED_TRACE("layer " + std::to_string(layer));
      EXPECT_EQ(b.num_dst, fx.hop_end[K - layer]);
      EXPECT_EQ(b.num_src, fx.hop_end[K - layer + 1]);
      ASSERT_EQ(b.num_segments, K - layer + 1);
      int64_t slots = 0;
      for (int s = 0; s < b.num_segments; ++s) {
        EXPECT_EQ(b.seg[s].row_begin, s == 0 ? 0 : fx.hop_end[s - 1]) << "segment " << s;
        EXPECT_EQ(b.seg[s].row_end, fx.hop_end[s]) << "segment " << s;
        EXPECT_EQ(b.seg[s].fanout, fx.L.fanouts[s]) << "segment " << s;
        EXPECT_EQ(b.seg[s].nbr, fx.nbr.data() + fx.L.slot_offset[s]) << "segment " << s;
        EXPECT_EQ(b.seg[s].cnt, fx.cnt.data() + fx.L.row_offset[s]) << "segment " << s;
        slots += int64_t{fx.hop_end[s] - b.seg[s].row_begin} * fx.L.fanouts[s];
      }
      EXPECT_EQ(b.seg[b.num_segments - 1].row_end, b.num_dst);
      EXPECT_EQ(b.num_slots(), slots);
      // Every neighbour is a source.
      for (int32_t i = 0; i < b.num_dst; ++i) {
        Row row = row_of(fx, i);
        for (int j = 0; j < row.cnt; ++j) ASSERT_LT(row.nbr[j], b.num_src) << "row " << i;
      }
    }
  }
}

// ---- forward ---------------------------------------------------------------------------------

void check_forward(AggregateKind kind, const Fixture& fx, int layer, const Matrix& src,
                   const int32_t* row_map, int64_t out_stride, const std::string& cfg) {
  const BlockView b = block_of(fx, layer);
  const int64_t dim = src.cols;
  Matrix out(b.num_dst, dim, out_stride, kNaN);  // an unwritten element fails
  std::vector<uint8_t> arg(static_cast<size_t>(b.num_dst * dim), kArgPoison);
  ref::aggregate_forward(kind, src.cview(), row_map, b, out.view(),
                         kind == AggregateKind::kMax ? arg.data() : nullptr);
  std::vector<double> want;
  std::vector<int> want_arg;
  naive_forward(kind, fx, b.num_dst, src, row_map, want, want_arg);
  EXPECT_TRUE(out.padding_intact()) << cfg;
  double worst = -1;
  int64_t wi = -1, wf = -1, arg_mismatches = 0;
  for (int64_t i = 0; i < b.num_dst; ++i)
    for (int64_t f = 0; f < dim; ++f) {
      const double got = out.at(i, f), w = want[i * dim + f];
      // Mean: float sums in slot order then one multiply; max is exact.
      const double tol = kind == AggregateKind::kMean ? 2e-6 + 1e-5 * std::fabs(w) : 0.0;
      const double err = std::isnan(got) ? INFINITY : std::fabs(got - w) - tol;
      if (err > worst) worst = err, wi = i, wf = f;
      if (kind == AggregateKind::kMax && arg[i * dim + f] != want_arg[i * dim + f])
        ++arg_mismatches;
    }
  EXPECT_LE(worst, 0.0) << cfg << ": worst at row " << wi << " col " << wf << " got "
                        << out.at(wi, wf) << " want " << want[wi * dim + wf];
  if (kind == AggregateKind::kMax) {
    for (int64_t e = 0; e < b.num_dst * dim; ++e)
      if (arg[e] != want_arg[e]) {
        ADD_FAILURE() << cfg << ": " << arg_mismatches << " argslot mismatches, first at row "
                      << e / dim << " col " << e % dim << " got " << int(arg[e]) << " want "
                      << want_arg[e];
        break;
      }
  }
}

TEST(AggregateRef, ForwardMatchesDefinition) {
  std::mt19937 rng(5);
  int zero_rows = 0;
  for (bool replace : {false, true}) {
    Fixture fx = make_fixture(replace ? 21 : 22, {6, 4, 3}, replace, 24, 3000);
    for (int32_t i = 0; i < fx.hop_end[fx.num_hops() - 1]; ++i) zero_rows += row_of(fx, i).cnt == 0;
    // Row map: local id -> a row of a 40-row table, many locals sharing a row (duplicate rows).
    std::vector<int32_t> row_map(fx.hop_end.back());
    for (size_t l = 0; l < row_map.size(); ++l) row_map[l] = fx.nodes[l] % 40;
    for (int layer = 1; layer <= fx.num_hops(); ++layer)
      for (int64_t dim : {1, 3, 4, 33, 128})
        for (int64_t pad : {0, 5})
          for (bool use_map : {false, true})
            for (bool quantized : {false, true}) {
              const BlockView b = block_of(fx, layer);
              Matrix src = random_matrix(rng, use_map ? 40 : b.num_src, dim, dim + pad, quantized);
              for (AggregateKind kind : {AggregateKind::kMean, AggregateKind::kMax}) {
                const std::string cfg =
                    config(kind, layer, dim, dim + pad, use_map, replace, quantized);
                check_forward(kind, fx, layer, src, use_map ? row_map.data() : nullptr,
                              dim + (pad ? pad + 2 : 0), cfg);
              }
            }
  }
  EXPECT_GE(zero_rows, 4);  // isolated seeds were aggregated
}

// Hand-made block: ties go to the lowest slot, NaN wins only in slot 0, zero-count rows give 0
// and argslot 255, and two segments with different fanouts.
TEST(AggregateRef, ForwardHandMadeTiesNanAndEmptyRows) {
  // Sources (dim 2): rows 0..4.
  const float s[5][2] = {{1, 5}, {3, 5}, {3, -1}, {kNaN, 0}, {-7, kNaN}};
  Matrix src(5, 2, 2);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 2; ++c) src.at(r, c) = s[r][c];
  // Segment 0 (fanout 3): rows 0..2. Segment 1 (fanout 2): rows 3..4.
  const int32_t nbr0[] = {0, 1, 2, /**/ 3, 0, 4, /**/ 2, 2, -1};
  const int32_t cnt0[] = {3, 3, 0};
  const int32_t nbr1[] = {1, 2, /**/ 4, 3};
  const int32_t cnt1[] = {2, 2};
  BlockView b;
  b.num_dst = 5;
  b.num_src = 5;
  b.num_segments = 2;
  b.seg[0] = {0, 3, 3, nbr0, cnt0};
  b.seg[1] = {3, 5, 2, nbr1, cnt1};
  Matrix out(5, 2, 3, kNaN);
  std::vector<uint8_t> arg(10, kArgPoison);
  ref::aggregate_forward(AggregateKind::kMax, src.cview(), nullptr, b, out.view(), arg.data());
  // Row 0: col 0 max(1, 3, 3) = 3 at slot 1 (tie with slot 2); col 1 max(5, 5, -1) = 5 at slot 0.
  EXPECT_EQ(out.at(0, 0), 3.0f);
  EXPECT_EQ(arg[0], 1);
  EXPECT_EQ(out.at(0, 1), 5.0f);
  EXPECT_EQ(arg[1], 0);
  // Row 1: col 0 NaN in slot 0 wins; col 1 NaN in slot 2 loses to 5 at slot 1.
  EXPECT_TRUE(std::isnan(out.at(1, 0)));
  EXPECT_EQ(arg[2], 0);
  EXPECT_EQ(out.at(1, 1), 5.0f);
  EXPECT_EQ(arg[3], 1);
  // Row 2: no neighbours.
  EXPECT_EQ(out.at(2, 0), 0.0f);
  EXPECT_EQ(out.at(2, 1), 0.0f);
  EXPECT_EQ(arg[4], 255);
  EXPECT_EQ(arg[5], 255);
  // Row 3 (segment 1): max(3, 3) tie -> slot 0; max(5, -1) -> slot 0.
  EXPECT_EQ(out.at(3, 0), 3.0f);
  EXPECT_EQ(arg[6], 0);
  EXPECT_EQ(out.at(3, 1), 5.0f);
  EXPECT_EQ(arg[7], 0);
  // Row 4: col 0 max(-7, NaN) = -7 at slot 0; col 1 NaN in slot 0 wins over 0.
  EXPECT_EQ(out.at(4, 0), -7.0f);
  EXPECT_EQ(arg[8], 0);
  EXPECT_TRUE(std::isnan(out.at(4, 1)));
  EXPECT_EQ(arg[9], 0);
  EXPECT_TRUE(out.padding_intact());

  // Mean over the same block (with finite sources): zero-count row gives 0.
  src.at(3, 0) = 2;
  src.at(4, 1) = 4;
  ref::aggregate_forward(AggregateKind::kMean, src.cview(), nullptr, b, out.view(), nullptr);
  EXPECT_FLOAT_EQ(out.at(0, 0), (1 + 3 + 3) / 3.0f);
  EXPECT_FLOAT_EQ(out.at(0, 1), (5 + 5 - 1) / 3.0f);
  EXPECT_FLOAT_EQ(out.at(1, 0), (2 + 1 - 7) / 3.0f);
  EXPECT_FLOAT_EQ(out.at(1, 1), (0 + 5 + 4) / 3.0f);
  EXPECT_EQ(out.at(2, 0), 0.0f);
  EXPECT_EQ(out.at(2, 1), 0.0f);
  EXPECT_FLOAT_EQ(out.at(3, 0), 3.0f);
  EXPECT_FLOAT_EQ(out.at(3, 1), 2.0f);
  EXPECT_FLOAT_EQ(out.at(4, 0), (-7 + 2) / 2.0f);
  EXPECT_FLOAT_EQ(out.at(4, 1), (4 + 0) / 2.0f);
  EXPECT_TRUE(out.padding_intact());
}

// ---- backward --------------------------------------------------------------------------------

// grad_src by definition, in double: mean spreads grad_out[i] / cnt_i over the row's slots; max
// sends grad_out[i][f] to the slot argslot[i][f].
std::vector<double> naive_backward(AggregateKind kind, const Fixture& fx, const BlockView& b,
                                   const Matrix& g, const std::vector<uint8_t>& arg) {
  const int64_t dim = g.cols;
  std::vector<double> d(static_cast<size_t>(b.num_src * dim), 0.0);
  for (int32_t i = 0; i < b.num_dst; ++i) {
    Row row = row_of(fx, i);
    for (int j = 0; j < row.cnt; ++j)
      for (int64_t f = 0; f < dim; ++f) {
        if (kind == AggregateKind::kMean)
          d[row.nbr[j] * dim + f] += double(g.at(i, f)) / row.cnt;
        else if (arg[i * dim + f] == j)
          d[row.nbr[j] * dim + f] += g.at(i, f);
      }
  }
  return d;
}

TEST(AggregateRef, BackwardMatchesNaiveScatter) {
  std::mt19937 rng(8);
  for (bool replace : {false, true}) {
    Fixture fx = make_fixture(replace ? 31 : 32, {5, 3, 2}, replace, 20, 2000);
    for (int layer = 1; layer <= fx.num_hops(); ++layer)
      for (int64_t dim : {1, 3, 4, 33, 128})
        for (int64_t pad : {0, 3})
          for (AggregateKind kind : {AggregateKind::kMean, AggregateKind::kMax}) {
            const std::string cfg = config(kind, layer, dim, dim + pad, false, replace, true);
            const BlockView b = block_of(fx, layer);
            Matrix src = random_matrix(rng, b.num_src, dim, dim, /*quantized=*/true);
            Matrix out(b.num_dst, dim, dim);
            std::vector<uint8_t> arg(static_cast<size_t>(b.num_dst * dim), kArgPoison);
            ref::aggregate_forward(kind, src.cview(), nullptr, b, out.view(), arg.data());
            Matrix g = random_matrix(rng, b.num_dst, dim, dim + pad, false);
            // Two rows past num_src must stay untouched.
            Matrix grad(b.num_src + 2, dim, dim + pad, kNaN);
            ref::aggregate_backward(kind, b, g.cview(), arg.data(), grad.view());
            std::vector<double> want = naive_backward(kind, fx, b, g, arg);
            EXPECT_TRUE(grad.padding_intact()) << cfg;
            for (int64_t u = b.num_src; u < b.num_src + 2; ++u)
              for (int64_t f = 0; f < dim; ++f)
                ASSERT_TRUE(std::isnan(grad.at(u, f))) << cfg << ": wrote row " << u;
            double worst = -1;
            int64_t wu = -1, wf = -1;
            for (int64_t u = 0; u < b.num_src; ++u)
              for (int64_t f = 0; f < dim; ++f) {
                const double got = grad.at(u, f), w = want[u * dim + f];
                const double err =
                    std::isnan(got) ? INFINITY : std::fabs(got - w) - (1e-6 + 1e-5 * std::fabs(w));
                if (err > worst) worst = err, wu = u, wf = f;
              }
            EXPECT_LE(worst, 0.0) << cfg << ": worst at source " << wu << " col " << wf << " got "
                                  << grad.at(wu, wf) << " want " << want[wu * dim + wf];
          }
  }
}

// L = sum_i,f w[i][f] * forward(src)[i][f]; dL/dsrc = aggregate_backward(grad_out = w).
// Mean is linear, so a large step is exact up to rounding. For max all source values are distinct
// multiples of 1/64 (exact in float), so a step of 2^-9 never changes an argmax: L is locally
// linear and the central difference is exact too.
TEST(AggregateRef, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(13);
  for (bool replace : {false, true}) {
    Fixture fx = make_fixture(replace ? 41 : 42, {4, 3}, replace, 6, 400);
    for (int layer = 1; layer <= fx.num_hops(); ++layer)
      for (int64_t dim : {1, 3, 5})
        for (AggregateKind kind : {AggregateKind::kMean, AggregateKind::kMax}) {
          const std::string cfg = config(kind, layer, dim, dim, false, replace, false);
          const BlockView b = block_of(fx, layer);
          Matrix src(b.num_src, dim, dim);
          std::vector<int> perm(static_cast<size_t>(b.num_src * dim));
          std::iota(perm.begin(), perm.end(), 0);
          std::shuffle(perm.begin(), perm.end(), rng);
          for (int64_t e = 0; e < b.num_src * dim; ++e)
            src.v[e] = (perm[e] - 0.5f * perm.size()) / 64.0f;
          Matrix w = random_matrix(rng, b.num_dst, dim, dim, false);
          Matrix out(b.num_dst, dim, dim);
          std::vector<uint8_t> arg(static_cast<size_t>(b.num_dst * dim));
          auto loss = [&] {
            ref::aggregate_forward(kind, src.cview(), nullptr, b, out.view(), arg.data());
            double l = 0;
            for (int64_t e = 0; e < b.num_dst * dim; ++e) l += double(w.v[e]) * out.v[e];
            return l;
          };
          loss();
          Matrix grad(b.num_src, dim, dim);
          ref::aggregate_backward(kind, b, w.cview(), arg.data(), grad.view());
          const float h = kind == AggregateKind::kMean ? 0.5f : 1.0f / 512;
          double worst = -1;
          int64_t we = -1;
          double wfd = 0;
          for (int64_t e = 0; e < b.num_src * dim; ++e) {
            const float x = src.v[e];
            src.v[e] = x + h;
            const double lp = loss();
            src.v[e] = x - h;
            const double lm = loss();
            src.v[e] = x;
            const double fd = (lp - lm) / (2.0 * h);
            const double err = std::fabs(fd - grad.v[e]) - 1e-4 * (1 + std::fabs(fd));
            if (err > worst) worst = err, we = e, wfd = fd;
          }
          EXPECT_LE(worst, 0.0) << cfg << ": worst at source " << we / dim << " col " << we % dim
                                << " backward " << grad.v[we] << " finite difference " << wfd;
        }
  }
}

}  // namespace

}  // namespace grl
