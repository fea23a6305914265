// GPU LSTM aggregator kernels == CPU reference: the orders exactly, one forward step at t = 0
// and at a middle step, one backward step, and the scatter, over a block of two segments with
// empty, one-neighbour and full rows, an odd unit count and padded strides.
#include "host/reference/lstm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

struct HostBlock {
  int32_t n_dst = 0, n_src = 0;
  std::vector<int32_t> cnt0, cnt1, nbr0, nbr1;
  BlockView host;
  DeviceBuffer<int32_t> d_cnt0, d_cnt1, d_nbr0, d_nbr1;
  BlockView dev;
};

// Rows [0, a) with fanout f0 and [a, n_dst) with fanout f1 over n_src sources.
HostBlock make_block(int32_t a, int32_t n_dst, int f0, int f1, int32_t n_src, uint32_t seed) {
  HostBlock b;
  b.n_dst = n_dst;
  b.n_src = n_src;
  std::mt19937 rng(seed);
  b.cnt0.resize(a);
  b.cnt1.resize(n_dst - a);
  for (auto& c : b.cnt0) c = static_cast<int32_t>(rng() % (f0 + 1));
  for (auto& c : b.cnt1) c = static_cast<int32_t>(rng() % (f1 + 1));
  b.cnt0[0] = f0;
  b.cnt0[1] = 0;
  b.cnt0[2] = 1;
  b.nbr0.resize(size_t(a) * f0);
  b.nbr1.resize(size_t(n_dst - a) * f1);
  for (auto& x : b.nbr0) x = static_cast<int32_t>(rng() % n_src);
  for (auto& x : b.nbr1) x = static_cast<int32_t>(rng() % n_src);
  b.d_cnt0 = test::to_device(b.cnt0);
  b.d_cnt1 = test::to_device(b.cnt1);
  b.d_nbr0 = test::to_device(b.nbr0);
  b.d_nbr1 = test::to_device(b.nbr1);
  for (int side = 0; side < 2; ++side) {
    BlockView& v = side ? b.dev : b.host;
    v.num_dst = n_dst;
    v.num_src = n_src;
    v.num_segments = 2;
    v.seg[0] = {0, a, f0, side ? b.d_nbr0.data() : b.nbr0.data(),
                side ? b.d_cnt0.data() : b.cnt0.data()};
    v.seg[1] = {a, n_dst, f1, side ? b.d_nbr1.data() : b.nbr1.data(),
                side ? b.d_cnt1.data() : b.cnt1.data()};
  }
  return b;
}

std::vector<float> random_vec(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

void expect_close(const std::vector<float>& cpu, const std::vector<float>& gpu, int64_t rows,
                  int64_t cols, int64_t stride, const char* what) {
  int bad = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const float x = cpu[r * stride + c], y = gpu[r * stride + c];
      if (!(std::fabs(x - y) <= 1e-5f + 1e-4f * std::fabs(x)) && ++bad <= 5)
        ADD_FAILURE() << what << " (" << r << ", " << c << "): cpu " << x << " gpu " << y;
    }
}

