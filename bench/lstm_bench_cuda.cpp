// The LSTM aggregator's kernels on the GPU (kernels/lstm.h), CUDA-event timing.
//   BM_LstmGates{Forward,Backward}/H  one time step of the fused gate kernel over 500,000 active
//                          destinations (fanout 10), H units: forward bytes = rows * (4H read of
//                          P + 4H read and 4H written gates + H read c_{t-1} + 2H written c_t,
//                          h_t) * 4 + ids and orders; backward bytes = rows * (4H read + 4H
//                          written gates + 2H read states + 2H read + H written running
//                          gradients) * 4. items = (row, unit) pairs.
//   BM_LstmScatter/H       the gate gradients of 10 steps summed onto 2,000,000 source rows
//                          (4H wide): bytes = edges * 4H * 4 read + sources * 4H * 4 written +
//                          the transpose's keys (16 per edge). items = edges.
#include <memory>

#include "bench/gpu_bench_util.h"
#include "kernels/lstm.h"
#include "kernels/random.h"

namespace grl::bench {
namespace {

// ---- LSTM aggregator --------------------------------------------------------------------------
// The aggregation fixture's block (500,000 rows, fanout 10, 2,000,000 sources) with a 4H-wide
// projection table: one middle step (t = 5, every row active) of each gate kernel.
struct LstmData {
  int64_t H = 0;
  DeviceBuffer<float> proj, bias, gates, cprev, c, h, agg, dagg, dh, dc, grad_proj;
  DeviceBuffer<uint8_t> ord, tpos;
};

LstmData& lstm_data(int64_t H) {
  static std::unique_ptr<LstmData> d;
  if (d && d->H == H) return *d;
  d.reset();
  AggData& a = agg_data(4);  // only its block is used
  d = std::make_unique<LstmData>();
  LstmData& l = *d;
  l.H = H;
  Stream s;
  const int64_t rows = a.dst, W = a.fanout;
  l.proj.allocate(a.table_rows * 4 * H, "bench lstm proj");
  l.bias.allocate(4 * H);
  l.gates.allocate(W * rows * 4 * H, "bench lstm gates");
  for (auto* b : {&l.cprev, &l.c, &l.h, &l.agg, &l.dagg, &l.dh, &l.dc}) b->allocate(rows * H);
  l.grad_proj.allocate(a.table_rows * 4 * H, "bench lstm grad");
  for (auto* b : {&l.proj, &l.bias, &l.gates, &l.cprev, &l.dagg, &l.dh, &l.dc})
    launch_uniform_fill(b->span(), -1.0f, 1.0f, 7, RandomPurpose::kTest, s);
  l.ord.allocate(rows * W);
  l.tpos.allocate(rows * W);
  launch_lstm_orders(a.block, static_cast<int>(W), 1, 2, l.ord.data(), l.tpos.data(), s);
  s.synchronize();
  return l;
}

void BM_LstmGatesForward(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(4);
  LstmData& l = lstm_data(state.range(0));
  const int64_t H = l.H, rows = a.dst;
  const LstmStep st{5, static_cast<int32_t>(rows), static_cast<int>(a.fanout)};
  Stream s;
  time_with_events(state, s, [&] {
    launch_lstm_gates_forward(a.block, st, {l.proj.data(), a.table_rows, 4 * H, 4 * H},
                              l.ord.data(), l.bias.data(), {l.gates.data(), rows, 4 * H, 4 * H},
                              {l.cprev.data(), rows, H, H}, {l.c.data(), rows, H, H},
                              {l.h.data(), rows, H, H}, {l.agg.data(), rows, H, H}, s);
  });
  report_bandwidth(state, rows * (15.0 * H * 4 + 4 + 4 + 1));
  state.SetItemsProcessed(rows * H * state.iterations());
}
BENCHMARK(BM_LstmGatesForward)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_LstmGatesBackward(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(4);
  LstmData& l = lstm_data(state.range(0));
  const int64_t H = l.H, rows = a.dst;
  const LstmStep st{5, static_cast<int32_t>(rows), static_cast<int>(a.fanout)};
  Stream s;
  // In place on the gates: every iteration overwrites them with gradients of gradients; the
  // values stay finite (products of numbers in [-1, 1]) and the work is the same.
  time_with_events(state, s, [&] {
    launch_lstm_gates_backward(a.block, st, {l.gates.data(), rows, 4 * H, 4 * H},
                               {l.cprev.data(), rows, H, H}, {l.c.data(), rows, H, H},
                               {l.dagg.data(), rows, H, H}, {l.dh.data(), rows, H, H},
                               {l.dc.data(), rows, H, H}, s);
  });
  report_bandwidth(state, rows * (13.0 * H * 4 + 4));
  state.SetItemsProcessed(rows * H * state.iterations());
}
BENCHMARK(BM_LstmGatesBackward)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_LstmScatter(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(4);
  LstmData& l = lstm_data(state.range(0));
  const int64_t H = l.H, W = a.fanout;
  Stream s;
  time_with_events(state, s, [&] {
    launch_lstm_scatter(a.block, {l.gates.data(), W * a.dst, 4 * H, 4 * H}, a.dst, l.tpos.data(),
                        static_cast<int>(W), {l.grad_proj.data(), a.table_rows, 4 * H, 4 * H},
                        a.scratch.data(), a.scratch_bytes, s);
  });
  report_bandwidth(state, a.dst * W * (16.0 * H + 16.0) + a.table_rows * 16.0 * H);
  state.SetItemsProcessed(a.dst * W * state.iterations());
}
BENCHMARK(BM_LstmScatter)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace grl::bench
