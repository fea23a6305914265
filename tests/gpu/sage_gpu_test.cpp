// The trainer on the CUDA backend against the CPU backend: identical initial weights and
// samples, so one optimiser step must give the same parameters up to float rounding, and full
// training must reach the same accuracy within noise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/dist/comm.h"
#include "host/dist/nccl.h"
#include "host/io/synthetic.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_trainer.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

Graph small_sbm() {
  SbmParams p;
  p.nodes = test::small_sizes() ? 1500 : 6000;
  p.classes = 5;
  p.feature_dim = 37;  // not a multiple of 4: padded strides on the GPU
  p.degree = 8;
  p.seed = 3;
  Graph g = make_sbm(p);
  g.source = "sbm";
  return g;
}

TEST(GpuSage, OneStepMatchesCpuForEveryAggregator) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  for (SageAggregator aggr : {SageAggregator::kMean, SageAggregator::kMax, SageAggregator::kPool,
                              SageAggregator::kLstm}) {
    for (bool normalize : {false, true}) {
      SageArch arch;
      arch.aggregator = aggr;
      arch.in_dim = g.features.dim;
      arch.hidden = 64;
      arch.num_classes = g.labels.num_classes;
      arch.normalize = normalize;
      arch.fanouts = {10, 5, 3};
      SageModel m(arch);
      m.initialize(1);
      EngineOptions o;
      o.max_batch = 128;
      o.seed = 4;
      o.dropout = 0.25f;
      o.input_dropout = normalize ? 0.2f : 0.0f;  // the first layer's own dropped-out copy
      // SGD: its update is linear in the gradient, so float rounding differences between the
      // backends stay proportional (Adam's first steps amplify tiny gradients to +-lr).
      o.optimizer = OptimizerKind::kSgd;
      o.lr = 0.05f;
      o.momentum = 0.9f;
      o.weight_decay = 1e-4f;
      std::vector<NodeId> seeds;
      for (NodeId v = 0; v < 128; ++v) seeds.push_back((v * 37) % g.num_nodes());
      std::vector<float> after[2];
      auto cpu = make_cpu_backend();
      auto gpu = test::make_gpu_backend();
      Backend* backends[2] = {cpu.get(), gpu.get()};
      for (int k = 0; k < 2; ++k) {
        SageEngine e(*backends[k], g, arch, o);
        e.load_params(m.params());
        e.train_step(seeds, 1, 0);
        e.train_step(seeds, 2, 1);
        e.store_params(after[k]);
      }
      // A real bug moves many parameters; float rounding can flip a rare near-tie of the max
      // aggregator (or a ReLU at ~0), which moves a few. Allow 0.1% outliers, report the worst.
      double max_rel = 0;
      size_t worst = 0, off = 0;
      for (size_t i = 0; i < after[0].size(); ++i) {
        double d = std::fabs(after[0][i] - after[1][i]) / (1e-3 + std::fabs(after[0][i]));
        off += d > 1e-3;
        if (d > max_rel) {
          max_rel = d;
          worst = i;
        }
      }
      std::printf("%s%s: %zu of %zu parameters differ by > 1e-3 relative, worst %.3g\n",
                  aggregator_name(aggr), normalize ? " normalized" : "", off, after[0].size(),
                  max_rel);
      EXPECT_LE(off, after[0].size() / 1000)
          << aggregator_name(aggr) << (normalize ? " normalized" : "") << ": worst param " << worst
          << " cpu " << after[0][worst] << " gpu " << after[1][worst];
    }
  }
}

// The LSTM aggregator's gradient (forward, backpropagation through time, scatter) on both
// backends: same samples and orders, so the same gradient up to float rounding.
TEST(GpuSage, LstmGradientsMatchCpu) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  SageArch arch;
  arch.aggregator = SageAggregator::kLstm;
  arch.in_dim = g.features.dim;
  arch.hidden = 48;
  arch.lstm_hidden = 33;  // odd: padded strides of the 4H-wide gate matrices
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {12, 5};
  SageModel m(arch);
  m.initialize(5);
  EngineOptions o;
  o.max_batch = 200;
  o.dropout = 0.0f;
  std::vector<NodeId> seeds;
  for (NodeId v = 0; v < 200; ++v) seeds.push_back((v * 53) % g.num_nodes());
  std::vector<float> grad[2];
  double loss[2];
  auto cpu = make_cpu_backend();
  auto gpu = test::make_gpu_backend();
  Backend* backends[2] = {cpu.get(), gpu.get()};
  for (int k = 0; k < 2; ++k) {
    SageEngine e(*backends[k], g, arch, o);
    e.load_params(m.params());
    loss[k] = e.compute_gradients(seeds, 3, 7, grad[k]);
  }
  EXPECT_NEAR(loss[0], loss[1], 1e-4 * std::fabs(loss[0]));
  double num = 0, den = 0;
  for (size_t i = 0; i < grad[0].size(); ++i) {
    num += (grad[0][i] - grad[1][i]) * double{grad[0][i] - grad[1][i]};
    den += grad[0][i] * double{grad[0][i]};
  }
  std::printf("lstm gradient: relative L2 difference cpu vs cuda %.3g\n", std::sqrt(num / den));
  EXPECT_LT(std::sqrt(num / den), 1e-4);
}

