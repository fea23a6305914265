// Unsupervised GraphSAGE on the CUDA backend against the CPU backend: the loss kernel (two
// passes, gathered through the batch's transpose) against the scattering reference on random
// batches including the degenerate ones, one engine step, and training quality.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "host/io/synthetic.h"
#include "host/ops/backend.h"
#include "host/pipeline/sample_plan.h"
#include "host/reference/dense_ref.h"
#include "host/train/negative_tables.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_unsup.h"
#include "host/train/skipgram.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

struct Shape {
  int64_t rows, cols, pairs, negs;
};

std::string describe(const Shape& s, uint32_t seed) {
  return "rows=" + std::to_string(s.rows) + " D=" + std::to_string(s.cols) +
         " P=" + std::to_string(s.pairs) + " Q=" + std::to_string(s.negs) +
         " seed=" + std::to_string(seed);
}

TEST(GpuUnsupLoss, MatchesReference) {
  GRL_REQUIRE_GPU();
  auto gpu = test::make_gpu_backend();
  // Empty batch; one pair; no negatives; widths below, at and not a multiple of the warp; rows
  // referenced in every role; more pairs than rows (heavily repeated rows); unreferenced rows.
  const Shape shapes[] = {{5, 7, 0, 0},       {2, 1, 1, 1},      {6, 37, 4, 0},
                          {30, 32, 20, 5},    {50, 130, 64, 20}, {40, 128, 700, 20},
                          {1100, 64, 512, 20}};
  for (const Shape& s : shapes) {
    const uint32_t seed = static_cast<uint32_t>(s.rows * 31 + s.cols);
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    const int64_t stride = s.cols + 3, P = s.pairs, Q = s.negs;
    std::vector<float> z(s.rows * stride);
    for (float& x : z) x = nd(rng) * 0.5f;
    const int64_t used = std::max<int64_t>(1, s.rows - 1);  // the last row stays unreferenced
    std::vector<int32_t> u(P), v(P), neg(Q);
    for (auto& x : u) x = static_cast<int32_t>(rng() % used);
    for (auto& x : v) x = static_cast<int32_t>(rng() % used);
    for (auto& x : neg) x = static_cast<int32_t>(rng() % used);
    if (P > 0 && Q > 0) neg[0] = u[0];  // a pair's node among the negatives
    std::vector<int32_t> offsets(s.rows + 1), refs(2 * P + Q);
    build_unsup_refs(s.rows, u.data(), v.data(), P, neg.data(), Q, offsets.data(), refs.data());
    const float scale = P > 0 ? 1.0f / static_cast<float>(P) : 1.0f;

    std::vector<float> coef(P * (Q + 1)), loss(P), dz(s.rows * stride, 7.0f);
    UnsupPairsView hv{u.data(), v.data(), P, neg.data(), Q, offsets.data(), refs.data()};
    ref::unsup_loss(MatrixView<const float>{z.data(), s.rows, s.cols, stride}, hv, scale,
                    coef.data(), loss.data(), MatrixView<float>{dz.data(), s.rows, s.cols, stride});

    Buffer<float> dz_d = test::upload(*gpu, z);
    Buffer<int32_t> du = test::upload(*gpu, u), dv = test::upload(*gpu, v),
                    dn = test::upload(*gpu, neg), doff = test::upload(*gpu, offsets),
                    dref = test::upload(*gpu, refs);
    // Outputs start as NaN, so an unwritten entry fails.
    const float nan = std::nanf("");
    Buffer<float> dcoef = test::upload(*gpu, std::vector<float>(coef.size() + 1, nan)),
                  dloss = test::upload(*gpu, std::vector<float>(loss.size() + 1, nan)),
                  ddz = test::upload(*gpu, std::vector<float>(dz.size(), nan));
    UnsupPairsView dvw{du.data(), dv.data(), P, dn.data(), Q, doff.data(), dref.data()};
    gpu->unsup_loss(MatrixView<const float>{dz_d.data(), s.rows, s.cols, stride}, dvw, scale,
                    dcoef.data(), dloss.data(),
                    MatrixView<float>{ddz.data(), s.rows, s.cols, stride});
    gpu->synchronize();
    auto check = [&](const std::vector<float>& got, const std::vector<float>& want,
                     const char* what, int64_t cols, int64_t st) {
      double worst = 0;
      int64_t at = -1;
      for (size_t i = 0; i < want.size(); ++i) {
        if (st > 0 && static_cast<int64_t>(i % st) >= cols) continue;  // padding: not written
        const double err = std::fabs(got[i] - want[i]) / (1e-5 + 1e-4 * std::fabs(want[i]));
        if (!(err <= 1.0) && (at < 0 || !(err <= worst))) {
          worst = err;
          at = static_cast<int64_t>(i);
        }
      }
      EXPECT_LT(at, 0) << what << " " << describe(s, seed) << ": worst index " << at << " gpu "
                       << (at >= 0 ? got[at] : 0) << " cpu " << (at >= 0 ? want[at] : 0);
    };
    check(test::download(dcoef), coef, "coef", 0, 0);
    check(test::download(dloss), loss, "pair_loss", 0, 0);
    check(test::download(ddz), dz, "dz", s.cols, stride);
  }
}

