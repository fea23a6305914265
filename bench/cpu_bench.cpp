// CPU-backend variants of the kernel and training benchmarks, so CPU regressions show up on
// machines without a GPU (the same operations as the GPU benchmarks, smaller sizes).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>

#include "bench/workloads.h"
#include "host/ops/backend.h"
#include "host/pipeline/sample_plan.h"
#include "host/reference/aggregate_ref.h"
#include "host/reference/sampling_ref.h"
#include "host/reference/sgns_ref.h"
#include "host/reference/walk_ref.h"
#include "host/train/block_schedule.h"
#include "host/train/negative_tables.h"
#include "host/train/sage_engine.h"
#include "host/train/skipgram.h"

namespace grl::bench {
namespace {

void BM_CpuSample(benchmark::State& state) {
  const Graph& g = small_graph();
  const int64_t batch = 256;
  const SampleLayout L = make_sample_layout(batch, {25, 10}, g.num_nodes());
  std::vector<NodeId> seeds(batch), nodes(L.max_nodes);
  std::vector<int32_t> hop(L.num_hops + 1), seed_local(batch), cnt(L.total_rows),
      nbr(L.total_slots);
  std::mt19937_64 rng(1);
  uint32_t epoch = 0;
  int64_t edges = 0;
  for (auto _ : state) {
    for (auto& v : seeds) v = static_cast<NodeId>(rng() % g.num_nodes());
    ref::sample_neighbors(
        g.csr.view(), Span<const NodeId>{seeds.data(), batch}, L, SampleParams{1, epoch++, false},
        SampleOutput{nodes.data(), hop.data(), seed_local.data(), cnt.data(), nbr.data()});
    for (int k = 0; k < L.num_hops; ++k)
      for (int32_t r = 0; r < hop[k] - (k ? hop[k - 1] : 0); ++r) edges += cnt[L.row_offset[k] + r];
  }
  state.SetItemsProcessed(edges);
}
BENCHMARK(BM_CpuSample)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_CpuAggregateMean(benchmark::State& state) {
  const int64_t dst = 20000, fanout = 10, rows = 100000, dim = state.range(0);
  std::vector<float> table(rows * dim, 0.5f), out(dst * dim);
  std::vector<int32_t> nbr(dst * fanout), cnt(dst, static_cast<int32_t>(fanout));
  std::mt19937_64 rng(2);
  for (auto& v : nbr) v = static_cast<int32_t>(rng() % rows);
  BlockView b;
  b.num_dst = static_cast<int32_t>(dst);
  b.num_src = static_cast<int32_t>(rows);
  b.num_segments = 1;
  b.seg[0] = BlockSegment{0, static_cast<int32_t>(dst), static_cast<int32_t>(fanout), nbr.data(),
                          cnt.data()};
  for (auto _ : state)
    ref::aggregate_forward(AggregateKind::kMean,
                           MatrixView<const float>{table.data(), rows, dim, dim}, nullptr, b,
                           MatrixView<float>{out.data(), dst, dim, dim}, nullptr);
  state.SetBytesProcessed(static_cast<int64_t>(dst * (fanout + 1) * dim * 4) * state.iterations());
}
BENCHMARK(BM_CpuAggregateMean)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_CpuSageTrainStep(benchmark::State& state, SageAggregator aggr) {
  const Graph& g = small_graph();
  auto be = make_cpu_backend();
  SageArch arch;
  arch.aggregator = aggr;
  arch.in_dim = g.features.dim;
  arch.hidden = 256;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {25, 10};
  SageModel m(arch);
  m.initialize(1);
  EngineOptions o;
  o.max_batch = 512;
  o.dropout = 0.5f;
  SageEngine e(*be, g, arch, o);
  e.load_params(m.params());
  std::vector<NodeId> order(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) order[v] = v;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
  uint64_t step = 0;
  for (auto _ : state) {
    const int64_t b = static_cast<int64_t>(step % (order.size() / 512));
    e.train_step(std::span<const NodeId>(order.data() + b * 512, 512), 1, step++);
  }
  state.SetItemsProcessed(512 * state.iterations());
}
BENCHMARK_CAPTURE(BM_CpuSageTrainStep, mean, SageAggregator::kMean)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CpuSageTrainStep, lstm, SageAggregator::kLstm)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_CpuDenseLayer(benchmark::State& state) {
  auto be = make_cpu_backend();
  DenseLayerWork work(*be, 8192, state.range(0));
  uint64_t it = 0;
  for (auto _ : state) work.step(*be, it++);
  state.SetItemsProcessed(work.rows * state.iterations());
  state.counters["GFLOPs"] =
      benchmark::Counter(work.flops() * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CpuDenseLayer)->Arg(128)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CpuRandomWalk(benchmark::State& state) {
  const Graph& g = small_graph();
  WalkSpec s;
  s.length = 40;
  std::vector<NodeId> starts(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) starts[v] = v;
  const int64_t walks = 20000;
  std::vector<int32_t> out(walks * s.length);
  for (auto _ : state) {
    ref::random_walks(g.csr.view(), s, Span<const NodeId>{starts.data(), g.num_nodes()}, walks,
                      out.data(), nullptr);
    s.first_walk += walks;
  }
  state.SetItemsProcessed(walks * (s.length - 1) * state.iterations());
}
BENCHMARK(BM_CpuRandomWalk)->UseRealTime()->Unit(benchmark::kMillisecond);

// `walks` uniform walks of `length` nodes on the Cora-sized SBM, starting at node 0, 1, ...
std::vector<int32_t> small_graph_walks(int64_t walks, int length) {
  const Graph& g = small_graph();
  WalkSpec ws;
  ws.length = length;
  std::vector<NodeId> starts(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) starts[v] = v;
  std::vector<int32_t> w(walks * length);
  ref::random_walks(g.csr.view(), ws, Span<const NodeId>{starts.data(), g.num_nodes()}, walks,
                    w.data(), nullptr);
  return w;
}

void BM_CpuSgns(benchmark::State& state) {
  const Graph& g = small_graph();
  const NodeId n = g.num_nodes();
  const int64_t dim = 64, walks = 2000;
  const int length = 40;
  const std::vector<int32_t> w = small_graph_walks(walks, length);
  std::vector<double> weight(n, 1.0);
  std::vector<float> prob(n), syn0(n * dim, 0.01f), syn1(n * dim, 0.0f);
  std::vector<int32_t> alias(n);
  build_alias_table(weight, 0, n, prob, alias);
  SgnsSpec s;
  s.length = length;
  s.total_walks = walks;
  AliasView all{prob.data(), alias.data(), n};
  SgnsStats st;
  for (auto _ : state)
    ref::sgns(Span<const int32_t>{w.data(), static_cast<int64_t>(w.size())}, walks, s, all, all,
              MatrixView<float>{syn0.data(), n, dim, dim},
              MatrixView<float>{syn1.data(), n, dim, dim}, &st);
  state.SetItemsProcessed(static_cast<int64_t>(st.pairs));
}
BENCHMARK(BM_CpuSgns)->UseRealTime()->Unit(benchmark::kMillisecond);

// The trainer's CPU path: one chunk of walks through BlockSchedule's rounds in P blocks (P = 8
// is the CPU default; the same embeddings on any thread count), subsampling on, dim 128,
// window 10, 5 negatives; items = positive pairs.
void BM_CpuSgnsRounds(benchmark::State& state) {
  const Graph& g = small_graph();
  const NodeId n = g.num_nodes();
  const int P = static_cast<int>(state.range(0));
  const int64_t dim = 128, walks = 4000;
  const int length = 40;
  const std::vector<int32_t> w = small_graph_walks(walks, length);
  std::vector<int64_t> counts(n, 0);
  for (int32_t v : w)
    if (v >= 0) ++counts[v];
  auto be = make_cpu_backend();
  SgnsSpec s;
  s.length = length;
  s.window = 10;
  s.total_walks = walks;
  const NegativeTables tables(*be, counts, block_bounds(n, P), s, false, 1e-3);
  s.keep = tables.keep();
  BlockSchedule schedule(*be, n, dim, P, std::vector<float>(n * dim, 0.01f), true);
  SgnsStats st;
  for (auto _ : state)
    schedule.train(w.data(), walks, length, s, tables.all(), tables.typed(), &st);
  state.SetItemsProcessed(static_cast<int64_t>(st.pairs));
}
BENCHMARK(BM_CpuSgnsRounds)->Arg(1)->Arg(8)->UseRealTime()->Unit(benchmark::kMillisecond);

// Embedding every node of the Cora-sized SBM (3 layers, hidden 256, fanouts 15,10,5):
// full-neighbourhood inference against sampled batches; items = nodes embedded.
void BM_CpuEmbedAll(benchmark::State& state, bool full) {
  auto be = make_cpu_backend();
  EmbedAllWork w(*be, small_graph(), {15, 10, 5});
  for (auto _ : state) w.run(full);
  state.SetItemsProcessed(static_cast<int64_t>(w.nodes.size()) * state.iterations());
}
BENCHMARK_CAPTURE(BM_CpuEmbedAll, full, true)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CpuEmbedAll, sampled, false)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace grl::bench

BENCHMARK_MAIN();