// Topology and features in pinned host memory (read zero-copy by the same kernels) give the
// same steps as in GPU memory, bit for bit: the data and the arithmetic are identical.
TEST(GpuSage, HostPlacementMatchesGpuPlacement) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  SageArch arch;
  arch.in_dim = g.features.dim;
  arch.hidden = 32;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {10, 5};
  SageModel m(arch);
  m.initialize(2);
  std::vector<NodeId> seeds;
  for (NodeId v = 0; v < 256; ++v) seeds.push_back((v * 29) % g.num_nodes());
  auto gpu = test::make_gpu_backend();
  std::vector<float> after[3];
  const Placement where[3][2] = {{Placement::kGpu, Placement::kGpu},
                                 {Placement::kHost, Placement::kHost},
                                 {Placement::kGpu, Placement::kHost}};
  for (float input_dropout : {0.0f, 0.3f}) {  // dropped inputs: the ring's rows are copied
    for (int k = 0; k < 3; ++k) {
      EngineOptions o;
      o.max_batch = 256;
      o.graph_placement = where[k][0];
      o.feature_placement = where[k][1];
      o.input_dropout = input_dropout;
      SageEngine e(*gpu, g, arch, o);
      std::printf("placement: %s\n", e.placement().c_str());
      e.load_params(m.params());
      e.train_step(seeds, 1, 0);
      e.train_step(seeds, 2, 1);
      e.store_params(after[k]);
    }
    EXPECT_EQ(after[0], after[1]) << "input dropout " << input_dropout;
    EXPECT_EQ(after[0], after[2]) << "input dropout " << input_dropout;
  }
}

// Sampling on its own stream, up to three batches ahead, trains exactly what sampling each
// batch just before its step trains: a missing event between the streams would let a sample
// (or a host-feature transfer) overwrite a slot that a step still reads, and the parameters
// would differ.
TEST(GpuSage, PrefetchOnItsOwnStreamChangesNothing) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  SageArch arch;
  arch.in_dim = g.features.dim;
  arch.hidden = 32;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {10, 5};
  SageModel m(arch);
  m.initialize(3);
  auto gpu = test::make_gpu_backend();
  std::vector<NodeId> ids(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) ids[v] = (v * 7919) % g.num_nodes();
  const int batches = 9;
  // Features in GPU memory without and with prefetch; then in host memory, their rows brought
  // in on the sample stream: by the zero-copy kernel, through the cache, by the CPU gather.
  std::vector<float> after[5];
  const int depth[5] = {0, 3, 3, 3, 3};
  for (int k = 0; k < 5; ++k) {
    EngineOptions o;
    o.max_batch = 128;
    o.dropout = 0.2f;
    o.prefetch = depth[k];
    if (k >= 2) o.feature_placement = Placement::kHost;
    if (k == 3) o.feature_cache_gb = 0.0005;
    if (k == 4) o.host_gather = HostGather::kCpu;
    SageEngine e(*gpu, g, arch, o);
    e.load_params(m.params());
    int next = 0;
    for (int b = 0; b < batches; ++b) {
      for (; next < batches && next <= b + e.prefetch_depth(); ++next)
        e.enqueue_batch(std::span<const NodeId>(ids.data() + next * 128, 128), 1);
      e.train_enqueued(static_cast<uint64_t>(b));
    }
    e.store_params(after[k]);
  }
  for (int k = 1; k < 5; ++k) EXPECT_EQ(after[0], after[k]) << "configuration " << k;
}

