// GPU kernel benchmarks: sampling, gather, fused gather + segmented mean/max (forward and
// backward). CUDA-event timing (manual time), bytes and items declared, sizes far beyond L2.
//
// What each one counts:
//   BM_SampleProducts/V    items = sampled edges (neighbour slots filled), fanouts 15,10,5,
//                          batch 1024 on the products-sized graph, deduplication and relabelling
//                          included; rotates over 32 batches of random seeds. V = direct
//                          launches, or graph = the CUDA backend's captured graph (as trained).
//   BM_GatherRows/D        bytes = rows * D * 4 read + written + 4 per row index.
//   BM_GatherRowsHost/D    the same rows read from a pinned host table (zero-copy): bytes =
//                          rows * D * 4 read over the host link (compare BM_HostToDevicePinned).
//   BM_Aggregate*/V/D      500,000 destinations x 10 neighbours x D from a 2,000,000-row table:
//                          bytes = neighbour rows read (dst*10*D*4) + output written (dst*D*4)
//                          + ids (dst*10*4) [+ arg-max slots dst*D for max]; backward: gradient
//                          rows read per edge + source rows written + (src, edge) keys sorted.
//   BM_LstmGates{Forward,Backward}/H  one time step of the LSTM aggregator's fused gate kernel
//                          over 500,000 active destinations (fanout 10), H units: forward bytes
//                          = rows * (4H read of P + 4H read and 4H written gates + H read c_{t-1}
//                          + 2H written c_t, h_t) * 4 + ids and orders; backward bytes = rows *
//                          (4H read + 4H written gates + 2H read states + 2H read + H written
//                          running gradients) * 4. items = (row, unit) pairs.
//   BM_DenseLayer/D[/tf32]  one hidden layer's dense part, forward and backward, through the
//                          CUDA backend (cuBLAS + the fused element-wise kernels), 131,072
//                          rows, D -> D with the [self | agg] concat (bench/workloads.h):
//                          items = rows; counter TFLOPs = the three GEMMs' FLOPs per second.
//   BM_LstmScatter/H       the gate gradients of 10 steps summed onto 2,000,000 source rows
//                          (4H wide): bytes = edges * 4H * 4 read + sources * 4H * 4 written +
//                          the transpose's keys (16 per edge). items = edges.
#include <chrono>
#include <random>

#include "bench/gpu_bench_util.h"
#include "bench/workloads.h"
#include "host/device/device_info.h"
#include "host/ops/backend.h"
#include "host/pipeline/sample_plan.h"
#include "host/reference/aggregate_ref.h"
#include "kernels/aggregate.h"
#include "kernels/gather.h"
#include "kernels/lstm.h"
#include "kernels/random.h"
#include "kernels/sampling.h"

