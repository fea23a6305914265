// GPU aggregation == CPU reference: mean and max, forward (values, and arg-max slots exactly)
// and backward, simple and tuned variants, with and without a row map, over feature widths that
// are and are not multiples of 4 (and of 32), padded strides, zero-count rows and forced ties.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "host/pipeline/sample_plan.h"
#include "host/reference/aggregate_ref.h"
#include "host/reference/sampling_ref.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

// A sampled batch on both sides.
struct Sampled {
  SampleLayout L;
  std::vector<NodeId> nodes;
  std::vector<int32_t> hop, seed_local, cnt, nbr;
  test::DeviceBuffer<NodeId> d_nodes;
  test::DeviceBuffer<int32_t> d_cnt, d_nbr;
};

Sampled sample(const Csr& csr, int64_t batch, std::vector<int> fanouts, uint64_t seed) {
  Sampled s;
  s.L = make_sample_layout(batch, fanouts, csr.num_rows());
  auto seeds = test::random_seeds(csr.num_rows(), batch, seed, false);
  s.nodes.resize(s.L.max_nodes + 1);
  s.hop.resize(s.L.num_hops + 1);
  s.seed_local.resize(batch + 1);
  s.cnt.assign(s.L.total_rows + 1, 0);
  s.nbr.assign(s.L.total_slots + 1, 0);
  ref::sample_neighbors(
      csr.view(), Span<const NodeId>{seeds.data(), static_cast<int64_t>(seeds.size())}, s.L,
      SampleParams{seed, 0, false},
      SampleOutput{s.nodes.data(), s.hop.data(), s.seed_local.data(), s.cnt.data(), s.nbr.data()});
  s.d_nodes = test::to_device(s.nodes);
  s.d_cnt = test::to_device(s.cnt);
  s.d_nbr = test::to_device(s.nbr);
  return s;
}

std::vector<float> random_matrix(int64_t rows, int64_t stride, uint64_t seed, bool quantised) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> m(rows * stride);
  for (float& x : m) x = quantised ? std::round(d(rng) * 2.0f) : d(rng);  // quantised: many ties
  return m;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, int64_t rows,
                  int64_t cols, int64_t stride, const std::string& what, float tol = 1e-5f) {
  int64_t worst = -1;
  float worst_err = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const float g = got[r * stride + c], w = want[r * stride + c];
      const float err = std::fabs(g - w) / (tol + tol * std::fabs(w));
      if (!(err <= 1.0f) && (worst < 0 || err > worst_err || std::isnan(g))) {
        worst = r * stride + c;
        worst_err = std::isnan(g) ? INFINITY : err;
      }
    }
  ASSERT_LT(worst, 0) << what << ": worst element (" << worst / stride << ", " << worst % stride
                      << ") gpu " << got[worst] << " cpu " << want[worst];
}

