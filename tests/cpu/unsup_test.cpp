// Unsupervised GraphSAGE on the CPU backend: the loss (hand-computed values, finite
// differences, the transpose the GPU kernel gathers through), walk pairs, negatives and
// batches, the engine step, determinism, the model file's flag, and embedding quality on a
// stochastic block model and on Cora.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "host/io/section_file.h"
#include "host/io/synthetic.h"
#include "host/pipeline/sample_plan.h"
#include "host/reference/dense_ref.h"
#include "host/train/embedding_eval.h"
#include "host/train/negative_tables.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_unsup.h"
#include "host/train/skipgram.h"
#include "kernels/common/philox.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

struct LossCase {
  test::PaddedMatrix z;
  std::vector<int32_t> u, v, neg, offsets, refs;
  LossCase(int64_t rows, int64_t cols) : z(rows, cols, cols + 3) {}
  UnsupPairsView view() {
    offsets.assign(z.rows + 1, -7);
    refs.assign(2 * u.size() + neg.size(), -7);
    build_unsup_refs(z.rows, u.data(), v.data(), static_cast<int64_t>(u.size()), neg.data(),
                     static_cast<int64_t>(neg.size()), offsets.data(), refs.data());
    return {u.data(),
            v.data(),
            static_cast<int64_t>(u.size()),
            neg.data(),
            static_cast<int64_t>(neg.size()),
            offsets.data(),
            refs.data()};
  }
};

struct LossOut {
  std::vector<float> coef, loss;
  test::PaddedMatrix dz;
  LossOut(int64_t P, int64_t Q, int64_t rows, int64_t cols)
      : coef(P * (Q + 1), NAN), loss(P, NAN), dz(rows, cols, cols + 3, NAN) {}
};

LossOut run_loss(LossCase& c, float scale) {
  const int64_t P = static_cast<int64_t>(c.u.size()), Q = static_cast<int64_t>(c.neg.size());
  LossOut o(P, Q, c.z.rows, c.z.cols);
  ref::unsup_loss(c.z.cview(), c.view(), scale, o.coef.data(), o.loss.data(), o.dz.view());
  EXPECT_TRUE(o.dz.padding_intact());
  return o;
}

double softplus(double x) { return std::log1p(std::exp(x)); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// z0 = (1, 0), z1 = (0, 1), z2 = (1, 1); pairs (0, 1), (2, 1); negatives 2, 0: nodes 0 and 2 are
// both a pair's first node and a negative (node 0 even its own negative).
TEST(UnsupLoss, HandComputedTinyCase) {
  LossCase c(3, 2);
  c.z.at(0, 0) = 1, c.z.at(0, 1) = 0;
  c.z.at(1, 0) = 0, c.z.at(1, 1) = 1;
  c.z.at(2, 0) = 1, c.z.at(2, 1) = 1;
  c.u = {0, 2};
  c.v = {1, 1};
  c.neg = {2, 0};
  LossOut o = run_loss(c, 0.5f);
  // pair 0: z0.z1 = 0, z0.z2 = 1, z0.z0 = 1; pair 1: z2.z1 = 1, z2.z2 = 2, z2.z0 = 1.
  EXPECT_NEAR(o.loss[0], std::log(2.0) + 2 * softplus(1), 1e-6);
  EXPECT_NEAR(o.loss[1], softplus(-1) + softplus(2) + softplus(1), 1e-6);
  const double c00 = -0.5 * sigmoid(0), c01 = 0.5 * sigmoid(1), c02 = 0.5 * sigmoid(1);
  const double c10 = -0.5 * sigmoid(-1), c11 = 0.5 * sigmoid(2), c12 = 0.5 * sigmoid(1);
  const double want_coef[6] = {c00, c01, c02, c10, c11, c12};
  for (int k = 0; k < 6; ++k) EXPECT_NEAR(o.coef[k], want_coef[k], 1e-6) << k;
  // dz0: as u of pair 0: c00 z1 + c01 z2 + c02 z0; as negative 1 (itself in pair 0, z2 in
  // pair 1): c02 z0 + c12 z2.
  const double dz0[2] = {c01 + 2 * c02 + c12, c00 + c01 + c12};
  // dz1: as v of pairs 0 and 1: c00 z0 + c10 z2.
  const double dz1[2] = {c00 + c10, c10};
  // dz2: as u of pair 1: c10 z1 + c11 z2 + c12 z0; as negative 0: c01 z0 + c11 z2.
  const double dz2[2] = {2 * c11 + c12 + c01, c10 + 2 * c11};
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(o.dz.at(0, k), dz0[k], 1e-6) << k;
    EXPECT_NEAR(o.dz.at(1, k), dz1[k], 1e-6) << k;
    EXPECT_NEAR(o.dz.at(2, k), dz2[k], 1e-6) << k;
  }
}

