// GPU random walks (kernels/walk.h), CUDA-event timing.
//   BM_RandomWalk/uniform|node2vec   2M walks of length 40 on an R-MAT graph of 8.4M nodes and
//                                    ~98M undirected edges (scale 23, edge factor 12), started
//                                    from non-isolated nodes in a shuffled order (as the
//                                    trainer starts them); items = walk steps (transitions)
//   BM_RandomWalk/metapath           2M author-paper-venue-paper-author walks of length 40 on
//                                    an academic graph (500k authors, 1M papers, 5k venues)
//                                    (tuned kernel, 32-bit offsets: as the trainer runs it)
//   BM_RandomWalkSimple/uniform      BM_RandomWalk/uniform with the simple kernel (each step
//                                    stored as drawn; the tuned one stores 8 at a time) and
//                                    64-bit offsets: the kernel before 2026-11-27's changes
//   BM_RandomWalkOffsets64/uniform   the tuned kernel with 64-bit offsets (the offsets' share)
//   BM_RandomWalkWeighted/uniform|node2vec  BM_RandomWalk on the same graph with log-uniform
//                                    edge weights: each draw reads the row's 8-byte alias
//                                    entry, then the neighbour (DeviceWeights)
#include <memory>
#include <vector>

#include "bench/gpu_bench_util.h"
#include "kernels/random.h"
#include "kernels/walk.h"

namespace grl::bench {
namespace {

// offsets32: pass the graph's offsets as 32 bits too (WalkSpec::offsets32), as the trainer does.
void walk_bench(benchmark::State& state, WalkSpec::Kind kind, KernelVariant variant, bool offsets32,
                bool weighted = false) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  Stream s;
  const int64_t walks = 2000000;
  WalkSpec spec;
  spec.kind = kind;
  spec.length = 40;
  spec.seed = 1;
  spec.p = 0.5f;
  spec.q = 2.0f;
  spec.shuffle_starts = true;  // as train_skipgram runs them
  std::vector<NodeId> starts;
  std::vector<std::unique_ptr<DeviceCsr>> keep;
  DeviceBuffer<uint32_t> off32;
  CsrView graph{};
  if (kind == WalkSpec::kMetapath) {
    const Graph& g = academic_graph();
    const char* path[5] = {"author", "paper", "venue", "paper", "author"};
    spec.cycle = 4;
    for (int k = 0; k < 4; ++k) {
      const int32_t a = g.find_node_type(path[k]), b = g.find_node_type(path[k + 1]);
      for (const Relation& r : g.relations)
        if (r.src_type == a && r.dst_type == b) {
          keep.push_back(std::make_unique<DeviceCsr>(r.csr, s));
          spec.steps[k] = MetapathStep{keep.back()->view, g.node_types[a].begin};
        }
    }
    const NodeType& au = g.node_types[g.find_node_type("author")];
    for (NodeId v = 0; v < au.count; ++v) starts.push_back(au.begin + v);
  } else {
    const Graph& g = walk_graph();
    keep.push_back(std::make_unique<DeviceCsr>(g.csr, s));
    graph = keep.back()->view;
    if (weighted) graph.alias = device_weights(g.csr).alias.data();  // walks read it alone
    if (offsets32) {
      const std::vector<uint32_t> o = g.csr.offsets32();
      off32 = DeviceBuffer<uint32_t>(o.size(), "offsets (32-bit)");
      off32.copy_from_host(o.data(), o.size(), s);
      spec.offsets32 = off32.data();
    }
    for (NodeId v = 0; v < g.num_nodes() && static_cast<int64_t>(starts.size()) < walks; ++v)
      if (g.csr.degree(v) > 0) starts.push_back(v);
  }
  DeviceBuffer<NodeId> d_starts(starts.size(), "starts");
  d_starts.copy_from_host(starts.data(), starts.size(), s);
  DeviceBuffer<int32_t> out(walks * spec.length, "walks");
  DeviceBuffer<int64_t> counts(
      kind == WalkSpec::kMetapath ? academic_graph().num_nodes() : walk_graph().num_nodes(),
      "counts");
  uint64_t first = 0;
  time_with_events(state, s, [&] {
    spec.first_walk = first;
    first += walks;
    launch_random_walks(graph, spec,
                        Span<const NodeId>{d_starts.data(), static_cast<int64_t>(starts.size())},
                        walks, out.data(), nullptr, variant, s);
  });
  // Steps actually taken (walks can end early), counted outside the timed region.
  GRL_CUDA_CHECK(cudaMemsetAsync(counts.data(), 0, counts.bytes(), s));
  launch_count_nodes(Span<const int32_t>{out.data(), walks * spec.length}, counts.data(), s);
  std::vector<int64_t> c(counts.size());
  counts.copy_to_host(c.data(), c.size(), s);
  s.synchronize();
  int64_t positions = 0;
  for (int64_t x : c) positions += x;
  const int64_t steps = positions - walks;
  state.SetItemsProcessed(steps * state.iterations());
  state.counters["steps_per_walk"] = static_cast<double>(steps) / walks;
}
void BM_RandomWalk(benchmark::State& state, WalkSpec::Kind kind) {
  walk_bench(state, kind, KernelVariant::kTuned, true);
}
void BM_RandomWalkSimple(benchmark::State& state, WalkSpec::Kind kind) {
  walk_bench(state, kind, KernelVariant::kSimple, false);
}
void BM_RandomWalkOffsets64(benchmark::State& state, WalkSpec::Kind kind) {
  walk_bench(state, kind, KernelVariant::kTuned, false);
}
void BM_RandomWalkWeighted(benchmark::State& state, WalkSpec::Kind kind) {
  walk_bench(state, kind, KernelVariant::kTuned, true, true);
}
BENCHMARK_CAPTURE(BM_RandomWalk, uniform, WalkSpec::kUniform)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RandomWalk, node2vec, WalkSpec::kNode2vec)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RandomWalk, metapath, WalkSpec::kMetapath)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RandomWalkSimple, uniform, WalkSpec::kUniform)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RandomWalkOffsets64, uniform, WalkSpec::kUniform)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RandomWalkWeighted, uniform, WalkSpec::kUniform)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RandomWalkWeighted, node2vec, WalkSpec::kNode2vec)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace grl::bench
