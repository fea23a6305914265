// Data-parallel GraphSAGE over MPI ranks (host/dist/comm.h), run by ctest under
// `mpirun -np N` for N = 1, 2, 3 (CMakeLists.txt). Every rank trains the same configuration
// twice: alone (Comm::self(), the whole batch in one process: the single-rank reference) and
// with every rank (Comm::world(), each taking its share of every batch). The two must end with
// the same parameters, to float tolerance, and the ranks with bit-identical ones.
//
// The equality holds where a seed's computation does not depend on which other seeds share
// its batch: every draw is keyed by node (neighbour samples, the LSTM's orders, dropout masks),
// so it needs fanouts of at least the graph's largest degree (every neighbour taken, so the
// hop at which the sampler first meets a node does not matter). With smaller fanouts the ranks
// sample their own shares' neighbourhoods: the same distribution, not the same draws, and
// DataParallelSampled.SampledFanoutsStayInStep checks only that the ranks agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "host/dist/comm.h"
#include "host/io/synthetic.h"
#include "host/train/sage_trainer.h"
#include "host/train/sage_unsup.h"

namespace grl {
namespace {

Graph small_graph() {
  SbmParams p;
  p.nodes = 240;
  p.classes = 4;
  p.feature_dim = 12;
  p.degree = 4;
  p.seed = 11;
  Graph g = make_sbm(p);
  g.source = "sbm";
  return g;
}

int max_degree(const Graph& g) {
  int64_t d = 0;
  for (NodeId v = 0; v < g.num_nodes(); ++v)
    d = std::max<int64_t>(d, g.csr.offsets[v + 1] - g.csr.offsets[v]);
  return static_cast<int>(d);
}

SageTrainConfig exact_config(const Graph& g, SageAggregator a) {
  SageTrainConfig c;
  c.aggregator = a;
  c.device = "cpu";
  c.progress = false;
  c.hidden = 16;
  c.lstm_hidden = 8;
  const int all = max_degree(g);  // every neighbour: the sample is the same in any batch
  c.fanouts = {all, all};
  c.dropout = 0.5f;  // masks keyed by node: the same in any share of a batch
  c.input_dropout = 0.3f;
  c.batch_size = 10;  // 144 training nodes: 15 steps, the last one short
  c.epochs = 1;       // the best model is the last one, whatever validation says
  c.seed = 7;
  return c;
}

// Largest |a - b| relative to the largest |a|.
double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 1e-12;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(a[i])));
  }
  return diff / scale;
}

// Every rank holds exactly rank 0's parameters.
void expect_same_on_every_rank(const std::vector<float>& params) {
  Comm& world = Comm::world();
  const std::vector<float> all = world.allgather(params);
  ASSERT_EQ(all.size(), params.size() * world.size());
  for (int r = 1; r < world.size(); ++r)
    EXPECT_TRUE(std::equal(params.begin(), params.end(), all.begin() + r * params.size()))
        << "rank " << r << " differs from rank 0";
}

class DataParallel : public ::testing::TestWithParam<SageAggregator> {};

TEST_P(DataParallel, RanksTrainTheSingleRankModel) {
  const Graph g = small_graph();
  ASSERT_LE(max_degree(g), kMaxFanout);
  SageTrainConfig c = exact_config(g, GetParam());
  c.comm = &Comm::self();
  const SageTrainResult one = train_sage(g, c);
  c.comm = &Comm::world();
  const SageTrainResult many = train_sage(g, c);
  EXPECT_EQ(many.ranks, Comm::world().size());
  EXPECT_EQ(many.steps, one.steps);
  const double d = relative_difference(one.model.params(), many.model.params());
  std::printf("rank %d of %d, %s: %lld steps, largest relative parameter difference %.3g\n",
              Comm::world().rank(), Comm::world().size(), aggregator_name(GetParam()),
              static_cast<long long>(many.steps), d);
  EXPECT_LT(d, 2e-5);
  EXPECT_NEAR(one.history.back().loss, many.history.back().loss, 1e-5);
  EXPECT_NEAR(one.test.accuracy, many.test.accuracy, 1e-9);
  expect_same_on_every_rank(many.model.params());
  if (Comm::world().size() > 1) {
    // One all-reduce of the whole gradient per step, and at the first step the ranks' 8-byte
    // agreement on the path.
    const int64_t gradient =
        many.steps * static_cast<int64_t>(many.model.params().size() * sizeof(float));
    EXPECT_GE(many.allreduce_bytes, gradient);
    EXPECT_LE(many.allreduce_bytes, gradient + 8);
  }
}

TEST_P(DataParallel, UnsupervisedRanksTrainTheSingleRankModel) {
  if (GetParam() == SageAggregator::kLstm) GTEST_SKIP() << "covered by the supervised test";
  const Graph g = small_graph();
  SageUnsupConfig u;
  u.train = exact_config(g, GetParam());
  u.train.batch_size = 64;
  u.dim = 8;
  u.negatives = 5;
  u.walks_per_node = 1;
  u.walk_length = 3;
  u.evaluate = false;
  u.train.comm = &Comm::self();
  const SageUnsupResult one = train_sage_unsupervised(g, u);
  u.train.comm = &Comm::world();
  const SageUnsupResult many = train_sage_unsupervised(g, u);
  const double d = relative_difference(one.model.params(), many.model.params());
  std::printf("rank %d of %d, unsupervised %s: %lld steps, largest relative difference %.3g\n",
              Comm::world().rank(), Comm::world().size(), aggregator_name(GetParam()),
              static_cast<long long>(many.steps), d);
  EXPECT_LT(d, 2e-5);
  EXPECT_NEAR(one.loss, many.loss, 1e-5);
  expect_same_on_every_rank(many.model.params());
}

INSTANTIATE_TEST_SUITE_P(Aggregators, DataParallel,
                         ::testing::Values(SageAggregator::kMean, SageAggregator::kMax,
                                           SageAggregator::kPool, SageAggregator::kLstm),
                         [](const auto& info) { return std::string(aggregator_name(info.param)); });

// Sampled fanouts (the defaults' kind of run): the ranks' shares draw their own
// neighbourhoods, so the model is not the single-rank one, but every rank must hold the same
// parameters after every step and the loss must stay that of a trained model.
TEST(DataParallelSampled, SampledFanoutsStayInStep) {
  const Graph g = small_graph();
  SageTrainConfig c = exact_config(g, SageAggregator::kMean);
  c.fanouts = {3, 2};
  c.dropout = 0.5f;
  c.input_dropout = 0.5f;
  c.epochs = 3;
  c.comm = &Comm::world();
  const SageTrainResult r = train_sage(g, c);
  expect_same_on_every_rank(r.model.params());
  EXPECT_LT(r.history.back().loss, r.history.front().loss);
}

}  // namespace
}  // namespace grl

// MPI starts before the tests and stops after them; a failing rank fails the mpirun.
int main(int argc, char** argv) {
  grl::init_ranks(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (!grl::Comm::world().root()) {
    // One report, rank 0's; the others' failures still set their exit code.
    ::testing::TestEventListeners& l = ::testing::UnitTest::GetInstance()->listeners();
    delete l.Release(l.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  // Every rank's verdict decides: a test that failed on rank 2 only fails the run.
  int64_t failed = rc != 0;
  grl::Comm::world().allreduce_sum(&failed, 1);
  grl::finish_ranks();
  return failed ? 1 : 0;
}