namespace grl::bench {
namespace {

#define GRL_BENCH_NEED_GPU(state)            \
  if (!cuda_available()) {                   \
    (state).SkipWithError("no CUDA device"); \
    return;                                  \
  }

// ---- sampling ---------------------------------------------------------------------------------
// direct: the launcher on a stream, timed with events. graph: the CUDA backend as the trainer
// uses it (seeds copied into its fixed buffer, the captured graph replayed), wall-clock time to
// completion.
void BM_SampleProducts(benchmark::State& state, bool through_backend) {
  GRL_BENCH_NEED_GPU(state);
  const Graph& g = products_graph();
  const int64_t batch = 1024;
  const SampleLayout L = make_sample_layout(batch, {15, 10, 5}, g.num_nodes());
  DeviceBuffer<EdgeIndex> off(g.csr.offsets.size(), "bench graph");
  DeviceBuffer<NodeId> idx(g.csr.indices.size(), "bench graph");
  Stream s;
  off.copy_from_host(g.csr.offsets.data(), g.csr.offsets.size(), s);
  idx.copy_from_host(g.csr.indices.data(), g.csr.indices.size(), s);
  const int kBatches = 32;
  std::vector<NodeId> seeds(batch * kBatches);
  std::mt19937_64 rng(1);
  for (auto& v : seeds) v = static_cast<NodeId>(rng() % g.num_nodes());
  DeviceBuffer<NodeId> d_seeds(seeds.size(), "seeds"), batch_seeds(batch, "seeds");
  d_seeds.copy_from_host(seeds.data(), seeds.size(), s);
  DeviceBuffer<NodeId> nodes(L.max_nodes, "nodes");
  DeviceBuffer<int32_t> hop(L.num_hops + 1), seed_local(batch), cnt(L.total_rows),
      nbr(L.total_slots);
  DeviceBuffer<char> scratch(sample_scratch_bytes(L), "sampling scratch");
  const SampleScratch sc = bind_sample_scratch(L, scratch.data());
  CsrView view{off.data(), idx.data(), nullptr, g.num_nodes(), g.csr.num_edges()};
  SampleOutput out{nodes.data(), hop.data(), seed_local.data(), cnt.data(), nbr.data()};
  s.synchronize();
  int it = 0;
  if (!through_backend) {
    auto run = [&] {
      Span<const NodeId> sd{d_seeds.data() + (it++ % kBatches) * batch, batch};
      launch_sample_neighbors(view, sd, L, SampleParams{1, 1, false}, out, sc, s);
    };
    time_with_events(state, s, run);
  } else {
    auto be = make_cuda_backend();
    auto run = [&] {
      be->copy(batch_seeds.data(), d_seeds.data() + (it++ % kBatches) * batch,
               batch * sizeof(NodeId));
      be->sample_neighbors(view, Span<const NodeId>{batch_seeds.data(), batch}, L,
                           SampleParams{1, 1, false}, out, scratch.data());
    };
    run();
    be->synchronize();
    for (auto _ : state) {
      auto t0 = std::chrono::steady_clock::now();
      run();
      be->synchronize();
      state.SetIterationTime(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  // Count the edges of one batch (outside the timed region).
  launch_sample_neighbors(view, Span<const NodeId>{d_seeds.data(), batch}, L,
                          SampleParams{1, 1, false}, out, sc, s);
  s.synchronize();
  std::vector<int32_t> h(L.num_hops + 1), c(L.total_rows);
  hop.copy_to_host(h.data(), h.size(), s);
  cnt.copy_to_host(c.data(), c.size(), s);
  s.synchronize();
  int64_t edges = 0;
  for (int k = 0; k < L.num_hops; ++k)
    for (int32_t r = 0; r < h[k] - (k ? h[k - 1] : 0); ++r) edges += c[L.row_offset[k] + r];
  state.SetItemsProcessed(edges * state.iterations());
  state.counters["edges_per_batch"] = static_cast<double>(edges);
  state.counters["nodes_per_batch"] = h[L.num_hops];
}
BENCHMARK_CAPTURE(BM_SampleProducts, direct, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleProducts, graph, true)->UseManualTime()->Unit(benchmark::kMicrosecond);

// ---- aggregation ------------------------------------------------------------------------------
struct AggData {
  int64_t dst = 500000, fanout = 10, table_rows = 2000000, dim = 0;
  DeviceBuffer<float> table, out, grad_out, grad_src;
  DeviceBuffer<int32_t> nbr, cnt, rows;
  DeviceBuffer<uint8_t> arg;
  DeviceBuffer<char> scratch;
  size_t scratch_bytes = 0;
  BlockView block;
};

AggData& agg_data(int64_t dim) {
  static std::unique_ptr<AggData> d;
  if (d && d->dim == dim) return *d;
  d.reset();
  d = std::make_unique<AggData>();
  AggData& a = *d;
  a.dim = dim;
  Stream s;
  a.table.allocate(a.table_rows * dim, "bench table");
  launch_uniform_fill(a.table.span(), -1.0f, 1.0f, 3, RandomPurpose::kTest, s);
  std::vector<int32_t> nbr(a.dst * a.fanout), cnt(a.dst, static_cast<int32_t>(a.fanout)),
      rows(a.dst);
  std::mt19937_64 rng(5);
  for (auto& v : nbr) v = static_cast<int32_t>(rng() % a.table_rows);
  for (auto& v : rows) v = static_cast<int32_t>(rng() % a.table_rows);
  a.nbr.allocate(nbr.size());
  a.cnt.allocate(cnt.size());
  a.rows.allocate(rows.size());
  a.nbr.copy_from_host(nbr.data(), nbr.size(), s);
  a.cnt.copy_from_host(cnt.data(), cnt.size(), s);
  a.rows.copy_from_host(rows.data(), rows.size(), s);
  a.out.allocate(a.dst * dim, "bench out");
  a.arg.allocate(a.dst * dim);
  a.grad_out.allocate(a.dst * dim);
  launch_uniform_fill(a.grad_out.span(), -1.0f, 1.0f, 4, RandomPurpose::kTest, s);
  a.grad_src.allocate(a.table_rows * dim, "bench grad");
  a.block.num_dst = static_cast<int32_t>(a.dst);
  a.block.num_src = static_cast<int32_t>(a.table_rows);
  a.block.num_segments = 1;
  a.block.seg[0] = BlockSegment{0, static_cast<int32_t>(a.dst), static_cast<int32_t>(a.fanout),
                                a.nbr.data(), a.cnt.data()};
  a.scratch_bytes = aggregate_backward_scratch_bytes(a.dst * a.fanout, a.table_rows);
  a.scratch.allocate(a.scratch_bytes, "bench scratch");
  s.synchronize();
  return a;
}

void aggregate_forward_bench(benchmark::State& state, AggregateKind kind, KernelVariant v) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  Stream s;
  MatrixView<const float> src{a.table.data(), a.table_rows, a.dim, a.dim};
  MatrixView<float> out{a.out.data(), a.dst, a.dim, a.dim};
  time_with_events(state, s, [&] {
    launch_aggregate_forward(kind, src, nullptr, a.block, out, a.arg.data(), v, s);
  });
  double bytes = a.dst * a.fanout * a.dim * 4.0 + a.dst * a.dim * 4.0 + a.dst * a.fanout * 4.0;
  if (kind == AggregateKind::kMax) bytes += a.dst * a.dim;
  report_bandwidth(state, bytes);
  state.SetItemsProcessed(a.dst * a.fanout * state.iterations());
}
void BM_AggregateMeanForward(benchmark::State& state, KernelVariant v) {
  aggregate_forward_bench(state, AggregateKind::kMean, v);
}
void BM_AggregateMaxForward(benchmark::State& state, KernelVariant v) {
  aggregate_forward_bench(state, AggregateKind::kMax, v);
}
BENCHMARK_CAPTURE(BM_AggregateMeanForward, simple, KernelVariant::kSimple)
    ->Arg(128)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AggregateMeanForward, tuned, KernelVariant::kTuned)
    ->Arg(32)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->Arg(512)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AggregateMaxForward, simple, KernelVariant::kSimple)
    ->Arg(128)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AggregateMaxForward, tuned, KernelVariant::kTuned)
    ->Arg(128)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void aggregate_backward_bench(benchmark::State& state, AggregateKind kind) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  Stream s;
  // Max needs arg-max slots: run the forward once.
  launch_aggregate_forward(
      kind, MatrixView<const float>{a.table.data(), a.table_rows, a.dim, a.dim}, nullptr, a.block,
      MatrixView<float>{a.out.data(), a.dst, a.dim, a.dim}, a.arg.data(), KernelVariant::kTuned, s);
  MatrixView<const float> g{a.grad_out.data(), a.dst, a.dim, a.dim};
  MatrixView<float> gs{a.grad_src.data(), a.table_rows, a.dim, a.dim};
  time_with_events(state, s, [&] {
    launch_aggregate_backward(kind, a.block, g, a.arg.data(), gs, a.scratch.data(), a.scratch_bytes,
                              s);
  });
  // Gradient rows read once per edge, every source row written, keys and values sorted.
  double bytes =
      a.dst * a.fanout * a.dim * 4.0 + a.table_rows * a.dim * 4.0 + a.dst * a.fanout * 16.0;
  if (kind == AggregateKind::kMax) bytes += a.dst * a.fanout * a.dim;
  report_bandwidth(state, bytes);
  state.SetItemsProcessed(a.dst * a.fanout * state.iterations());
}
void BM_AggregateMeanBackward(benchmark::State& state) {
  aggregate_backward_bench(state, AggregateKind::kMean);
}
void BM_AggregateMaxBackward(benchmark::State& state) {
  aggregate_backward_bench(state, AggregateKind::kMax);
}
BENCHMARK(BM_AggregateMeanBackward)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AggregateMaxBackward)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_GatherRows(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  Stream s;
  time_with_events(state, s, [&] {
    launch_gather_rows(MatrixView<const float>{a.table.data(), a.table_rows, a.dim, a.dim},
                       a.rows.data(), MatrixView<float>{a.out.data(), a.dst, a.dim, a.dim}, nullptr,
                       s);
  });
  report_bandwidth(state, a.dst * a.dim * 8.0 + a.dst * 4.0);
  state.SetItemsProcessed(a.dst * state.iterations());
}
BENCHMARK(BM_GatherRows)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The same gather from a table in pinned, mapped host memory (features placed on the host):
// useful bytes = rows read over the host link; compare with BM_HostToDevicePinned.
void BM_GatherRowsHost(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  auto be = make_cuda_backend();
  const int64_t rows = 2000000, dim = a.dim;
  Buffer<float> table(*be, static_cast<size_t>(rows * dim), "host table", Residence::kHostMapped);
  for (int64_t i = 0; i < rows * dim; ++i) table.data()[i] = static_cast<float>(i % 1000) * 1e-3f;
  Stream s;
  time_with_events(state, s, [&] {
    launch_gather_rows(MatrixView<const float>{table.data(), rows, dim, dim}, a.rows.data(),
                       MatrixView<float>{a.out.data(), a.dst, dim, dim}, nullptr, s);
  });
  state.SetBytesProcessed(static_cast<int64_t>(a.dst * dim * 4) * state.iterations());
  state.SetItemsProcessed(a.dst * state.iterations());
}
BENCHMARK(BM_GatherRowsHost)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

// ---- dense layer --------------------------------------------------------------------------------
void BM_DenseLayer(benchmark::State& state, bool tf32) {
  GRL_BENCH_NEED_GPU(state);
  BackendOptions bo;
  bo.tf32 = tf32;
  auto be = make_cuda_backend(bo);
  DenseLayerWork work(*be, 131072, state.range(0));
  uint64_t it = 0;
  work.step(*be, it++);
  be->synchronize();
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    work.step(*be, it++);
    be->synchronize();
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.SetItemsProcessed(work.rows * state.iterations());
  state.counters["TFLOPs"] =
      benchmark::Counter(work.flops() * state.iterations() / 1e12, benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_DenseLayer, fp32, false)
    ->Arg(128)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DenseLayer, tf32, true)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

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
