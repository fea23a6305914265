// GPU skip-gram with negative sampling (kernels/sgns.h), CUDA-event timing.
//   BM_Sgns/D                        one chunk of 50k walks (length 40, window 5, 5 negatives)
//                                    on an R-MAT graph of 1M nodes; items = positive pairs
//   BM_SgnsAtomic/D                  the same with --atomic-updates
//   BM_SgnsShared/D                  the same with --share-negatives
//   BM_SgnsSharedSpan/D/S            the same with --share-negatives --shared-span S
//   BM_SgnsL1Reads/D                 BM_Sgns with the tables read through L1 (--l1-reads: the
//                                    kernel before ld.cg, stale across SMs), for the difference
//   BM_SgnsPartitioned/P             one chunk of 400k walks, dim 128, on the same graph with the
//                                    tables in P row partitions in pinned host memory (P = 1:
//                                    both tables on the device, no swaps), including every block
//                                    copy; items = positive pairs, bytes = bytes swapped
#include <algorithm>
#include <cmath>
#include <memory>

#include "bench/gpu_bench_util.h"
#include "host/io/loaders.h"
#include "host/train/negative_tables.h"
#include "host/train/skipgram.h"
#include "kernels/random.h"
#include "kernels/sgns.h"
#include "kernels/walk.h"

