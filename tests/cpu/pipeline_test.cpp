// The engine's prefetch ring and the stage report: prefetching changes nothing in what is
// trained (same seed, same parameters as sampling each batch just before its step), misuse of
// the queue is a clear error, and the stage summary adds up hand-made stage times.
#include <gtest/gtest.h>

#include "host/core/error.h"
#include "host/io/synthetic.h"
#include "host/ops/backend.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_trainer.h"
#include "host/train/stage_report.h"

namespace grl {
namespace {

Graph small_sbm() {
  SbmParams p;
  p.nodes = 800;
  p.classes = 4;
  p.feature_dim = 13;  // not a multiple of 4: padded and unpadded strides differ
  p.seed = 4;
  return make_sbm(p);
}

SageArch arch_for(const Graph& g, SageAggregator a) {
  SageArch arch;
  arch.aggregator = a;
  arch.in_dim = g.features.dim;
  arch.hidden = 16;
  arch.lstm_hidden = 8;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {6, 3};
  return arch;
}

TEST(Prefetch, SameParametersWithAndWithoutPrefetch) {
  Graph g = small_sbm();
  auto be = make_cpu_backend();
  for (SageAggregator a : {SageAggregator::kMean, SageAggregator::kLstm}) {
    SageArch arch = arch_for(g, a);
    SageModel m(arch);
    m.initialize(1);
    std::vector<float> after[3];
    const int depth[3] = {0, 1, 3};
    for (int k = 0; k < 3; ++k) {
      EngineOptions o;
      o.max_batch = 64;
      o.dropout = 0.3f;
      o.prefetch = depth[k];
      SageEngine e(*be, g, arch, o);
      ASSERT_EQ(e.prefetch_depth(), depth[k]);
      e.load_params(m.params());
      const int batches = 7;
      auto batch = [&](int b) {
        static std::vector<NodeId> ids;
        ids.resize(800);
        for (NodeId v = 0; v < 800; ++v) ids[v] = (v * 379) % 800;
        return std::span<const NodeId>(ids.data() + b * 64, b == batches - 1 ? 17 : 64);
      };
      int next = 0;
      for (int b = 0; b < batches; ++b) {
        for (; next < batches && next <= b + e.prefetch_depth(); ++next)
          e.enqueue_batch(batch(next), 2);
        e.train_enqueued(static_cast<uint64_t>(b));
      }
      e.store_params(after[k]);
    }
    EXPECT_EQ(after[0], after[1]) << aggregator_name(a);
    EXPECT_EQ(after[0], after[2]) << aggregator_name(a);
  }
}

TEST(Prefetch, TrainerResultDoesNotDependOnDepth) {
  Graph g = small_sbm();
  SageTrainConfig c;
  c.epochs = 2;
  c.hidden = 16;
  c.batch_size = 100;
  c.device = "cpu";
  c.progress = false;
  c.prefetch = 0;
  SageTrainResult a = train_sage(g, c);
  c.prefetch = 4;
  SageTrainResult b = train_sage(g, c);
  EXPECT_EQ(a.model.params(), b.model.params());
  EXPECT_EQ(a.test.accuracy, b.test.accuracy);
  EXPECT_EQ(b.stages.steps, a.stages.steps);
  EXPECT_GT(b.stages.compute_ms, 0.0);
  EXPECT_GT(b.stages.sample_ms, 0.0);
}

// Both ways of bringing host-resident features to the compute train the same model through
// the prefetch ring; the CPU gather reports its host time; it does not combine with a cache.
TEST(HostGather, CpuAndZeroCopyTrainTheSameThroughTheRing) {
  Graph g = small_sbm();
  SageTrainConfig c;
  c.epochs = 2;
  c.hidden = 16;
  c.batch_size = 100;
  c.device = "cpu";
  c.progress = false;
  c.prefetch = 2;
  c.aggregator = SageAggregator::kLstm;  // reads the first layer's rows as a matrix, backward too
  c.lstm_hidden = 8;
  c.fanouts = {5, 3};
  SageTrainResult in_place = train_sage(g, c);
  c.feature_placement = Placement::kHost;
  SageTrainResult zero_copy = train_sage(g, c);
  c.host_gather = HostGather::kCpu;
  SageTrainResult cpu = train_sage(g, c);
  EXPECT_EQ(in_place.model.params(), zero_copy.model.params());
  EXPECT_EQ(in_place.model.params(), cpu.model.params());
  EXPECT_GT(zero_copy.stages.transfer_ms, 0.0);
  EXPECT_EQ(zero_copy.stages.cpu_gather_ms, 0.0);
  EXPECT_GT(cpu.stages.cpu_gather_ms, 0.0);
  EXPECT_GT(cpu.stages.transfer_ms, 0.0);
  EXPECT_NE(cpu.placement.find("CPU gather"), std::string::npos) << cpu.placement;
  c.feature_cache_gb = 0.01;
  try {
    train_sage(g, c);
    ADD_FAILURE() << "a cache with the cpu gather was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("needs host_gather zero-copy"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(parse_host_gather("cpu"), HostGather::kCpu);
  EXPECT_THROW(parse_host_gather("dma"), UsageError);
}

TEST(Prefetch, QueueMisuseIsAClearError) {
  Graph g = small_sbm();
  auto be = make_cpu_backend();
  SageArch arch = arch_for(g, SageAggregator::kMean);
  SageModel m(arch);
  m.initialize(1);
  EngineOptions o;
  o.max_batch = 32;
  o.prefetch = 1;
  SageEngine e(*be, g, arch, o);
  e.load_params(m.params());
  std::vector<NodeId> s = {1, 2, 3};
  EXPECT_THROW(e.train_enqueued(0), Error);
  e.enqueue_batch(s, 1);
  e.enqueue_batch(s, 1);
  EXPECT_THROW(e.enqueue_batch(s, 1), Error) << "depth 1: two batches at most";
  std::vector<float> logits;
  EXPECT_THROW(e.infer(s, 0, &logits, nullptr), Error) << "inference would reorder the queue";
  e.train_enqueued(0);
  e.train_enqueued(1);
  e.infer(s, 0, &logits, nullptr);
  EXPECT_EQ(logits.size(), 3u * arch.num_classes);
  std::vector<NodeId> dup = {4, 4};
  e.enqueue_batch(dup, 1);
  EXPECT_THROW(e.train_enqueued(2), Error);
  e.train_step(s, 1, 3);  // the ring keeps working after the error
  o.prefetch = -1;
  EXPECT_THROW(SageEngine(*be, g, arch, o), UsageError);
}

TEST(StageReport, GroupsAndAveragesHandMadeStages) {
  StageReport r;
  r.concurrent = true;
  r.add({{"host", 1.0},
         {"wait", 3.0},
         {"gather", 2.0},
         {"forward.l1", 10.0},
         {"loss", 1.0},
         {"backward.l1", 8.0},
         {"optimizer", 1.0},
         {"sample-lane idle", 50.0},
         {"sample", 12.0}},
        2);
  r.add({{"host", 1.0}, {"wait", 1.0}, {"forward.l1", 10.0}, {"sample", 4.0}}, 2);
  EXPECT_EQ(r.transfer_ms, 0.0);
  EXPECT_EQ(r.line().find("host features"), std::string::npos) << r.line();
  EXPECT_EQ(r.steps, 4);
  EXPECT_DOUBLE_EQ(r.sample_ms, 16.0 / 4);
  EXPECT_DOUBLE_EQ(r.gather_ms, 2.0 / 4);
  EXPECT_DOUBLE_EQ(r.compute_ms, 30.0 / 4);
  EXPECT_DOUBLE_EQ(r.host_ms, 2.0 / 4);
  EXPECT_DOUBLE_EQ(r.wait_ms, 4.0 / 4);
  EXPECT_DOUBLE_EQ(r.idle_ms(), 6.0 / 4);
  EXPECT_DOUBLE_EQ(r.overlap(), 1.0 - 1.0 / 4.0);  // 1 - wait / sample
  nlohmann::json j = r.json();
  EXPECT_DOUBLE_EQ(j["stages_ms"]["forward.l1"].get<double>(), 20.0 / 4);
  EXPECT_FALSE(j["stages_ms"].contains("sample-lane idle"));
  EXPECT_NE(r.line().find("75% hidden"), std::string::npos) << r.line();
  r.concurrent = false;
  EXPECT_EQ(r.overlap(), 0.0);
  EXPECT_NE(r.line().find("one after another"), std::string::npos);

  // Host-resident features: the transfer is sample-lane work too; the CPU gather is shown.
  r.concurrent = true;
  r.add({{"transfer", 8.0}, {"cpu gather", 6.0}}, 0);
  EXPECT_DOUBLE_EQ(r.transfer_ms, 8.0 / 4);
  EXPECT_DOUBLE_EQ(r.cpu_gather_ms, 6.0 / 4);
  EXPECT_DOUBLE_EQ(r.overlap(), 1.0 - 1.0 / 6.0);  // 1 - wait / (sample + transfer)
  EXPECT_NE(r.line().find("transfer 2.000 ms after a cpu gather of 1.500 ms"), std::string::npos)
      << r.line();
  EXPECT_DOUBLE_EQ(r.json()["cpu_gather_ms"].get<double>(), 1.5);
}

}  // namespace
}  // namespace grl

namespace grl {
namespace {

// The host-feature path (gather once per step, through a cache of the hottest rows) trains
// exactly what reading features in place trains, and the cache serves at least its share.
TEST(FeatureCache, SameParametersAndAHitRateAboveTheCachedShare) {
  Graph g = small_sbm();
  auto be = make_cpu_backend();
  for (SageAggregator a : {SageAggregator::kMean, SageAggregator::kPool}) {
    SageArch arch = arch_for(g, a);
    SageModel m(arch);
    m.initialize(5);
    std::vector<float> after[5];
    std::pair<int64_t, int64_t> stats[5];
    // In place; host path without cache; a cache of ~25% of the rows; a cache of every row;
    // host path through the CPU gather and pinned staging.
    const double gb[5] = {0, 0, 200.0 * 16 * 4 / 1073741824.0 + 800.0 * 4 / 1073741824.0, 1.0, 0};
    for (int k = 0; k < 5; ++k) {
      EngineOptions o;
      o.max_batch = 64;
      o.dropout = 0.0f;
      o.feature_placement = k == 0 ? Placement::kAuto : Placement::kHost;
      o.feature_cache_gb = gb[k];
      o.host_gather = k == 4 ? HostGather::kCpu : HostGather::kZeroCopy;
      SageEngine e(*be, g, arch, o);
      if (k == 2 || k == 3) {
        EXPECT_NE(e.placement().find("feature cache"), std::string::npos) << e.placement();
      }
      e.load_params(m.params());
      std::vector<NodeId> s(64);
      for (int step = 0; step < 5; ++step) {
        for (int i = 0; i < 64; ++i) s[i] = (step * 64 + i * 11) % 800;
        e.train_step(s, 1, static_cast<uint64_t>(step));
      }
      e.store_params(after[k]);
      stats[k] = e.take_feature_cache_stats();
    }
    EXPECT_EQ(after[0], after[1]) << aggregator_name(a);
    EXPECT_EQ(after[0], after[2]) << aggregator_name(a);
    EXPECT_EQ(after[0], after[3]) << aggregator_name(a);
    EXPECT_EQ(after[0], after[4]) << aggregator_name(a) << ": cpu gather";
    EXPECT_EQ(stats[1].first, 0) << "no cache, no lookups counted";
    ASSERT_GT(stats[2].first, 0);
    const double rate = static_cast<double>(stats[2].second) / stats[2].first;
    EXPECT_GT(rate, 0.25) << "the cached quarter are the most-sampled nodes";
    EXPECT_LT(rate, 1.0);
    EXPECT_EQ(stats[3].second, stats[3].first) << "everything cached: every lookup hits";
  }
}

}  // namespace
}  // namespace grl
