// Learning-rate schedules against hand-computed values, and their use by the trainer.
#include "host/train/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "host/core/error.h"
#include "host/io/synthetic.h"
#include "host/train/sage_trainer.h"

namespace grl {
namespace {

TEST(LrSchedule, HandComputedValues) {
  LrSchedule c = parse_lr_schedule("constant", 10, 0.5);
  EXPECT_DOUBLE_EQ(scheduled_lr(c, 0.1, 7, 123, 1000), 0.1);
  LrSchedule st = parse_lr_schedule("step", 3, 0.5);
  EXPECT_DOUBLE_EQ(scheduled_lr(st, 0.1, 1, 0, 100), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(st, 0.1, 3, 0, 100), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(st, 0.1, 4, 0, 100), 0.05);
  EXPECT_DOUBLE_EQ(scheduled_lr(st, 0.1, 7, 0, 100), 0.025);
  LrSchedule co = parse_lr_schedule("cosine", 10, 0.5);
  EXPECT_DOUBLE_EQ(scheduled_lr(co, 0.2, 1, 0, 100), 0.2);
  EXPECT_NEAR(scheduled_lr(co, 0.2, 1, 50, 100), 0.1, 1e-12);
  EXPECT_NEAR(scheduled_lr(co, 0.2, 1, 25, 100), 0.2 * 0.5 * (1 + std::sqrt(0.5)), 1e-12);
  EXPECT_NEAR(scheduled_lr(co, 0.2, 1, 100, 100), 0.0, 1e-12);
  EXPECT_THROW(parse_lr_schedule("linear", 10, 0.5), UsageError);
  EXPECT_THROW(parse_lr_schedule("step", 0, 0.5), UsageError);
  EXPECT_THROW(parse_lr_schedule("step", 2, 1.5), UsageError);
}

// With plain SGD: one epoch under "step" (no decay in epoch 1) equals constant lr exactly; the
// second epoch (rate halved) differs.
TEST(LrSchedule, TrainerAppliesTheSchedule) {
  SbmParams p;
  p.nodes = 400;
  p.classes = 3;
  p.feature_dim = 8;
  Graph g = make_sbm(p);
  SageTrainConfig c;
  c.device = "cpu";
  c.progress = false;
  c.hidden = 8;
  c.optimizer = OptimizerKind::kSgd;
  c.momentum = 0.0f;
  c.lr = 0.1f;
  c.dropout = 0.0f;
  c.batch_size = 32;  // several steps per epoch
  c.epochs = 1;
  SageTrainConfig s = c;
  s.lr_schedule = parse_lr_schedule("step", 1, 0.5);
  EXPECT_EQ(train_sage(g, c).model.params(), train_sage(g, s).model.params());
  c.epochs = s.epochs = 2;
  // The returned model is the best by validation (possibly epoch 1 for both); the second
  // epoch's training loss shows the halved rate.
  SageTrainResult a = train_sage(g, c), b = train_sage(g, s);
  ASSERT_EQ(a.history.size(), 2u);
  EXPECT_EQ(a.history[0].loss, b.history[0].loss);
  EXPECT_NE(a.history[1].loss, b.history[1].loss);
}

}  // namespace
}  // namespace grl