// Z with values drawn from Philox in [-1, 1); rows not referenced by any pair included.
LossCase random_case(int64_t rows, int64_t cols, int P, int Q, uint64_t seed) {
  LossCase c(rows, cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols; ++k)
      c.z.at(r, k) = random_uniform(
          philox(seed, RandomPurpose::kTest, static_cast<uint32_t>(r), static_cast<uint32_t>(k), 1)
              .v[0],
          -1.0f, 1.0f);
  auto pick = [&](int i, int what) {
    return static_cast<int32_t>(random_below(
        philox(seed, RandomPurpose::kTest, static_cast<uint32_t>(i), static_cast<uint32_t>(what), 2)
            .v[0],
        static_cast<uint32_t>(rows - 1)));  // the last row stays unreferenced
  };
  for (int i = 0; i < P; ++i) {
    c.u.push_back(pick(i, 0));
    int32_t v = pick(i, 1);
    if (v == c.u.back()) v = (v + 1) % static_cast<int32_t>(rows - 1);
    c.v.push_back(v);
  }
  for (int j = 0; j < Q; ++j) c.neg.push_back(pick(j, 2));
  c.neg.push_back(c.u[0]);  // a pair's node among the negatives, for sure
  return c;
}

TEST(UnsupLoss, GradientMatchesFiniteDifferences) {
  for (uint64_t seed : {1, 2, 3}) {
    LossCase c = random_case(9, 5, 7, 3, seed);
    const int64_t P = static_cast<int64_t>(c.u.size());
    const float scale = 1.0f / static_cast<float>(P);
    LossOut o = run_loss(c, scale);
    auto mean_loss = [&]() {
      LossOut t = run_loss(c, scale);
      double s = 0;
      for (float x : t.loss) s += x;
      return s / static_cast<double>(P);
    };
    for (int64_t r = 0; r < c.z.rows; ++r)
      for (int64_t k = 0; k < c.z.cols; ++k) {
        const float keep = c.z.at(r, k), eps = 1e-2f;
        c.z.at(r, k) = keep + eps;
        const double up = mean_loss();
        c.z.at(r, k) = keep - eps;
        const double down = mean_loss();
        c.z.at(r, k) = keep;
        const double fd = (up - down) / (2.0 * eps);
        EXPECT_NEAR(o.dz.at(r, k), fd, 2e-3 * (1 + std::fabs(fd)))
            << "seed " << seed << " row " << r << " col " << k;
      }
    for (int64_t k = 0; k < c.z.cols; ++k) EXPECT_EQ(o.dz.at(c.z.rows - 1, k), 0.0f);
  }
}

TEST(UnsupLoss, StableForLargeScores) {
  LossCase c(3, 1);
  c.z.at(0, 0) = 200, c.z.at(1, 0) = 200, c.z.at(2, 0) = -200;
  c.u = {0};
  c.v = {1};
  c.neg = {2};
  LossOut o = run_loss(c, 1.0f);
  // z0.z1 = 4e4: the positive term vanishes; z0.z2 = -4e4: so does the negative's.
  EXPECT_EQ(o.loss[0], 0.0f);
  EXPECT_EQ(o.coef[0], -0.0f);
  c.z.at(1, 0) = -200;
  c.z.at(2, 0) = 200;
  o = run_loss(c, 1.0f);
  EXPECT_NEAR(o.loss[0], 8e4, 1.0);  // both terms 4e4, finite
  EXPECT_NEAR(o.coef[0], -1.0f, 1e-6);
  EXPECT_NEAR(o.coef[1], 1.0f, 1e-6);
}