TEST(GpuSage, TrainingQualityMatchesCpu) {
  GRL_REQUIRE_GPU();
  GRL_SKIP_EMULATED("trains through --device cuda, which is not the emulated backend");
  Graph g = small_sbm();
  SageTrainConfig c;
  c.epochs = test::small_sizes() ? 2 : 8;
  c.hidden = 64;
  c.batch_size = 256;
  c.fanouts = {10, 5};
  c.progress = false;
  double acc[2];
  const char* devices[2] = {"cpu", "cuda"};
  for (int k = 0; k < 2; ++k) {
    c.device = devices[k];
    acc[k] = train_sage(g, c).test.accuracy;
  }
  std::printf("sbm test accuracy: cpu %.4f, cuda %.4f\n", acc[0], acc[1]);
  EXPECT_GT(acc[1], 2.0 / g.labels.num_classes);
  EXPECT_NEAR(acc[0], acc[1], 0.03);
}

TEST(GpuSage, InferenceMatchesCpu) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  SageArch arch;
  arch.in_dim = g.features.dim;
  arch.hidden = 32;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {8, 4};
  SageModel m(arch);
  m.initialize(9);
  std::vector<NodeId> nodes;
  for (NodeId v = 0; v < g.num_nodes(); v += 3) nodes.push_back(v);
  nodes.push_back(nodes[5]);  // a repeated node
  auto cpu = make_cpu_backend();
  auto gpu = test::make_gpu_backend();
  for (bool hidden : {false, true}) {
    auto a = sage_forward(*cpu, g, m, nodes, hidden, 200, 1);
    auto b = sage_forward(*gpu, g, m, nodes, hidden, 200, 1);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_NEAR(a[i], b[i], 1e-4 * (1 + std::fabs(a[i])))
          << (hidden ? "hidden " : "logits ") << i;
  }
}

// Full-neighbourhood inference on the GPU == on the CPU, on a graph whose hubs span several
// aggregation chunks (kernels/segment_reduce.h), for every aggregator with a full form.
TEST(GpuSage, FullInferenceMatchesCpu) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  EdgeList e;
  for (NodeId v = 0; v < g.num_nodes(); ++v)
    for (NodeId u : g.csr.neighbors(v)) {
      e.src.push_back(v);
      e.dst.push_back(u);
    }
  for (NodeId h : {0, 1})  // two hubs: 3 and 5 chunks of neighbours
    for (NodeId u = 2; u < (h == 0 ? 3 : 5) * kSegmentChunkEdges - 40; ++u) {
      e.src.push_back(h);
      e.dst.push_back(u);
    }
  CsrBuildOptions o;
  o.symmetrize = true;
  g.csr = build_csr(std::move(e), g.num_nodes(), g.num_nodes(), o);
  ASSERT_GT(g.csr.degree(1), 4 * kSegmentChunkEdges);
  std::vector<NodeId> nodes{1, 0};
  for (NodeId v = 2; v < g.num_nodes(); v += 5) nodes.push_back(v);
  auto cpu = make_cpu_backend();
  auto gpu = test::make_gpu_backend();
  for (SageAggregator aggr : {SageAggregator::kMean, SageAggregator::kMax, SageAggregator::kPool}) {
    SageArch arch;
    arch.aggregator = aggr;
    arch.in_dim = g.features.dim;
    arch.hidden = 32;
    arch.num_classes = g.labels.num_classes;
    arch.fanouts = {8, 4};
    SageModel m(arch);
    m.initialize(9);
    for (bool hidden : {false, true}) {
      SageEngine::InferenceChoice how;
      auto a = sage_forward(*cpu, g, m, nodes, hidden, 200, 1, InferenceMode::kFull);
      auto b = sage_forward(*gpu, g, m, nodes, hidden, 200, 1, InferenceMode::kFull, &how);
      EXPECT_TRUE(how.full);
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i)
        ASSERT_NEAR(a[i], b[i], 1e-4 * (1 + std::fabs(a[i])))
            << aggregator_name(aggr) << (hidden ? " hidden " : " logits ") << i;
    }
  }
}