TEST(GpuAggregate, ForwardAndBackwardEqualCpu) {
  GRL_REQUIRE_GPU();
  const bool small = test::small_sizes();
  const NodeId n = small ? 2000 : 50000;
  const Csr csr = test::random_csr(n, small ? 20000 : 600000, 3);
  test::Stream s;
  for (std::vector<int> fanouts :
       {std::vector<int>{10}, std::vector<int>{25, 10}, std::vector<int>{15, 10, 5}}) {
    Sampled smp = sample(csr, small ? 64 : 512, fanouts, 5);
    const int K = smp.L.num_hops;
    for (int64_t dim : {1, 3, 4, 33, 64, 100, 128, 260}) {
      for (bool quantised : {false, true}) {
        // Padded strides: aligned for float4 when dim % 4 == 0 (64 gets extra padding), else not.
        const int64_t stride =
            dim % 4 == 0 ? dim + (dim == 64 ? 8 : 0) : dim + (dim % 2 == 0 ? 2 : 1);
        for (int l = 1; l <= K; ++l) {
          const BlockView hb =
              make_block(smp.L, smp.hop.data(), smp.cnt.data(), smp.nbr.data(), l, K);
          const BlockView db =
              make_block(smp.L, smp.hop.data(), smp.d_cnt.data(), smp.d_nbr.data(), l, K);
          const bool use_map = l == 1;
          const int64_t src_rows = use_map ? n : hb.num_src;
          std::vector<float> src = random_matrix(src_rows, stride, dim * 31 + l, quantised);
          auto d_src = test::to_device(src);
          MatrixView<const float> h_srcv{src.data(), src_rows, dim, stride},
              d_srcv{d_src.data(), src_rows, dim, stride};
          for (AggregateKind kind : {AggregateKind::kMean, AggregateKind::kMax}) {
            const bool is_max = kind == AggregateKind::kMax;
            std::vector<float> want(hb.num_dst * stride + 1, 0.0f);
            std::vector<uint8_t> want_arg(hb.num_dst * dim + 1, 0);
            ref::aggregate_forward(kind, h_srcv, use_map ? smp.nodes.data() : nullptr, hb,
                                   MatrixView<float>{want.data(), hb.num_dst, dim, stride},
                                   want_arg.data());
            for (KernelVariant v : {KernelVariant::kSimple, KernelVariant::kTuned}) {
              std::string what = "dim=" + std::to_string(dim) + " layer=" + std::to_string(l) +
                                 "/" + std::to_string(K) + (is_max ? " max" : " mean") +
                                 (v == KernelVariant::kTuned ? " tuned" : " simple") +
                                 (quantised ? " ties" : "");
              test::DeviceBuffer<float> out(hb.num_dst * stride + 1);
              test::DeviceBuffer<uint8_t> arg(hb.num_dst * dim + 1);
              test::poison(out);
              test::poison(arg);
              launch_aggregate_forward(kind, d_srcv, use_map ? smp.d_nodes.data() : nullptr, db,
                                       MatrixView<float>{out.data(), hb.num_dst, dim, stride},
                                       arg.data(), v, s);
              s.synchronize();
              expect_close(test::to_host(out), want, hb.num_dst, dim, stride, what);
              if (HasFatalFailure()) return;
              if (is_max) {
                auto got_arg = test::to_host(arg);
                for (int64_t k = 0; k < hb.num_dst * dim; ++k)
                  ASSERT_EQ(got_arg[k], want_arg[k])
                      << what << " argslot " << k / dim << "," << k % dim;
              }
            }
            // Backward (needs the forward's arg-max slots for max).
            std::vector<float> g = random_matrix(hb.num_dst, stride, dim * 7 + l, false);
            std::vector<float> want_grad(hb.num_src * stride + 1, 0.0f);
            ref::aggregate_backward(
                kind, hb, MatrixView<const float>{g.data(), hb.num_dst, dim, stride},
                want_arg.data(), MatrixView<float>{want_grad.data(), hb.num_src, dim, stride});
            auto d_g = test::to_device(g);
            auto d_arg = test::to_device(want_arg);
            test::DeviceBuffer<float> grad(hb.num_src * stride + 1);
            test::poison(grad);
            size_t bytes = aggregate_backward_scratch_bytes(hb.num_slots(), hb.num_src);
            test::DeviceBuffer<char> scratch(bytes);
            launch_aggregate_backward(
                kind, db, MatrixView<const float>{d_g.data(), hb.num_dst, dim, stride},
                d_arg.data(), MatrixView<float>{grad.data(), hb.num_src, dim, stride},
                scratch.data(), bytes, s);
            s.synchronize();
            expect_close(test::to_host(grad), want_grad, hb.num_src, dim, stride,
                         std::string("backward dim=") + std::to_string(dim) +
                             " layer=" + std::to_string(l) + (is_max ? " max" : " mean"),
                         1e-4f);
            if (HasFatalFailure()) return;
          }
        }
        if (small && dim > 64) break;
      }
    }
  }
}

}  // namespace
}  // namespace grl