namespace grl::bench {
namespace {

// The SGNS benchmarks' inputs on the device: `walks` uniform walks of length L (seed 2) from
// the first `max_starts` nodes with neighbours, and degree^0.75 negative tables (the
// walk-occurrence table the trainer builds is close to it) built per segment [cut[k], cut[k+1]).
struct SgnsInputs {
  DeviceBuffer<int32_t> walks;
  DeviceBuffer<float> prob;
  DeviceBuffer<int32_t> alias;
  AliasView all;
};
SgnsInputs sgns_inputs(const Graph& g, int64_t walks, int64_t L, int64_t max_starts,
                       const std::vector<int64_t>& cut, Stream& s) {
  DeviceCsr csr(g.csr, s);
  std::vector<NodeId> starts;
  for (NodeId v = 0; v < g.num_nodes() && static_cast<int64_t>(starts.size()) < max_starts; ++v)
    if (g.csr.degree(v) > 0) starts.push_back(v);
  DeviceBuffer<NodeId> d_starts(starts.size(), "starts");
  d_starts.copy_from_host(starts.data(), starts.size(), s);
  WalkSpec ws;
  ws.length = static_cast<int>(L);
  ws.seed = 2;
  SgnsInputs in;
  in.walks = DeviceBuffer<int32_t>(walks * L, "walks");
  launch_random_walks(csr.view, ws,
                      Span<const NodeId>{d_starts.data(), static_cast<int64_t>(starts.size())},
                      walks, in.walks.data(), nullptr, KernelVariant::kTuned, s);
  const NodeId n = g.num_nodes();
  std::vector<double> weight(n);
  for (NodeId v = 0; v < n; ++v) weight[v] = std::pow(static_cast<double>(g.csr.degree(v)), 0.75);
  std::vector<float> prob(n);
  std::vector<int32_t> alias(n);
  for (size_t k = 0; k + 1 < cut.size(); ++k)
    build_alias_table(weight, cut[k], cut[k + 1], prob, alias);
  in.prob = DeviceBuffer<float>(n);
  in.alias = DeviceBuffer<int32_t>(n);
  in.prob.copy_from_host(prob.data(), n, s);
  in.alias.copy_from_host(alias.data(), n, s);
  s.synchronize();  // the host tables and the graph copy go out of scope
  in.all = AliasView{in.prob.data(), in.alias.data(), n};
  return in;
}

void sgns_bench(benchmark::State& state, bool atomic_updates, bool share_negatives = false,
                int shared_span = 0, bool l1_reads = false) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  static const Graph g = load_graph("synthetic:rmat?scale=20&edge_factor=8&seed=5");
  const int64_t dim = state.range(0), walks = 50000, L = 40;
  Stream s;
  const NodeId n = g.num_nodes();
  SgnsInputs in = sgns_inputs(g, walks, L, walks, {0, n}, s);
  const DeviceBuffer<int32_t>& w = in.walks;
  DeviceBuffer<float> syn0(static_cast<size_t>(n) * dim, "embeddings"),
      syn1(static_cast<size_t>(n) * dim, "embeddings");
  launch_uniform_fill(syn0.span(), -0.5f / dim, 0.5f / dim, 3, RandomPurpose::kTest, s);
  GRL_CUDA_CHECK(cudaMemsetAsync(syn1.data(), 0, syn1.bytes(), s));
  DeviceBuffer<SgnsStats> stats(1);
  GRL_CUDA_CHECK(cudaMemsetAsync(stats.data(), 0, sizeof(SgnsStats), s));
  SgnsSpec spec;
  spec.length = static_cast<int>(L);
  spec.window = 5;
  spec.negatives = 5;
  spec.seed = 4;
  spec.total_walks = walks * 1000;
  spec.atomic_updates = atomic_updates;
  spec.share_negatives = share_negatives;
  spec.shared_span = shared_span;
  spec.l1_reads = l1_reads;
  const AliasView all = in.all;
  MatrixView<float> s0{syn0.data(), n, dim, dim}, s1{syn1.data(), n, dim, dim};
  time_with_events(state, s, [&] {
    launch_sgns(Span<const int32_t>{w.data(), walks * L}, walks, spec, all, all, s0, s1,
                stats.data(), KernelVariant::kTuned, s);
  });
  SgnsStats st;
  stats.copy_to_host(&st, 1, s);
  s.synchronize();
  const double pairs_per_call =
      static_cast<double>(st.pairs) / (state.iterations() + 1);  // + the warm-up call
  state.SetItemsProcessed(static_cast<int64_t>(pairs_per_call * state.iterations()));
  state.counters["pairs_per_chunk"] = pairs_per_call;
  state.counters["loss_per_target"] = st.loss / (st.pairs * 6.0);
  // Centres in flight: the warps the CPU concurrency model (grl walk --model-warps) should use.
  state.counters["resident_warps"] = static_cast<double>(sgns_resident_warps(dim, share_negatives));
}
void BM_Sgns(benchmark::State& state) { sgns_bench(state, false); }
BENCHMARK(BM_Sgns)->Arg(128)->Arg(64)->UseManualTime()->Unit(benchmark::kMillisecond);
// grl walk --atomic-updates: the context-table updates as atomic adds (no lost updates).
void BM_SgnsAtomic(benchmark::State& state) { sgns_bench(state, true); }
BENCHMARK(BM_SgnsAtomic)->Arg(128)->UseManualTime()->Unit(benchmark::kMillisecond);
// grl walk --share-negatives: negatives drawn once per centre, held in registers across its
// window and added back once (fewer rows per pair; quality effect measured in the README).
void BM_SgnsShared(benchmark::State& state) { sgns_bench(state, false, true); }
BENCHMARK(BM_SgnsShared)->Arg(128)->UseManualTime()->Unit(benchmark::kMillisecond);
// grl walk --share-negatives --shared-span S: a fresh draw every S context slots (about
// 1 + K / S rows per pair; on BlogCatalog's CPU runs S = 2 kept per-context quality).
void BM_SgnsSharedSpan(benchmark::State& state) {
  sgns_bench(state, false, true, static_cast<int>(state.range(1)));
}
// The tables read through L1 (plain loads): what ld.cg costs or saves.
void BM_SgnsL1Reads(benchmark::State& state) { sgns_bench(state, false, false, 0, true); }
BENCHMARK(BM_SgnsL1Reads)->Arg(128)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SgnsSharedSpan)
    ->Args({128, 2})
    ->Args({128, 4})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Row partitions (grl walk --partitions): all P x P (centre block, context block) passes over