// The data-parallel gradient sum on GPU ranks, as SageEngine queues it for NCCL: one sum per
// layer, queued as the backward pass finishes that layer. A stand-in for NCCL doubles what it
// is given, in stream order, as two ranks with the same batch would sum it: so SGD at lr must
// move the parameters exactly as SGD at 2 lr without a reduction, which fails if a layer's sum
// is queued before its gradient is final, queued twice, or missed. One rank with
// GRL_ALLREDUCE=nccl runs the path, as tools/gpu-check runs real NCCL.
class DoublingDeviceComm final : public DeviceComm {
 public:
  DoublingDeviceComm(Backend& be, std::vector<std::pair<const float*, int64_t>>* calls, int* joins)
      : be_(be), calls_(calls), joins_(joins) {}
  void sum_after(float* data, int64_t n, void*) override {
    calls_->emplace_back(data, n);
    std::vector<float> h(static_cast<size_t>(n));
    be_.download(h.data(), data, h.size() * sizeof(float));  // after the lane's work so far
    for (float& v : h) v *= 2.0f;
    be_.upload(data, h.data(), h.size() * sizeof(float));
  }
  void join(void*) override { ++*joins_; }
  void exchange(const std::vector<Comm::Transfer>&, void*) override {
    FAIL() << "the GraphSAGE engine moves no blocks";
  }
  std::string describe() const override { return "doubling stand-in"; }

 private:
  Backend& be_;
  std::vector<std::pair<const float*, int64_t>>* calls_;
  int* joins_;
};

TEST(GpuSage, LayerGradientSumsAreQueuedOnceEachWhenFinal) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  struct ForcedPath {
    ForcedPath() { setenv("GRL_ALLREDUCE", "nccl", 1); }
    ~ForcedPath() { unsetenv("GRL_ALLREDUCE"); }
  };
  for (SageAggregator aggr : {SageAggregator::kMean, SageAggregator::kPool}) {
    SageArch arch;
    arch.aggregator = aggr;  // pool: the first layer's own parameters are summed too
    arch.in_dim = g.features.dim;
    arch.hidden = 32;
    arch.num_classes = g.labels.num_classes;
    arch.fanouts = {6, 4, 3};
    SageModel m(arch);
    m.initialize(2);
    EngineOptions o;
    o.max_batch = 64;
    o.seed = 9;
    o.optimizer = OptimizerKind::kSgd;
    std::vector<NodeId> seeds;
    for (NodeId v = 0; v < 64; ++v) seeds.push_back((v * 41) % g.num_nodes());
    auto gpu = test::make_gpu_backend();
    std::vector<float> alone, summed;
    {
      o.lr = 0.1f;
      SageEngine e(*gpu, g, arch, o);
      e.load_params(m.params());
      e.train_step(seeds, 1, 0);
      e.train_step(seeds, 1, 1);
      e.store_params(alone);
    }
    std::vector<std::pair<const float*, int64_t>> calls;
    int joins = 0;
    {
      ForcedPath forced;
      o.lr = 0.05f;
      o.comm = &Comm::self();
      o.open_device_comm = [&](Comm&, std::string*) {
        return std::make_unique<DoublingDeviceComm>(*gpu, &calls, &joins);
      };
      SageEngine e(*gpu, g, arch, o);
      e.load_params(m.params());
      e.train_step(seeds, 1, 0);
      e.train_step(seeds, 1, 1);
      e.store_params(summed);
      EXPECT_NE(e.allreduce_path().find("doubling stand-in"), std::string::npos)
          << e.allreduce_path();
      // A rank with no seeds in a global batch queues the same sums, of its zero gradient.
      e.enqueue_batch({}, 1, 64);
      e.train_enqueued(2);
      std::vector<float> after_empty;
      e.store_params(after_empty);
      EXPECT_EQ(after_empty, summed) << aggregator_name(aggr);
    }
    ASSERT_EQ(summed.size(), alone.size());
    size_t differ = 0;
    for (size_t i = 0; i < alone.size(); ++i) differ += summed[i] != alone[i];
    EXPECT_EQ(differ, 0u) << aggregator_name(aggr) << ": parameters unlike SGD at twice the rate";
    // Three steps, three layers each, last layer first; each step's sums tile the buffer.
    const int K = arch.num_layers();
    ASSERT_EQ(calls.size(), static_cast<size_t>(3 * K)) << aggregator_name(aggr);
    EXPECT_EQ(joins, 3);
    for (int step = 0; step < 3; ++step) {
      int64_t end = static_cast<int64_t>(alone.size());
      for (int j = 0; j < K; ++j) {
        const auto [data, n] = calls[static_cast<size_t>(step * K + j)];
        EXPECT_GT(n, 0);
        EXPECT_EQ((data - calls[static_cast<size_t>(step * K + K - 1)].first) + n, end)
            << aggregator_name(aggr) << " step " << step << " sum " << j;
        end -= n;
      }
      EXPECT_EQ(end, 0) << aggregator_name(aggr) << " step " << step;
    }
  }
}

}  // namespace
}  // namespace grl
