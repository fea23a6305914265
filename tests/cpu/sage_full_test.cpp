// Exact full-neighbourhood inference (host/train/sage_full.h) on the CPU backend: where the
// fanouts cover every neighbourhood, sampled inference without replacement reads every
// neighbour too, so the two must agree (every aggregator with a full form, logits and hidden
// layers, 1 to 3 layers, normalised and unsupervised models); the full result does not depend
// on the seed or the batch size; auto picks sampled where full has no form or would not
// reproduce training (lstm, weighted graphs) and full is refused where it cannot run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "host/core/error.h"
#include "host/io/synthetic.h"
#include "host/ops/backend.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_trainer.h"

namespace grl {
namespace {

Graph sbm(NodeId nodes = 600) {
  SbmParams p;
  p.nodes = nodes;
  p.classes = 4;
  p.feature_dim = 13;  // not a multiple of 4: the scalar paths
  p.degree = 6;
  p.seed = 8;
  Graph g = make_sbm(p);
  g.source = "sbm";
  return g;
}

int max_degree(const Graph& g) {
  EdgeIndex d = 0;
  for (NodeId v = 0; v < g.num_nodes(); ++v) d = std::max(d, g.csr.degree(v));
  return static_cast<int>(d);
}

std::vector<NodeId> every_other(const Graph& g) {
  std::vector<NodeId> nodes;
  for (NodeId v = 0; v < g.num_nodes(); v += 2) nodes.push_back(v);
  return nodes;
}

void expect_near_all(const std::vector<float>& a, const std::vector<float>& b,
                     const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], 1e-5 * (1 + std::fabs(a[i]))) << what << " element " << i;
}

TEST(SageFullInference, EqualsSampledWhereTheFanoutsCoverEveryNeighbour) {
  const Graph g = sbm();
  const int D = max_degree(g);
  ASSERT_LE(D, 255);
  auto be = make_cpu_backend();
  const std::vector<NodeId> nodes = every_other(g);
  struct Case {
    SageAggregator aggr;
    int layers;
    bool normalize, unsupervised;
  };
  for (Case c :
       {Case{SageAggregator::kMean, 2, false, false}, Case{SageAggregator::kMax, 2, false, false},
        Case{SageAggregator::kPool, 2, false, false}, Case{SageAggregator::kMean, 1, false, false},
        Case{SageAggregator::kMean, 3, true, false}, Case{SageAggregator::kPool, 2, true, true}}) {
    SageArch arch;
    arch.aggregator = c.aggr;
    arch.in_dim = g.features.dim;
    arch.hidden = 10;
    arch.num_classes = c.unsupervised ? 6 : g.labels.num_classes;
    arch.fanouts.assign(c.layers, D);
    arch.normalize = c.normalize;
    arch.unsupervised = c.unsupervised;
    SageModel m(arch);
    m.initialize(4);
    for (bool hidden : {false, true}) {
      const std::string what =
          std::string(aggregator_name(c.aggr)) + " " + std::to_string(c.layers) + " layers" +
          (c.normalize ? " normalised" : "") + (c.unsupervised ? " unsupervised" : "") +
          (hidden ? " hidden" : " logits");
      SageEngine::InferenceChoice how;
      const auto full = sage_forward(*be, g, m, nodes, hidden, 16, 1, InferenceMode::kFull, &how);
      EXPECT_TRUE(how.full) << what;
      const auto sampled = sage_forward(*be, g, m, nodes, hidden, 16, 1, InferenceMode::kSampled);
      expect_near_all(full, sampled, what);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(SageFullInference, NeedsNoSeedAndNoBatchSize) {
  const Graph g = sbm(900);
  SageArch arch;
  arch.in_dim = g.features.dim;
  arch.hidden = 16;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {3, 2};  // far below the degrees: sampled inference depends on the seed
  SageModel m(arch);
  m.initialize(2);
  auto be = make_cpu_backend();
  const std::vector<NodeId> nodes = every_other(g);
  const auto a = sage_forward(*be, g, m, nodes, false, 64, 1, InferenceMode::kFull);
  const auto b = sage_forward(*be, g, m, nodes, false, 1000, 7, InferenceMode::kFull);
  EXPECT_EQ(a, b);
  // auto takes full here, and sampled differs from it.
  SageEngine::InferenceChoice how;
  EXPECT_EQ(sage_forward(*be, g, m, nodes, false, 64, 1, InferenceMode::kAuto, &how), a);
  EXPECT_TRUE(how.full) << how.why;
  EXPECT_NE(sage_forward(*be, g, m, nodes, false, 64, 1, InferenceMode::kSampled), a);
}

TEST(SageFullInference, AutoFallsBackAndFullRefusesWhereItCannotRun) {
  Graph g = sbm(300);
  auto be = make_cpu_backend();
  SageArch arch;
  arch.aggregator = SageAggregator::kLstm;
  arch.in_dim = g.features.dim;
  arch.hidden = 8;
  arch.lstm_hidden = 8;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {4};
  SageModel lstm(arch);
  lstm.initialize(1);
  const std::vector<NodeId> nodes = every_other(g);
  SageEngine::InferenceChoice how;
  sage_forward(*be, g, lstm, nodes, false, 64, 1, InferenceMode::kAuto, &how);
  EXPECT_FALSE(how.full);
  EXPECT_NE(how.why.find("lstm"), std::string::npos) << how.why;
  try {
    sage_forward(*be, g, lstm, nodes, false, 64, 1, InferenceMode::kFull);
    FAIL() << "full inference ran an lstm model";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("lstm"), std::string::npos) << e.what();
  }
  // Weighted graph: auto keeps the weighted samples; full, when asked, runs.
  arch.aggregator = SageAggregator::kMean;
  SageModel mean(arch);
  mean.initialize(1);
  g.csr.weights = Array<float>(std::vector<float>(g.csr.indices.size(), 1.0f));
  sage_forward(*be, g, mean, nodes, false, 64, 1, InferenceMode::kAuto, &how);
  EXPECT_FALSE(how.full);
  EXPECT_NE(how.why.find("weights"), std::string::npos) << how.why;
  sage_forward(*be, g, mean, nodes, false, 64, 1, InferenceMode::kFull, &how);
  EXPECT_TRUE(how.full);
}

}  // namespace
}  // namespace grl