// one chunk, with syn0 block a uploaded before and written back after its row, and syn1 blocks
// through two slots in snake order (a block already in a slot is not uploaded again) and
// written back after every pass, as host/train/skipgram.cpp does. Unlike the trainer, all copies
// run on the one timed stream (no overlap with training), so this is the full swap cost.
void BM_SgnsPartitioned(benchmark::State& state) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  static const Graph g = load_graph("synthetic:rmat?scale=20&edge_factor=8&seed=5");
  const int P = static_cast<int>(state.range(0));
  const int64_t dim = 128, walks = 400000, L = 40;
  Stream s;
  const NodeId n = g.num_nodes();
  std::vector<int64_t> cut(P + 1);
  for (int k = 0; k <= P; ++k) cut[k] = int64_t{n} * k / P;
  SgnsInputs in = sgns_inputs(g, walks, L, n, cut, s);
  const DeviceBuffer<int32_t>& w = in.walks;
  const AliasView all = in.all;
  int64_t max_rows = 0;
  for (int k = 0; k < P; ++k) max_rows = std::max(max_rows, cut[k + 1] - cut[k]);
  const size_t table = static_cast<size_t>(n) * dim;
  // P = 1: whole tables on the device. P > 1: whole tables pinned, three block slots.
  DeviceBuffer<float> syn0(static_cast<size_t>(max_rows) * dim, "embeddings"),
      slot[2] = {
          DeviceBuffer<float>(static_cast<size_t>(max_rows) * dim, "context block"),
          DeviceBuffer<float>(P > 1 ? static_cast<size_t>(max_rows) * dim : 0, "context block")};
  PinnedBuffer<float> host0(P > 1 ? table : 0), host1(P > 1 ? table : 0);
  if (P == 1) {
    launch_uniform_fill(syn0.span(), -0.5f / dim, 0.5f / dim, 3, RandomPurpose::kTest, s);
    GRL_CUDA_CHECK(cudaMemsetAsync(slot[0].data(), 0, slot[0].bytes(), s));
  } else {
    for (size_t i = 0; i < table; ++i)
      host0[i] =
          random_uniform(philox(3, RandomPurpose::kTest, static_cast<uint32_t>(i), 0, 0).v[0],
                         -0.5f / dim, 0.5f / dim);
    std::fill(host1.data(), host1.data() + table, 0.0f);
  }
  s.synchronize();
  DeviceBuffer<SgnsStats> stats(1);
  GRL_CUDA_CHECK(cudaMemsetAsync(stats.data(), 0, sizeof(SgnsStats), s));
  SgnsSpec spec;
  spec.length = static_cast<int>(L);
  spec.window = 5;
  spec.negatives = 5;
  spec.seed = 4;
  spec.total_walks = walks * 1000;
  int slot_block[2] = {-1, -1};
  uint64_t row = 0, swapped = 0, calls = 0;
  const Span<const int32_t> chunk{w.data(), walks * L};
  time_with_events(state, s, [&] {
    ++calls;
    if (P == 1) {
      launch_sgns(chunk, walks, spec, all, all, MatrixView<float>{syn0.data(), n, dim, dim},
                  MatrixView<float>{slot[0].data(), n, dim, dim}, stats.data(),
                  KernelVariant::kTuned, s);
      return;
    }
    for (int a = 0; a < P; ++a) {
      const int64_t ra = cut[a + 1] - cut[a];
      syn0.copy_from_host(host0.data() + cut[a] * dim, ra * dim, s);
      const bool reverse = row++ % 2 == 1;
      int last = 1;
      for (int i = 0; i < P; ++i) {
        const int b = reverse ? P - 1 - i : i;
        const int64_t rb = cut[b + 1] - cut[b];
        int k = slot_block[0] == b ? 0 : slot_block[1] == b ? 1 : -1;
        if (k < 0) {
          k = 1 - last;
          slot[k].copy_from_host(host1.data() + cut[b] * dim, rb * dim, s);
          slot_block[k] = b;
          swapped += rb * dim * sizeof(float);
        }
        SgnsSpec ps = spec;
        ps.centre_begin = static_cast<NodeId>(cut[a]);
        ps.centre_end = static_cast<NodeId>(cut[a + 1]);
        ps.context_begin = static_cast<NodeId>(cut[b]);
        ps.context_end = static_cast<NodeId>(cut[b + 1]);
        launch_sgns(chunk, walks, ps, all, all, MatrixView<float>{syn0.data(), ra, dim, dim},
                    MatrixView<float>{slot[k].data(), rb, dim, dim}, stats.data(),
                    KernelVariant::kTuned, s);
        slot[k].copy_to_host(host1.data() + cut[b] * dim, rb * dim, s);
        swapped += rb * dim * sizeof(float);
        last = k;
      }
      syn0.copy_to_host(host0.data() + cut[a] * dim, ra * dim, s);
      swapped += 2 * ra * dim * sizeof(float);
    }
  });
  SgnsStats st;
  stats.copy_to_host(&st, 1, s);
  s.synchronize();
  const double pairs_per_call = static_cast<double>(st.pairs) / calls;
  state.SetItemsProcessed(static_cast<int64_t>(pairs_per_call * state.iterations()));
  state.SetBytesProcessed(
      static_cast<int64_t>(static_cast<double>(swapped) / calls * state.iterations()));
  state.counters["pairs_per_chunk"] = pairs_per_call;
  state.counters["swap_bytes_per_chunk"] = static_cast<double>(swapped) / calls;
}
BENCHMARK(BM_SgnsPartitioned)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace grl::bench