Graph small_sbm() {
  SbmParams p;
  p.nodes = test::small_sizes() ? 1500 : 4000;
  p.classes = 5;
  p.feature_dim = 37;
  p.degree = 8;
  p.separation = 1.0;
  p.seed = 3;
  Graph g = make_sbm(p);
  g.source = "sbm";
  return g;
}

TEST(GpuUnsup, OneStepMatchesCpu) {
  GRL_REQUIRE_GPU();
  Graph g = small_sbm();
  for (bool normalize : {false, true}) {
    SageArch arch;
    arch.in_dim = g.features.dim;
    arch.hidden = 48;
    arch.num_classes = 24;
    arch.normalize = normalize;
    arch.unsupervised = true;
    arch.fanouts = {10, 5};
    SageModel m(arch);
    m.initialize(2);
    EngineOptions o;
    o.max_pairs = 128;
    o.max_negatives = 20;
    o.max_batch = 2 * 128 + 20;
    o.seed = 5;
    o.optimizer =
        OptimizerKind::kSgd;  // linear in the gradient: rounding differences stay proportional
    o.lr = 0.05f;
    o.momentum = 0.9f;
    auto cpu0 = make_cpu_backend();
    WalkPairs pairs = unsup_walk_pairs(*cpu0, g.csr.view(), 1, 5, 5, 0);
    std::vector<float> prob(g.num_nodes());
    std::vector<int32_t> alias(g.num_nodes());
    std::vector<double> w(g.num_nodes(), 1.0);
    build_alias_table(w, 0, g.num_nodes(), prob, alias);
    std::vector<NodeId> negs;
    draw_negatives(prob, alias, 5, 0, 20, negs);
    std::vector<int32_t> local_of(g.num_nodes(), -1);
    UnsupBatch b;
    make_unsup_batch(std::span<const NodeId>(pairs.u.data(), 128),
                     std::span<const NodeId>(pairs.v.data(), 128), negs, local_of, b);
    std::vector<float> after[2];
    double loss[2];
    auto cpu = make_cpu_backend();
    auto gpu = test::make_gpu_backend();
    Backend* backends[2] = {cpu.get(), gpu.get()};
    for (int k = 0; k < 2; ++k) {
      SageEngine e(*backends[k], g, arch, o);
      e.load_params(m.params());
      e.train_step_unsupervised(b.seeds, b.u, b.v, b.neg, 1, 0);
      e.train_step_unsupervised(b.seeds, b.u, b.v, b.neg, 2, 1);
      loss[k] = e.take_loss_sum();
      e.store_params(after[k]);
    }
    EXPECT_NEAR(loss[0], loss[1], 1e-4 * std::fabs(loss[0]));
    size_t off = 0, worst = 0;
    double max_rel = 0;
    for (size_t i = 0; i < after[0].size(); ++i) {
      const double d = std::fabs(after[0][i] - after[1][i]) / (1e-3 + std::fabs(after[0][i]));
      off += d > 1e-3;
      if (d > max_rel) {
        max_rel = d;
        worst = i;
      }
    }
    std::printf("unsupervised%s: %zu of %zu parameters differ by > 1e-3 relative, worst %.3g\n",
                normalize ? " normalized" : "", off, after[0].size(), max_rel);
    EXPECT_LE(off, after[0].size() / 1000)
        << "worst param " << worst << " cpu " << after[0][worst] << " gpu " << after[1][worst];
  }
}

TEST(GpuUnsup, TrainingQualityMatchesCpu) {
  GRL_REQUIRE_GPU();
  GRL_SKIP_EMULATED("trains through --device cuda, which is not the emulated backend");
  Graph g = small_sbm();
  SageUnsupConfig c;
  c.train.epochs = test::small_sizes() ? 2 : 6;
  c.train.hidden = 64;
  c.train.fanouts = {10, 5};
  c.train.progress = false;
  c.dim = 64;
  double f1[2];
  const char* devices[2] = {"cpu", "cuda"};
  for (int k = 0; k < 2; ++k) {
    c.train.device = devices[k];
    SageUnsupResult r = train_sage_unsupervised(g, c);
    ASSERT_TRUE(r.evaluated);
    f1[k] = r.eval_micro_f1;
  }
  std::printf("sbm embeddings, logistic regression micro-F1: cpu %.4f, cuda %.4f\n", f1[0], f1[1]);
  EXPECT_GT(f1[1], 2.0 / g.labels.num_classes);
  EXPECT_NEAR(f1[0], f1[1], 0.04);
}

}  // namespace
}  // namespace grl