// The transpose the GPU kernel gathers through: every reference exactly once, under its row,
// in increasing order; and a gather over it (the kernel's formula, written here on the host)
// gives the reference's scattered gradient.
TEST(UnsupLoss, RefsTransposeAndGatherMatchScatter) {
  LossCase c = random_case(40, 19, 60, 8, 7);
  const int64_t P = static_cast<int64_t>(c.u.size()), Q = static_cast<int64_t>(c.neg.size());
  LossOut o = run_loss(c, 0.25f);
  ASSERT_EQ(c.offsets[0], 0);
  ASSERT_EQ(c.offsets[c.z.rows], 2 * P + Q);
  std::vector<int> seen(2 * P + Q, 0);
  for (int64_t r = 0; r < c.z.rows; ++r)
    for (int32_t e = c.offsets[r]; e < c.offsets[r + 1]; ++e) {
      const int32_t k = c.refs[e];
      ASSERT_TRUE(k >= 0 && k < 2 * P + Q);
      ++seen[k];
      const int32_t row = k < P ? c.u[k] : k < 2 * P ? c.v[k - P] : c.neg[k - 2 * P];
      EXPECT_EQ(row, r);
      if (e > c.offsets[r]) {
        EXPECT_LT(c.refs[e - 1], k);
      }
    }
  for (int k = 0; k < 2 * P + Q; ++k) EXPECT_EQ(seen[k], 1) << k;
  for (int64_t r = 0; r < c.z.rows; ++r)
    for (int64_t col = 0; col < c.z.cols; ++col) {
      double g = 0;
      for (int32_t e = c.offsets[r]; e < c.offsets[r + 1]; ++e) {
        const int64_t k = c.refs[e];
        if (k < P) {
          g += o.coef[k * (Q + 1)] * c.z.at(c.v[k], col);
          for (int64_t j = 0; j < Q; ++j) g += o.coef[k * (Q + 1) + 1 + j] * c.z.at(c.neg[j], col);
        } else if (k < 2 * P) {
          g += o.coef[(k - P) * (Q + 1)] * c.z.at(c.u[k - P], col);
        } else {
          for (int64_t i = 0; i < P; ++i)
            g += o.coef[i * (Q + 1) + 1 + (k - 2 * P)] * c.z.at(c.u[i], col);
        }
      }
      EXPECT_NEAR(o.dz.at(r, col), g, 1e-5 * (1 + std::fabs(g))) << r << " " << col;
    }
  std::vector<int32_t> off(c.z.rows + 1), refs(2 * P + Q);
  c.neg[0] = static_cast<int32_t>(c.z.rows);
  EXPECT_THROW(build_unsup_refs(c.z.rows, c.u.data(), c.v.data(), P, c.neg.data(), Q, off.data(),
                                refs.data()),
               Error);
}

TEST(UnsupLoss, EmptyBatchZeroesTheGradient) {
  LossCase c(4, 3);
  LossOut o = run_loss(c, 1.0f);
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(o.dz.at(r, k), 0.0f);
}

Graph sbm(NodeId nodes, double separation, uint64_t seed = 5) {
  SbmParams p;
  p.nodes = nodes;
  p.classes = 6;
  p.feature_dim = 32;
  p.homophily = 0.8;
  p.separation = separation;
  p.seed = seed;
  Graph g = make_sbm(p);
  g.source = "sbm";
  return g;
}

