// End-to-end GPU benchmark: one GraphSAGE training step (sample, gather, forward, backward,
// Adam) on the products-sized graph: 3 layers, hidden 256, mean, fanouts 15,10,5, batch 1024,
// 100-dim features, 47 classes. items = training seeds. Wall-clock time per step, in steady
// state of the prefetch pipeline (sampling two batches ahead on its own stream).
#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "bench/gpu_bench_util.h"
#include "bench/workloads.h"
#include "host/device/device_info.h"
#include "host/train/sage_engine.h"

namespace grl::bench {
namespace {

void train_step_bench(benchmark::State& state, bool tf32, SageAggregator aggr, int64_t batch,
                      std::vector<int> fanouts, int64_t hidden,
                      Placement features = Placement::kGpu,
                      HostGather host_gather = HostGather::kZeroCopy) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const Graph& g = products_graph();
  BackendOptions bo;
  bo.tf32 = tf32;
  auto be = make_cuda_backend(bo);
  SageArch arch;
  arch.aggregator = aggr;
  arch.in_dim = g.features.dim;
  arch.hidden = hidden;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = fanouts;
  SageModel m(arch);
  m.initialize(1);
  EngineOptions o;
  o.max_batch = batch;
  o.dropout = 0.5f;
  o.seed = 1;
  o.feature_placement = features;
  o.host_gather = host_gather;
  SageEngine e(*be, g, arch, o);
  e.load_params(m.params());
  // Distinct seeds per batch: a shuffled node list, cut into batches.
  std::vector<NodeId> order(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) order[v] = v;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
  const int64_t batches = static_cast<int64_t>(order.size()) / o.max_batch;
  // As the trainer runs it: the next prefetch_depth() batches are sampled on their own stream
  // while this one trains.
  uint64_t step = 0, next = 0;
  auto run = [&] {
    for (; next <= step + static_cast<uint64_t>(e.prefetch_depth()); ++next) {
      const int64_t b = static_cast<int64_t>(next % batches);
      e.enqueue_batch(std::span<const NodeId>(order.data() + b * o.max_batch, o.max_batch), 1);
    }
    e.train_enqueued(step++);
  };
  run();
  be->synchronize();
  double feature_rows = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    run();
    be->synchronize();
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    feature_rows += static_cast<double>(e.last_batch_nodes());
  }
  state.SetItemsProcessed(o.max_batch * state.iterations());
  // Feature bytes a step must read (each sampled node's row once): what host-resident features
  // move over the host link per step.
  state.counters["feature_bytes_per_step"] =
      feature_rows / std::max<double>(1.0, static_cast<double>(state.iterations())) *
      static_cast<double>(g.features.dim) * 4.0;
  state.counters["workspace_MiB"] = e.memory_bytes() / 1048576.0;
  // Where the time goes: 20 more steps with per-stage CUDA events (outside the timed loop).
  be->set_profiling(true);
  const int kProfiled = 20;
  for (int i = 0; i < kProfiled; ++i) run();
  for (const auto& [stage, ms] : be->take_stage_times())
    state.counters["ms_" + stage] = ms / kProfiled;
  for (const auto& [stage, ms] : e.take_host_stage_times())
    state.counters["ms_" + stage] = ms / kProfiled;
  be->set_profiling(false);
}
void BM_SageTrainStep(benchmark::State& state, bool tf32, SageAggregator aggr) {
  train_step_bench(state, tf32, aggr, 1024, {15, 10, 5}, 256);
}
BENCHMARK_CAPTURE(BM_SageTrainStep, products, false, SageAggregator::kMean)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SageTrainStep, products_tf32, true, SageAggregator::kMean)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SageTrainStep, products_max, false, SageAggregator::kMax)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SageTrainStep, products_lstm, false, SageAggregator::kLstm)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
// Embedding every node of the products-sized graph (3 layers, hidden 256, fanouts 15,10,5),
// the last hidden layer downloaded as grl embed writes it: one full-neighbourhood pass against
// sampled batches of 1024; items = nodes embedded. Wall-clock time of the whole pass.
void BM_SageEmbedAll(benchmark::State& state, bool full) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  auto be = make_cuda_backend();
  EmbedAllWork w(*be, products_graph(), {15, 10, 5});
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    w.run(full);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.SetItemsProcessed(static_cast<int64_t>(w.nodes.size()) * state.iterations());
}
BENCHMARK_CAPTURE(BM_SageEmbedAll, full, true)
    ->Iterations(2)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SageEmbedAll, sampled, false)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Features in pinned host memory, each sampled node's row brought to the GPU once per step on
// the sampling stream: by the zero-copy gather kernel, or by host threads into pinned staging
// and one copy (--host-gather). The faster should be the default.
void BM_SageTrainStepHostFeatures(benchmark::State& state, HostGather how) {
  train_step_bench(state, false, SageAggregator::kMean, 1024, {15, 10, 5}, 256, Placement::kHost,
                   how);
}
BENCHMARK_CAPTURE(BM_SageTrainStepHostFeatures, zero_copy, HostGather::kZeroCopy)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SageTrainStepHostFeatures, cpu, HostGather::kCpu)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Sweeps for the plots in bench/README.md: throughput against batch size, fanouts and hidden
// width (fp32, mean, the products-sized graph); one axis varies, the others stay at
// batch 1024, fanouts 15,10,5, hidden 256.
void BM_SageSweep(benchmark::State& state) {
  train_step_bench(state, false, SageAggregator::kMean, state.range(0),
                   {static_cast<int>(state.range(1)), static_cast<int>(state.range(2)),
                    static_cast<int>(state.range(3))},
                   state.range(4));
}
BENCHMARK(BM_SageSweep)
    ->ArgNames({"batch", "f1", "f2", "f3", "hidden"})
    ->Args({256, 15, 10, 5, 256})
    ->Args({512, 15, 10, 5, 256})
    ->Args({2048, 15, 10, 5, 256})
    ->Args({4096, 15, 10, 5, 256})
    ->Args({1024, 5, 5, 5, 256})
    ->Args({1024, 10, 10, 10, 256})
    ->Args({1024, 25, 15, 10, 256})
    ->Args({1024, 15, 10, 5, 64})
    ->Args({1024, 15, 10, 5, 128})
    ->Args({1024, 15, 10, 5, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace grl::bench
