// Learning-rate schedules for the GraphSAGE trainer, applied before every optimiser step:
//   constant  lr
//   step      lr * gamma ^ floor((epoch - 1) / step_epochs)          (epoch is 1-based)
//   cosine    lr * 0.5 * (1 + cos(pi * step / total_steps))          (step is 0-based)
#pragma once
#include <cstdint>
#include <string>

namespace grl {

struct LrSchedule {
  enum Kind : int { kConstant = 0, kStep = 1, kCosine = 2 } kind = kConstant;
  int step_epochs = 10;
  double gamma = 0.5;
};

LrSchedule parse_lr_schedule(const std::string& name, int step_epochs, double gamma);  // UsageError
double scheduled_lr(const LrSchedule& s, double base, int epoch, int64_t step, int64_t total_steps);

}  // namespace grl
