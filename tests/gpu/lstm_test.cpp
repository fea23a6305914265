// GPU LSTM aggregator kernels == CPU reference: the orders exactly, one forward step at t = 0
// and at a middle step, one backward step, and the scatter, over a block of two segments with
// empty, one-neighbour and full rows, an odd unit count and padded strides. Through the Backend
// interface, so that grl_emu_tests runs them on the emulated backend too (gpu_test_util.h).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "host/pipeline/sample_plan.h"
#include "host/reference/lstm_ref.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

struct HostBlock {
  int32_t n_dst = 0, n_src = 0;
  std::vector<int32_t> cnt0, cnt1, nbr0, nbr1;
  BlockView host;
  Buffer<int32_t> d_cnt0, d_cnt1, d_nbr0, d_nbr1;
  BlockView dev;
};

// Rows [0, a) with fanout f0 and [a, n_dst) with fanout f1 over n_src sources.
HostBlock make_block(Backend& gpu, int32_t a, int32_t n_dst, int f0, int f1, int32_t n_src,
                     uint32_t seed) {
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
  b.d_cnt0 = test::upload(gpu, b.cnt0);
  b.d_cnt1 = test::upload(gpu, b.cnt1);
  b.d_nbr0 = test::upload(gpu, b.nbr0);
  b.d_nbr1 = test::upload(gpu, b.nbr1);
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
  auto gpu = test::make_gpu_backend();
  const int32_t n_dst = 700, n_src = 1500;
  const int64_t H = 37, S4 = 4 * H + 4, SH = H + 3;
  HostBlock b = make_block(*gpu, 200, n_dst, 25, 10, n_src, 1);
  const int W = lstm_max_steps(b.host);

  // Orders: bit-identical.
  std::vector<uint8_t> ord(size_t(n_dst) * W), tpos(ord.size());
  ref::lstm_orders(b.host, W, 5, 77, ord.data(), tpos.data());
  Buffer<uint8_t> d_ord(*gpu, ord.size(), "test"), d_tpos(*gpu, ord.size(), "test");
  gpu->lstm_orders(b.dev, W, 5, 77, d_ord.data(), d_tpos.data());
  EXPECT_EQ(test::download(d_ord), ord);
  EXPECT_EQ(test::download(d_tpos), tpos);
  {  // keyed by node ids where the block carries them (the engine's blocks do)
    std::vector<int32_t> ids(n_src);
    for (int32_t i = 0; i < n_src; ++i) ids[i] = (i * 7919 + 13) % 100003;
    Buffer<int32_t> d_ids = test::upload(*gpu, ids);
    BlockView host = b.host, dev = b.dev;
    host.ids = ids.data();
    dev.ids = d_ids.data();
    std::vector<uint8_t> by_node(ord.size()), by_node_t(ord.size());
    ref::lstm_orders(host, W, 5, 77, by_node.data(), by_node_t.data());
    EXPECT_NE(by_node, ord);
    gpu->lstm_orders(dev, W, 5, 77, d_ord.data(), d_tpos.data());
    EXPECT_EQ(test::download(d_ord), by_node);
    EXPECT_EQ(test::download(d_tpos), by_node_t);
    gpu->lstm_orders(b.dev, W, 5, 77, d_ord.data(), d_tpos.data());  // back to the row keys
  }

  // Forward steps t = 0 and t = 3 from random inputs.
  auto proj = random_vec(size_t(n_src) * S4, 2, 1.0f);
  auto bias = random_vec(4 * H, 3, 0.3f);
  auto d_proj = test::upload(*gpu, proj);
  auto d_bias = test::upload(*gpu, bias);
  for (int t : {0, 3}) {
    const LstmStep st{t, lstm_active_rows(b.host, t), W};
    auto gates = random_vec(size_t(n_dst) * S4, 10 + t, 1.0f);
    auto cprev = random_vec(size_t(n_dst) * SH, 20 + t, 1.0f);
    // Outputs start at 7 on both sides (no output is near it): an entry the kernel fails to
    // write differs from the reference's.
    std::vector<float> c(size_t(n_dst) * SH, 7.0f), h = c, agg = c;
    auto d_gates = test::upload(*gpu, gates);
    auto d_cprev = test::upload(*gpu, cprev);
    auto d_c = test::upload(*gpu, c), d_h = test::upload(*gpu, h), d_agg = test::upload(*gpu, agg);
    ref::lstm_gates_forward(b.host, st, {proj.data(), n_src, 4 * H, S4}, ord.data(), bias.data(),
                            {gates.data(), st.rows, 4 * H, S4}, {cprev.data(), st.rows, H, SH},
                            {c.data(), st.rows, H, SH}, {h.data(), st.rows, H, SH},
                            {agg.data(), n_dst, H, SH});
    gpu->lstm_gates_forward(b.dev, st, {d_proj.data(), n_src, 4 * H, S4}, d_ord.data(),
                            d_bias.data(), {d_gates.data(), st.rows, 4 * H, S4},
                            {d_cprev.data(), st.rows, H, SH}, {d_c.data(), st.rows, H, SH},
                            {d_h.data(), st.rows, H, SH}, {d_agg.data(), n_dst, H, SH});
    expect_close(gates, test::download(d_gates), st.rows, 4 * H, S4, "forward gates");
    expect_close(c, test::download(d_c), st.rows, H, SH, "forward cells");
    expect_close(h, test::download(d_h), st.rows, H, SH, "forward hidden");
    expect_close(agg, test::download(d_agg), n_dst, H, SH, "aggregate");

    // Backward of the same step from the activated gates it produced.
    auto dagg = random_vec(size_t(n_dst) * SH, 30 + t, 1.0f);
    auto dh = random_vec(size_t(n_dst) * SH, 40 + t, 1.0f);
    auto dc = random_vec(size_t(n_dst) * SH, 50 + t, 1.0f);
    auto d_dagg = test::upload(*gpu, dagg), d_dh = test::upload(*gpu, dh),
         d_dc = test::upload(*gpu, dc);
    d_gates.upload(gates.data(), gates.size());
    ref::lstm_gates_backward(b.host, st, {gates.data(), st.rows, 4 * H, S4},
                             {cprev.data(), st.rows, H, SH}, {c.data(), st.rows, H, SH},
                             {dagg.data(), n_dst, H, SH}, {dh.data(), st.rows, H, SH},
                             {dc.data(), st.rows, H, SH});
    gpu->lstm_gates_backward(b.dev, st, {d_gates.data(), st.rows, 4 * H, S4},
                             {d_cprev.data(), st.rows, H, SH}, {d_c.data(), st.rows, H, SH},
                             {d_dagg.data(), n_dst, H, SH}, {d_dh.data(), st.rows, H, SH},
                             {d_dc.data(), st.rows, H, SH});
    expect_close(gates, test::download(d_gates), st.rows, 4 * H, S4, "backward gates");
    expect_close(dc, test::download(d_dc), st.rows, H, SH, "backward cell gradient");
  }

  // Scatter of W slabs of gate gradients onto the sources, by each side's own orders.
  auto all = random_vec(size_t(W) * n_dst * S4, 60, 1.0f);
  auto d_all = test::upload(*gpu, all);
  std::vector<float> out(size_t(n_src) * S4, 0.0f);
  auto d_out = test::upload(*gpu, std::vector<float>(out.size(), std::nanf("")));  // unwritten: NaN
  int64_t slots = 0;
  for (int s = 0; s < 2; ++s)
    slots += int64_t{b.host.seg[s].row_end - b.host.seg[s].row_begin} * b.host.seg[s].fanout;
  const size_t scratch_bytes = gpu->aggregate_backward_scratch_bytes(slots, n_src);
  Buffer<char> scratch(*gpu, scratch_bytes, "scratch");
  ref::lstm_scatter(b.host, {all.data(), int64_t{W} * n_dst, 4 * H, S4}, n_dst, tpos.data(), W,
                    {out.data(), n_src, 4 * H, S4});
  gpu->lstm_scatter(b.dev, {d_all.data(), int64_t{W} * n_dst, 4 * H, S4}, n_dst, d_tpos.data(), W,
                    {d_out.data(), n_src, 4 * H, S4}, scratch.data(), scratch_bytes);
  // Same summation order on both sides: equal up to FMA contraction.
  expect_close(out, test::download(d_out), n_src, 4 * H, S4, "scatter");
}

}  // namespace
}  // namespace grl