TEST(UnsupPairs, WalkPairsAreCoOccurrencesAndKeyedByEpoch) {
  Graph g = sbm(500, 1.0);
  auto be = make_cpu_backend();
  const int W = 3, L = 4;
  WalkPairs a = unsup_walk_pairs(*be, g.csr.view(), W, L, 9, 0);
  ASSERT_EQ(a.u.size(), a.v.size());
  EXPECT_LE(a.u.size(), static_cast<size_t>(g.num_nodes()) * W * (L - 1));
  EXPECT_GT(a.u.size(), static_cast<size_t>(g.num_nodes()) * W * (L - 1) / 2);
  // Every v is within L - 1 hops of its u.
  auto within = [&](NodeId s, NodeId t) {
    std::set<NodeId> frontier = {s};
    for (int h = 0; h < L - 1; ++h) {
      std::set<NodeId> next = frontier;
      for (NodeId x : frontier)
        for (EdgeIndex e = g.csr.offsets[x]; e < g.csr.offsets[x + 1]; ++e)
          next.insert(g.csr.indices[e]);
      frontier.swap(next);
    }
    return frontier.count(t) > 0;
  };
  for (size_t i = 0; i < a.u.size(); i += 37) {
    EXPECT_NE(a.u[i], a.v[i]);
    EXPECT_TRUE(within(a.u[i], a.v[i])) << a.u[i] << " " << a.v[i];
  }
  // Pairs come in walk order: walk w starts at node w % n.
  EXPECT_EQ(a.u.front(), 0);
  WalkPairs b = unsup_walk_pairs(*be, g.csr.view(), W, L, 9, 0);
  EXPECT_EQ(a.u, b.u);
  EXPECT_EQ(a.v, b.v);
  WalkPairs c = unsup_walk_pairs(*be, g.csr.view(), W, L, 9, 1);
  EXPECT_NE(a.v, c.v);
  // The shuffle is a permutation of the pairs, keyed by seed and epoch.
  WalkPairs s = a;
  shuffle_pairs(s, 9, 1);
  EXPECT_NE(s.u, a.u);
  std::multiset<std::pair<NodeId, NodeId>> before, after;
  for (size_t i = 0; i < a.u.size(); ++i) before.insert({a.u[i], a.v[i]});
  for (size_t i = 0; i < s.u.size(); ++i) after.insert({s.u[i], s.v[i]});
  EXPECT_EQ(before, after);
  WalkPairs s2 = a;
  shuffle_pairs(s2, 9, 1);
  EXPECT_EQ(s.u, s2.u);
  shuffle_pairs(s2 = a, 9, 2);
  EXPECT_NE(s.u, s2.u);
}

TEST(UnsupPairs, NegativesFollowDegreeToThreeQuarters) {
  // Weights 0, 1, 16, 81: probabilities 0, 1/98, 16/98, 81/98 (a zero weight is never drawn).
  std::vector<double> w = {0, 1, 16, 81};
  std::vector<float> prob(4);
  std::vector<int32_t> alias(4);
  build_alias_table(w, 0, 4, prob, alias);
  std::vector<int64_t> count(4, 0);
  std::vector<NodeId> negs;
  const int steps = 20000, Q = 10;
  for (int s = 0; s < steps; ++s) {
    draw_negatives(prob, alias, 3, s, Q, negs);
    for (NodeId x : negs) ++count[x];
  }
  EXPECT_EQ(count[0], 0);
  double chi2 = 0;
  for (int k = 1; k < 4; ++k) {
    const double want = steps * Q * w[k] / 98.0;
    chi2 += (count[k] - want) * (count[k] - want) / want;
  }
  EXPECT_LT(chi2, 13.8) << "chi-square, 2 degrees of freedom, p = 0.001";
  std::vector<NodeId> again;
  draw_negatives(prob, alias, 3, 17, Q, negs);
  draw_negatives(prob, alias, 3, 17, Q, again);
  EXPECT_EQ(negs, again);
}

