// GraphSAGE on the CPU backend: quality on Cora with the defaults a user gets, the three
// aggregators, inductive embedding of unseen nodes, determinism, checkpoints, metrics.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "host/io/synthetic.h"
#include "host/ops/backend.h"
#include "host/train/metrics.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_trainer.h"
#include "kernels/common/philox.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

SageTrainConfig quiet_defaults(uint64_t seed) {
  SageTrainConfig c;  // the CLI's defaults
  c.seed = seed;
  c.device = "cpu";
  c.progress = false;
  return c;
}

Graph sbm_graph(NodeId nodes = 3000) {
  SbmParams p;
  p.nodes = nodes;
  p.classes = 6;
  p.feature_dim = 32;
  p.homophily = 0.7;
  p.separation = 1.0;
  p.seed = 5;
  Graph g = make_sbm(p);
  g.source = "sbm";
  return g;
}

TEST(SageQuality, CoraDefaultsAndAllAggregators) {
  GRL_REQUIRE_DATASETS(dir);
  Graph g = load_graph("planetoid:" + dir + "/cora/cora");
  double mean_acc[3] = {0, 0, 0};
  const SageAggregator aggrs[3] = {SageAggregator::kMean, SageAggregator::kMax,
                                   SageAggregator::kPool};
  for (int a = 0; a < 3; ++a) {
    for (uint64_t seed : {0, 1, 2}) {
      SageTrainConfig c = quiet_defaults(seed);
      c.aggregator = aggrs[a];
      SageTrainResult r = train_sage(g, c);
      EXPECT_EQ(r.test.count, 541);  // 20% of 2,708
      std::printf("cora %s seed %d: test accuracy %.4f (best epoch %d)\n",
                  aggregator_name(aggrs[a]), static_cast<int>(seed), r.test.accuracy, r.best_epoch);
      mean_acc[a] += r.test.accuracy / 3;
    }
  }
  std::printf("cora mean of seeds 0,1,2: mean %.4f, max %.4f, pool %.4f\n", mean_acc[0],
              mean_acc[1], mean_acc[2]);
  EXPECT_GE(mean_acc[0], 0.85);
  EXPECT_LE(std::fabs(mean_acc[1] - mean_acc[0]), 0.03);
  EXPECT_LE(std::fabs(mean_acc[2] - mean_acc[0]), 0.03);
}

// The paper's LSTM aggregator on Cora, seeds 0-2: within 0.02 of the mean aggregator (issue 7).
TEST(SageQuality, CoraLstmWithinMeanAggregator) {
  GRL_REQUIRE_DATASETS(dir);
  Graph g = load_graph("planetoid:" + dir + "/cora/cora");
  double acc[2] = {0, 0};
  const SageAggregator aggrs[2] = {SageAggregator::kMean, SageAggregator::kLstm};
  for (int a = 0; a < 2; ++a)
    for (uint64_t seed : {0, 1, 2}) {
      SageTrainConfig c = quiet_defaults(seed);
      c.aggregator = aggrs[a];
      SageTrainResult r = train_sage(g, c);
      std::printf("cora %s seed %d: test accuracy %.4f (best epoch %d)\n",
                  aggregator_name(aggrs[a]), static_cast<int>(seed), r.test.accuracy, r.best_epoch);
      acc[a] += r.test.accuracy / 3;
    }
  std::printf("cora mean of seeds 0,1,2: mean %.4f, lstm %.4f\n", acc[0], acc[1]);
  EXPECT_GE(acc[1], acc[0] - 0.02);
}