TEST(GpuLstm, KernelsEqualCpu) {
  GRL_REQUIRE_GPU();
  const int32_t n_dst = 700, n_src = 1500;
  const int64_t H = 37, S4 = 4 * H + 4, SH = H + 3;
  HostBlock b = make_block(200, n_dst, 25, 10, n_src, 1);
  const int W = lstm_max_steps(b.host);
  cudaStream_t stream = nullptr;

  // Orders: bit-identical.
  std::vector<uint8_t> ord(size_t(n_dst) * W), tpos(ord.size());
  ref::lstm_orders(b.host, W, 5, 77, ord.data(), tpos.data());
  DeviceBuffer<uint8_t> d_ord(ord.size()), d_tpos(ord.size());
  launch_lstm_orders(b.dev, W, 5, 77, d_ord.data(), d_tpos.data(), stream);
  GRL_CUDA_CHECK(cudaDeviceSynchronize());
  EXPECT_EQ(test::to_host(d_ord), ord);
  EXPECT_EQ(test::to_host(d_tpos), tpos);

  // Forward steps t = 0 and t = 3 from random inputs.
  auto proj = random_vec(size_t(n_src) * S4, 2, 1.0f);
  auto bias = random_vec(4 * H, 3, 0.3f);
  auto d_proj = test::to_device(proj);
  auto d_bias = test::to_device(bias);
  for (int t : {0, 3}) {
    const LstmStep st{t, lstm_active_rows(b.host, t), W};
    auto gates = random_vec(size_t(n_dst) * S4, 10 + t, 1.0f);
    auto cprev = random_vec(size_t(n_dst) * SH, 20 + t, 1.0f);
    std::vector<float> c(size_t(n_dst) * SH, 0.0f), h = c, agg = c;
    auto d_gates = test::to_device(gates);
    auto d_cprev = test::to_device(cprev);
    auto d_c = test::to_device(c), d_h = test::to_device(h), d_agg = test::to_device(agg);
    ref::lstm_gates_forward(b.host, st, {proj.data(), n_src, 4 * H, S4}, ord.data(), bias.data(),
                            {gates.data(), st.rows, 4 * H, S4}, {cprev.data(), st.rows, H, SH},
                            {c.data(), st.rows, H, SH}, {h.data(), st.rows, H, SH},
                            {agg.data(), n_dst, H, SH});
    launch_lstm_gates_forward(b.dev, st, {d_proj.data(), n_src, 4 * H, S4}, d_ord.data(),
                              d_bias.data(), {d_gates.data(), st.rows, 4 * H, S4},
                              {d_cprev.data(), st.rows, H, SH}, {d_c.data(), st.rows, H, SH},
                              {d_h.data(), st.rows, H, SH}, {d_agg.data(), n_dst, H, SH}, stream);
    GRL_CUDA_CHECK(cudaDeviceSynchronize());
    expect_close(gates, test::to_host(d_gates), st.rows, 4 * H, S4, "forward gates");
    expect_close(c, test::to_host(d_c), st.rows, H, SH, "forward cells");
    expect_close(h, test::to_host(d_h), st.rows, H, SH, "forward hidden");
    expect_close(agg, test::to_host(d_agg), n_dst, H, SH, "aggregate");

    // Backward of the same step from the activated gates it produced.
    auto dagg = random_vec(size_t(n_dst) * SH, 30 + t, 1.0f);
    auto dh = random_vec(size_t(n_dst) * SH, 40 + t, 1.0f);
    auto dc = random_vec(size_t(n_dst) * SH, 50 + t, 1.0f);
    auto d_dagg = test::to_device(dagg), d_dh = test::to_device(dh), d_dc = test::to_device(dc);
    GRL_CUDA_CHECK(
        cudaMemcpy(d_gates.data(), gates.data(), gates.size() * 4, cudaMemcpyHostToDevice));
    ref::lstm_gates_backward(b.host, st, {gates.data(), st.rows, 4 * H, S4},
                             {cprev.data(), st.rows, H, SH}, {c.data(), st.rows, H, SH},
                             {dagg.data(), n_dst, H, SH}, {dh.data(), st.rows, H, SH},
                             {dc.data(), st.rows, H, SH});
    launch_lstm_gates_backward(b.dev, st, {d_gates.data(), st.rows, 4 * H, S4},
                               {d_cprev.data(), st.rows, H, SH}, {d_c.data(), st.rows, H, SH},
                               {d_dagg.data(), n_dst, H, SH}, {d_dh.data(), st.rows, H, SH},
                               {d_dc.data(), st.rows, H, SH}, stream);
    GRL_CUDA_CHECK(cudaDeviceSynchronize());
    expect_close(gates, test::to_host(d_gates), st.rows, 4 * H, S4, "backward gates");
    expect_close(dc, test::to_host(d_dc), st.rows, H, SH, "backward cell gradient");
  }

  // Scatter of W slabs of gate gradients onto the sources.
  auto all = random_vec(size_t(W) * n_dst * S4, 60, 1.0f);
  auto d_all = test::to_device(all);
  std::vector<float> out(size_t(n_src) * S4, 0.0f);
  DeviceBuffer<float> d_out(out.size());
  test::poison(d_out);
  int64_t slots = 0;
  for (int s = 0; s < 2; ++s)
    slots += int64_t{b.host.seg[s].row_end - b.host.seg[s].row_begin} * b.host.seg[s].fanout;
  DeviceBuffer<char> scratch(aggregate_backward_scratch_bytes(slots, n_src));
  ref::lstm_scatter(b.host, {all.data(), int64_t{W} * n_dst, 4 * H, S4}, n_dst, tpos.data(), W,
                    {out.data(), n_src, 4 * H, S4});
  launch_lstm_scatter(b.dev, {d_all.data(), int64_t{W} * n_dst, 4 * H, S4}, n_dst, d_tpos.data(), W,
                      {d_out.data(), n_src, 4 * H, S4}, scratch.data(), scratch.size(), stream);
  GRL_CUDA_CHECK(cudaDeviceSynchronize());
  // Same summation order on both sides: equal up to FMA contraction.
  expect_close(out, test::to_host(d_out), n_src, 4 * H, S4, "scatter");
}

}  // namespace
}  // namespace grl