TEST(UnsupPairs, BatchSeedsAreDistinctAndIndicesMapBack) {
  std::vector<NodeId> u = {5, 9, 5, 2}, v = {9, 3, 7, 5}, negs = {3, 11, 5, 11};
  std::vector<int32_t> local_of(12, -1);
  UnsupBatch b;
  make_unsup_batch(u, v, negs, local_of, b);
  EXPECT_EQ(b.seeds, (std::vector<NodeId>{5, 9, 2, 3, 7, 11}));
  for (size_t i = 0; i < u.size(); ++i) {
    EXPECT_EQ(b.seeds[b.u[i]], u[i]);
    EXPECT_EQ(b.seeds[b.v[i]], v[i]);
  }
  for (size_t j = 0; j < negs.size(); ++j) EXPECT_EQ(b.seeds[b.neg[j]], negs[j]);
  EXPECT_EQ(local_of, std::vector<int32_t>(12, -1));
}

SageUnsupConfig quick_config(uint64_t seed) {
  SageUnsupConfig c;
  c.train.seed = seed;
  c.train.device = "cpu";
  c.train.progress = false;
  c.train.hidden = 64;
  c.train.fanouts = {10, 5};
  c.train.epochs = 10;
  c.dim = 64;
  return c;
}

TEST(UnsupEngine, StepRejectsBadBatches) {
  Graph g = sbm(300, 1.0);
  auto be = make_cpu_backend();
  SageArch arch;
  arch.in_dim = g.features.dim;
  arch.hidden = 8;
  arch.num_classes = 4;
  arch.unsupervised = true;
  arch.fanouts = {3};
  SageModel m(arch);
  m.initialize(0);
  EngineOptions o;
  o.max_pairs = 4;
  o.max_negatives = 2;
  o.max_batch = 10;
  SageEngine e(*be, g, arch, o);
  e.load_params(m.params());
  std::vector<NodeId> seeds = {1, 2, 3};
  std::vector<int32_t> u = {0, 1}, v = {1, 2}, n = {2};
  e.train_step_unsupervised(seeds, u, v, n, 1, 0);
  EXPECT_GT(e.take_loss_sum(), 0.0);
  std::vector<int32_t> out_of_range = {3};
  EXPECT_THROW(e.train_step_unsupervised(seeds, u, v, out_of_range, 1, 1), Error);
  std::vector<int32_t> many = {0, 1, 2};
  EXPECT_THROW(e.train_step_unsupervised(seeds, u, v, many, 1, 1), Error);
  arch.unsupervised = false;
  SageEngine sup(*be, g, arch, o);
  EXPECT_THROW(sup.train_step_unsupervised(seeds, u, v, n, 1, 0), Error);
}

TEST(UnsupTrainer, SameSeedSameModelAnyThreadCount) {
  Graph g = sbm(800, 1.0);
  SageUnsupConfig c = quick_config(3);
  c.train.epochs = 2;
  c.train.hidden = 16;
  c.dim = 8;
  setenv("GRL_THREADS", "1", 1);
  SageUnsupResult a = train_sage_unsupervised(g, c);
  setenv("GRL_THREADS", "2", 1);
  SageUnsupResult b = train_sage_unsupervised(g, c);
  unsetenv("GRL_THREADS");
  ASSERT_EQ(a.model.params(), b.model.params());
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_TRUE(a.model.arch().unsupervised);
  EXPECT_EQ(a.model.arch().num_classes, 8);
  c.train.seed = 4;
  SageUnsupResult d = train_sage_unsupervised(g, c);
  EXPECT_NE(a.model.params(), d.model.params());
}

// Host-resident features, read zero-copy, through a cache or gathered by the CPU, train the
// model that in-place features do (the placement flags reach the unsupervised trainer).
TEST(UnsupTrainer, HostFeaturesTrainTheSameModel) {
  Graph g = sbm(400, 1.0);
  SageUnsupConfig c = quick_config(5);
  c.train.epochs = 1;
  c.train.hidden = 16;
  c.dim = 8;
  const SageUnsupResult in_place = train_sage_unsupervised(g, c);
  c.train.feature_placement = Placement::kHost;
  const SageUnsupResult zero_copy = train_sage_unsupervised(g, c);
  c.train.feature_cache_gb = 1e-4;
  const SageUnsupResult cached = train_sage_unsupervised(g, c);
  c.train.feature_cache_gb = 0;
  c.train.host_gather = HostGather::kCpu;
  const SageUnsupResult cpu = train_sage_unsupervised(g, c);
  EXPECT_EQ(in_place.model.params(), zero_copy.model.params());
  EXPECT_EQ(in_place.model.params(), cached.model.params());
  EXPECT_EQ(in_place.model.params(), cpu.model.params());
  c.train.feature_cache_gb = 1e-4;  // a cache needs the zero-copy reads
  EXPECT_THROW(train_sage_unsupervised(g, c), UsageError);
}