// Every aggregator's analytic gradient (the engine's whole backward pass, two layers) against
// central differences of the batch loss on a tiny graph.
TEST(SageGradients, MatchFiniteDifferencesForEveryAggregator) {
  SbmParams sp;
  sp.nodes = 40;
  sp.classes = 3;
  sp.feature_dim = 5;
  sp.degree = 4;
  sp.seed = 9;
  Graph g = make_sbm(sp);
  std::vector<NodeId> seeds = {0, 3, 7, 12, 19, 25, 33};
  auto be = make_cpu_backend();
  for (SageAggregator aggr : {SageAggregator::kMean, SageAggregator::kMax, SageAggregator::kPool,
                              SageAggregator::kLstm}) {
    SageArch arch;
    arch.aggregator = aggr;
    arch.in_dim = 5;
    arch.hidden = 4;
    arch.lstm_hidden = 3;
    arch.num_classes = 3;
    arch.fanouts = {4, 3};
    SageModel m(arch);
    m.initialize(2);
    EngineOptions o;
    o.max_batch = 8;
    o.dropout = 0.0f;
    SageEngine e(*be, g, arch, o);
    e.load_params(m.params());
    std::vector<float> grad, scratch;
    const double l0 = e.compute_gradients(seeds, 1, 5, grad);
    std::vector<float> w = m.params();
    const float eps = 1e-3f;
    int checked = 0, bad = 0, kinks = 0;
    double max_err = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      const float keep = w[i];
      w[i] = keep + eps;
      e.load_params(w);
      const double lp = e.compute_gradients(seeds, 1, 5, scratch);
      w[i] = keep - eps;
      e.load_params(w);
      const double lm = e.compute_gradients(seeds, 1, 5, scratch);
      w[i] = keep;
      // A ReLU or a max switching inside [w - eps, w + eps] makes the one-sided slopes differ:
      // no derivative to check there.
      if (std::fabs((lp - l0) - (l0 - lm)) / eps > 1e-3) {
        ++kinks;
        continue;
      }
      const double fd = (lp - lm) / (2.0 * eps);
      const double err = std::fabs(fd - grad[i]);
      max_err = std::max(max_err, err);
      ++checked;
      if (err > 2e-3 + 2e-2 * std::fabs(fd)) {
        ++bad;
        ADD_FAILURE() << aggregator_name(aggr) << " parameter " << i << ": analytic " << grad[i]
                      << ", finite difference " << fd;
        if (bad > 5) break;
      }
    }
    std::printf(
        "%s: %d parameters checked, %d at a kink, max |analytic - finite difference| %.2e\n",
        aggregator_name(aggr), checked, kinks, max_err);
    EXPECT_LE(kinks, checked / 20) << aggregator_name(aggr);
  }
}

TEST(SageQuality, SbmFarAboveChance) {
  Graph g = sbm_graph();
  SageTrainConfig c = quiet_defaults(0);
  c.epochs = 10;
  c.hidden = 64;
  SageTrainResult r = train_sage(g, c);
  EXPECT_GT(r.test.accuracy, 0.6) << "chance is 1/6";
  EXPECT_GT(r.valid.f1_macro, 0.55);
}

// Train on a graph with 20% of the nodes removed entirely, then classify those nodes from the
// full graph with the trained weights: close to the transductive accuracy.
TEST(SageQuality, InductiveOnUnseenNodes) {
  GRL_REQUIRE_DATASETS(dir);
  Graph full = load_graph("planetoid:" + dir + "/cora/cora");
  std::vector<NodeId> seen, unseen;
  for (NodeId v = 0; v < full.num_nodes(); ++v) {
    Philox4 r = philox(42, RandomPurpose::kTest, static_cast<uint32_t>(v), 0, 0);
    (random_unit(r.v[0]) < 0.2f ? unseen : seen).push_back(v);
  }
  Graph sub = induced_subgraph(full, seen);
  SageTrainConfig c = quiet_defaults(0);
  SageTrainResult trans = train_sage(sub, c);
  auto be = make_cpu_backend();
  std::vector<float> logits = sage_forward(*be, full, trans.model, unseen, false, 512, 0);
  ClassMetrics ind = score_logits(full, unseen, logits, full.labels.num_classes);
  std::printf("transductive test accuracy %.4f, inductive accuracy on %zu unseen nodes %.4f\n",
              trans.test.accuracy, unseen.size(), ind.accuracy);
  EXPECT_GT(ind.accuracy, 0.8);
  EXPECT_GT(ind.accuracy, trans.test.accuracy - 0.05);
}

