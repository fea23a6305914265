// Gradient clipping by global norm in GraphSAGE training (--clip-grad-norm), on the CPU backend:
// the engine's clipped SGD step against its unclipped one, and the trainer's use of the option.
// The optimiser kernels' clipping itself is tested in dense_ref_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "host/core/error.h"
#include "host/io/synthetic.h"
#include "host/ops/backend.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_trainer.h"

namespace grl {
namespace {

Graph tiny_graph() {
  SbmParams p;
  p.nodes = 400;
  p.classes = 3;
  p.feature_dim = 8;
  return make_sbm(p);
}

double norm(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s);
}

// One plain SGD step (lr 1, so the step is the gradient) from the same parameters on the same
// batch: a threshold above the norm measures it without changing the step; a quarter of the
// norm gives a quarter of the step, in the same direction; clipping off measures nothing.
TEST(GradClip, EngineScalesTheSgdStepToTheThreshold) {
  Graph g = tiny_graph();
  auto be = make_cpu_backend();
  SageArch arch;
  arch.in_dim = g.features.dim;
  arch.hidden = 16;
  arch.num_classes = g.labels.num_classes;
  arch.fanouts = {5, 3};
  SageModel m(arch);
  m.initialize(0);
  std::vector<NodeId> seeds(64);
  for (NodeId v = 0; v < 64; ++v) seeds[v] = v * 5;
  double measured = 0;
  auto step = [&](float clip) {
    EngineOptions o;
    o.max_batch = 64;
    o.optimizer = OptimizerKind::kSgd;
    o.lr = 1.0f;
    o.clip_grad_norm = clip;
    SageEngine e(*be, g, arch, o);
    e.load_params(m.params());
    e.train_step(seeds, 1, 0);
    measured = e.take_mean_grad_norm();
    EXPECT_EQ(e.take_mean_grad_norm(), 0.0) << "no steps since the last call";
    std::vector<float> w;
    e.store_params(w);
    return w;
  };
  const std::vector<float>& w0 = m.params();
  const std::vector<float> off = step(0.0f);
  EXPECT_EQ(measured, 0.0);
  const std::vector<float> above = step(1e30f);
  const double grad_norm = measured;
  EXPECT_EQ(above, off);
  EXPECT_NEAR(grad_norm, norm(off, w0), 1e-4 * grad_norm);
  ASSERT_GT(grad_norm, 0.0);

  const std::vector<float> clipped = step(static_cast<float>(grad_norm / 4));
  EXPECT_NEAR(measured, grad_norm, 1e-6 * grad_norm) << "the norm is measured before clipping";
  EXPECT_NEAR(norm(clipped, w0), grad_norm / 4, 1e-3 * grad_norm);
  for (size_t i = 0; i < w0.size(); ++i)
    ASSERT_NEAR(clipped[i] - w0[i], (off[i] - w0[i]) / 4, 1e-6 + 1e-4 * std::fabs(off[i] - w0[i]))
        << i;
}

// Through the trainer with Adam: a threshold above every norm trains bitwise as without one, a
// tiny one trains differently; the epoch records carry the mean pre-clip norm only when clipping.
TEST(GradClip, TrainerAppliesTheOption) {
  Graph g = tiny_graph();
  SageTrainConfig c;
  c.device = "cpu";
  c.progress = false;
  c.hidden = 8;
  c.batch_size = 32;
  c.epochs = 1;
  SageTrainConfig above = c, tiny = c;
  above.clip_grad_norm = 1e30f;
  tiny.clip_grad_norm = 1e-7f;
  SageTrainResult r = train_sage(g, c), a = train_sage(g, above), t = train_sage(g, tiny);
  EXPECT_EQ(r.model.params(), a.model.params());
  EXPECT_NE(r.model.params(), t.model.params());
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(r.history[0].grad_norm, 0.0);
  EXPECT_GT(a.history[0].grad_norm, 0.0);
  EXPECT_TRUE(std::isfinite(a.history[0].grad_norm));
  EXPECT_NE(a.model.config_json.find("\"clip_grad_norm\""), std::string::npos);

  for (float bad :
       {-1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    c.clip_grad_norm = bad;
    EXPECT_THROW(train_sage(g, c), UsageError) << bad;
  }
}

}  // namespace
}  // namespace grl