TEST(UnsupTrainer, ClearErrors) {
  Graph g = sbm(300, 1.0);
  SageUnsupConfig c = quick_config(0);
  c.negatives = 0;
  EXPECT_THROW(train_sage_unsupervised(g, c), UsageError);
  c.negatives = 5;
  c.walk_length = 1;
  EXPECT_THROW(train_sage_unsupervised(g, c), UsageError);
  c.walk_length = 5;
  c.walks_per_node = 0;
  EXPECT_THROW(train_sage_unsupervised(g, c), UsageError);
  c.walks_per_node = 1;
  c.dim = 0;
  EXPECT_THROW(train_sage_unsupervised(g, c), UsageError);
  c.dim = 8;
  Graph nofeat = g;
  nofeat.features = Features{};
  EXPECT_THROW(train_sage_unsupervised(nofeat, c), UsageError);
}

// Mean cosine similarity of L2-normalised rows over edges and over random node pairs.
std::pair<double, double> edge_and_random_cosine(const Graph& g, const std::vector<float>& x,
                                                 int64_t d) {
  auto cos = [&](NodeId a, NodeId b) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += x[a * d + k] * x[b * d + k];
    return s;
  };
  double edge = 0, rnd = 0;
  int64_t ne = 0;
  for (NodeId a = 0; a < g.num_nodes(); ++a)
    for (EdgeIndex e = g.csr.offsets[a]; e < g.csr.offsets[a + 1]; ++e, ++ne)
      edge += cos(a, g.csr.indices[e]);
  const int samples = 20000;
  for (int s = 0; s < samples; ++s) {
    Philox4 r = philox(1, RandomPurpose::kTest, static_cast<uint32_t>(s), 0, 0);
    rnd += cos(static_cast<NodeId>(random_below(r.v[0], g.num_nodes())),
               static_cast<NodeId>(random_below(r.v[1], g.num_nodes())));
  }
  return {edge / std::max<int64_t>(ne, 1), rnd / samples};
}

// Weakly informative features (class centres 1 noise unit apart) and homophilous edges: the
// untrained model's embeddings already carry some class signal through aggregation; training
// on walks must add clearly more, and pull neighbours together. A loss with a wrong sign or a
// wrong gradient fails both.
// The untrained model (the trainer's architecture and initialisation, no step) and its closing
// evaluation: the baseline a trained model must beat.
SageUnsupResult untrained_result(const Graph& g, const SageUnsupConfig& c) {
  SageArch arch = sage_arch(c.train, g.features.dim, c.dim);
  arch.unsupervised = true;
  SageUnsupResult r;
  r.model = SageModel(arch);
  r.model.initialize(c.train.seed);
  auto cpu = make_cpu_backend();
  evaluate_unsupervised(*cpu, g, r.model, c, r);
  return r;
}