TEST(SageDeterminism, SameSeedSameModelAnyThreadCount) {
  Graph g = sbm_graph(1500);
  SageTrainConfig c = quiet_defaults(3);
  c.epochs = 2;
  c.hidden = 32;
  setenv("GRL_THREADS", "1", 1);
  SageTrainResult a = train_sage(g, c);
  setenv("GRL_THREADS", "2", 1);
  SageTrainResult b = train_sage(g, c);
  unsetenv("GRL_THREADS");
  SageTrainResult d = train_sage(g, c);
  ASSERT_EQ(a.model.params(), b.model.params());
  ASSERT_EQ(a.model.params(), d.model.params());
  EXPECT_EQ(a.test.accuracy, b.test.accuracy);
  c.seed = 4;
  SageTrainResult e = train_sage(g, c);
  EXPECT_NE(a.model.params(), e.model.params());
}

TEST(SageModelFile, SaveLoadRoundTripAndCorruption) {
  auto dir = test::scratch_dir();
  Graph g = sbm_graph(800);
  SageTrainConfig c = quiet_defaults(0);
  c.epochs = 2;
  c.hidden = 16;
  c.aggregator = SageAggregator::kPool;
  c.save_path = (dir / "m.grl").string();
  SageTrainResult r = train_sage(g, c);
  SageModel m = SageModel::load(c.save_path);
  EXPECT_EQ(m.params(), r.model.params());
  EXPECT_EQ(m.arch().aggregator, SageAggregator::kPool);
  EXPECT_EQ(m.arch().fanouts, c.fanouts);
  EXPECT_EQ(m.class_names, g.labels.class_names);
  for (const auto& f : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(f.path().string().find(".tmp"), std::string::npos)
        << "temporary file left: " << f.path();
  // Truncated.
  auto size = std::filesystem::file_size(c.save_path);
  std::filesystem::copy_file(c.save_path, dir / "cut.grl");
  std::filesystem::resize_file(dir / "cut.grl", size / 2);
  try {
    SageModel::load((dir / "cut.grl").string());
    FAIL() << "loaded a truncated model";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.grl"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  // One flipped byte in the weights.
  std::filesystem::copy_file(c.save_path, dir / "bad.grl");
  {
    std::fstream f(dir / "bad.grl", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 100));
    char x;
    f.read(&x, 1);
    f.seekp(static_cast<std::streamoff>(size - 100));
    x ^= 0x40;
    f.write(&x, 1);
  }
  try {
    SageModel::load((dir / "bad.grl").string());
    FAIL() << "loaded a corrupted model";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  // Not a model at all.
  test::write_file(dir / "text.grl", "hello, this is not a model file at all, just some text\n");
  EXPECT_THROW(SageModel::load((dir / "text.grl").string()), InputError);
  EXPECT_THROW(SageModel::load((dir / "missing.grl").string()), InputError);
}

TEST(SageTrainer, MultiLabelTrainsAndScores) {
  Graph g = sbm_graph(2000);
  // Two labels per node: its class and the next one; a third for every 5th node.
  const int C = g.labels.num_classes;
  g.labels.multi_label = true;
  g.labels.multi_offsets = {0};
  for (NodeId v = 0; v < g.num_nodes(); ++v) {
    const int y = g.labels.single[v];
    std::vector<int32_t> cl = {y, (y + 1) % C};
    if (v % 5 == 0) cl.push_back((y + 3) % C);
    std::sort(cl.begin(), cl.end());
    for (int32_t k : cl) g.labels.multi_classes.push_back(k);
    g.labels.multi_offsets.push_back(static_cast<int64_t>(g.labels.multi_classes.size()));
  }
  g.labels.single.clear();
  SageTrainConfig c = quiet_defaults(0);
  c.epochs = 8;
  c.hidden = 64;
  SageTrainResult r = train_sage(g, c);
  EXPECT_GT(r.test.f1_micro, 0.6);
  EXPECT_EQ(r.test.count, 400);
}

TEST(SageTrainer, ClearErrors) {
  Graph g = sbm_graph(500);
  SageTrainConfig c = quiet_defaults(0);
  c.split = "random:0.5,0.6,0.2";
  EXPECT_THROW(train_sage(g, c), UsageError);
  c.split = "random:a,b,c";
  EXPECT_THROW(train_sage(g, c), UsageError);
  c.split = "";
  c.fanouts = {0};
  EXPECT_THROW(train_sage(g, c), UsageError);
  c.fanouts = {10};
  c.dropout = 1.0f;
  EXPECT_THROW(train_sage(g, c), UsageError);
  c.dropout = 0.5f;
  Graph nofeat = g;
  nofeat.features = Features{};
  EXPECT_THROW(train_sage(nofeat, c), UsageError);
  Graph nolabels = g;
  nolabels.labels = Labels{};
  EXPECT_THROW(train_sage(nolabels, c), UsageError);
  c.device = "tpu";
  EXPECT_THROW(train_sage(g, c), UsageError);
}

TEST(Metrics, SingleLabelMatchesHandComputed) {
  // truth 0 0 1 1 2, pred 0 1 1 1 0: class 0 P=1/2 R=1/2; class 1 P=2/3 R=1; class 2 P=0 R=0.
  ClassMetrics m = single_label_metrics({0, 0, 1, 1, 2}, {0, 1, 1, 1, 0}, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 3.0 / 5);
  EXPECT_DOUBLE_EQ(m.f1_micro, 3.0 / 5);
  EXPECT_NEAR(m.f1_macro, (0.5 + 0.8 + 0.0) / 3, 1e-12);
  EXPECT_NEAR(m.recall_macro, (0.5 + 1.0 + 0.0) / 3, 1e-12);
  EXPECT_EQ(m.count, 5);
  // Unlabelled rows are skipped; a class in neither truth nor prediction does not count.
  ClassMetrics u = single_label_metrics({-1, 0, 1}, {2, 0, 1}, 4);
  EXPECT_DOUBLE_EQ(u.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(u.f1_macro, 1.0);
}

TEST(Metrics, MultiLabelMatchesHandComputed) {
  // 2 nodes x 3 classes. truth: [1 1 0], [0 0 1]; pred: [1 0 0], [0 1 1].
  ClassMetrics m = multi_label_metrics({1, 1, 0, 0, 0, 1}, {1, 0, 0, 0, 1, 1}, 2, 3);
  // tp=2 fp=1 fn=1 -> micro F1 = 4/6
  EXPECT_NEAR(m.f1_micro, 4.0 / 6, 1e-12);
  // class 0: F1 1; class 1: tp0 fp1 fn1 -> 0; class 2: 1
  EXPECT_NEAR(m.f1_macro, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.0);
}

}  // namespace
}  // namespace grl

namespace grl {
namespace {

TEST(SageEngineProfile, StagesAreTimedInOrder) {
  SbmParams p;
  p.nodes = 600;
  p.classes = 3;
  p.feature_dim = 8;
  Graph g = make_sbm(p);
  auto be = make_cpu_backend();
  SageArch arch;
  arch.in_dim = g.features.dim;
  arch.hidden = 16;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {5, 3};
  SageModel m(arch);
  m.initialize(0);
  EngineOptions o;
  o.max_batch = 64;
  SageEngine e(*be, g, arch, o);
  e.load_params(m.params());
  std::vector<NodeId> seeds(64);
  for (NodeId v = 0; v < 64; ++v) seeds[v] = v * 7;
  be->set_profiling(true);
  e.train_step(seeds, 1, 0);
  e.train_step(seeds, 1, 1);
  auto stages = be->take_stage_times();
  std::vector<std::string> names;
  for (const auto& [name, ms] : stages) {
    names.push_back(name);
    EXPECT_GE(ms, 0.0) << name;
  }
  // The sample lane's marks first (train_step enqueues, then trains), then the compute lane's.
  const std::vector<std::string> want = {"sample-lane idle",
                                         "sample-lane waits for compute",
                                         "sample",
                                         "host",
                                         "wait",
                                         "gather",
                                         "forward.l1",
                                         "forward.l2",
                                         "loss",
                                         "backward.l2",
                                         "backward.l1",
                                         "optimizer"};
  EXPECT_EQ(names, want);
  EXPECT_TRUE(be->take_stage_times().empty());
  be->set_profiling(false);
  e.train_step(seeds, 1, 2);
  EXPECT_TRUE(be->take_stage_times().empty());
}

}  // namespace
}  // namespace grl