TEST(UnsupQuality, SbmBeatsTheUntrainedModel) {
  Graph g = sbm(2000, 1.0);
  SageUnsupConfig c = quick_config(0);
  SageUnsupResult untrained = untrained_result(g, c);
  c.train.epochs = 10;
  SageUnsupResult trained = train_sage_unsupervised(g, c);
  ASSERT_TRUE(untrained.evaluated && trained.evaluated);
  auto be = make_cpu_backend();
  std::vector<NodeId> all(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) all[v] = v;
  auto [e0, r0] =
      edge_and_random_cosine(g, sage_forward(*be, g, untrained.model, all, false, 512, 0), c.dim);
  auto [e1, r1] =
      edge_and_random_cosine(g, sage_forward(*be, g, trained.model, all, false, 512, 0), c.dim);
  std::printf(
      "sbm (chance 1/6): logistic regression micro-F1 untrained %.4f, trained %.4f; loss epoch 1 "
      "%.4f, epoch %d %.4f; mean cosine over edges / random pairs: untrained %.3f / %.3f, "
      "trained %.3f / %.3f\n",
      untrained.eval_micro_f1, trained.eval_micro_f1, trained.history.front().loss, trained.epochs,
      trained.loss, e0, r0, e1, r1);
  EXPECT_GT(trained.eval_micro_f1, 0.68);
  EXPECT_GT(trained.eval_micro_f1, untrained.eval_micro_f1 + 0.12);
  EXPECT_LT(trained.loss, trained.history.front().loss);
  // Q = 20 negatives, 1/6 of them from the node's own block, keep blocks from collapsing: the
  // gap is ~0.19 after 10 epochs, ~0.01 untrained.
  EXPECT_GT(e1 - r1, 0.12) << "neighbours should be more similar than random pairs";
  EXPECT_GT(e1 - r1, (e0 - r0) + 0.1);
}

TEST(UnsupQuality, Cora) {
  GRL_REQUIRE_DATASETS(dir);
  Graph g = load_graph("planetoid:" + dir + "/cora/cora");
  SageUnsupConfig c;
  c.train.device = "cpu";
  c.train.progress = false;
  SageUnsupResult untrained = untrained_result(g, c);
  c.train.epochs = 10;
  SageUnsupResult r = train_sage_unsupervised(g, c);
  std::printf(
      "cora: logistic regression on the embeddings, micro-F1 %.4f (untrained model %.4f), "
      "macro-F1 %.4f; loss %.4f; %.1f s\n",
      r.eval_micro_f1, untrained.eval_micro_f1, r.eval_macro_f1, r.loss, r.train_seconds);
  EXPECT_GT(r.eval_micro_f1, 0.78);
  EXPECT_GT(r.eval_micro_f1, untrained.eval_micro_f1 + 0.1);
}

TEST(UnsupModelFile, FlagRoundTripsAndOldFilesLoadAsSupervised) {
  auto dir = test::scratch_dir();
  Graph g = sbm(300, 1.0);
  SageUnsupConfig c = quick_config(0);
  c.train.epochs = 1;
  c.train.hidden = 8;
  c.dim = 6;
  c.train.save_path = (dir / "u.grl").string();
  SageUnsupResult r = train_sage_unsupervised(g, c);
  SageModel m = SageModel::load(c.train.save_path);
  EXPECT_TRUE(m.arch().unsupervised);
  EXPECT_EQ(m.arch().num_classes, 6);
  EXPECT_EQ(m.params(), r.model.params());
  EXPECT_NE(m.config_json.find("\"unsupervised\":true"), std::string::npos);
  // A file written before the flag existed: the same sections without the key.
  SectionFile f(c.train.save_path, "GRLMODEL", 2);
  nlohmann::json meta = nlohmann::json::parse(f.text("meta"));
  meta.erase("unsupervised");
  SectionWriter w("GRLMODEL", 2);
  w.add_text("meta", meta.dump());
  Array<float> p = f.array<float>("params");
  w.add("params", p);
  w.write_atomic((dir / "old.grl").string());
  SageModel old = SageModel::load((dir / "old.grl").string());
  EXPECT_FALSE(old.arch().unsupervised);
  EXPECT_EQ(old.params(), m.params());
  // Inference normalises an unsupervised model's outputs.
  auto be = make_cpu_backend();
  std::vector<NodeId> nodes = {0, 5, 7};
  std::vector<float> x = sage_forward(*be, g, m, nodes, false, 64, 0);
  for (int i = 0; i < 3; ++i) {
    double s = 0;
    for (int k = 0; k < 6; ++k) s += x[i * 6 + k] * x[i * 6 + k];
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
}

}  // namespace
}  // namespace grl
