#include "host/train/lr_schedule.h"

#include <cmath>

#include "host/core/error.h"

namespace grl {

LrSchedule parse_lr_schedule(const std::string& name, int step_epochs, double gamma) {
  LrSchedule s;
  if (name == "constant")
    s.kind = LrSchedule::kConstant;
  else if (name == "step")
    s.kind = LrSchedule::kStep;
  else if (name == "cosine")
    s.kind = LrSchedule::kCosine;
  else
    throw ConfigError("unknown {lr_schedule} '" + name + "' (expected constant, step or cosine)");
  if (step_epochs < 1) throw ConfigError("{lr_step_epochs} must be at least 1");
  if (!(gamma > 0 && gamma <= 1)) throw ConfigError("{lr_gamma} must be in (0, 1]");
  s.step_epochs = step_epochs;
  s.gamma = gamma;
  return s;
}

double scheduled_lr(const LrSchedule& s, double base, int epoch, int64_t step,
                    int64_t total_steps) {
  switch (s.kind) {
    case LrSchedule::kConstant:
      return base;
    case LrSchedule::kStep:
      return base * std::pow(s.gamma, (epoch - 1) / s.step_epochs);
    case LrSchedule::kCosine:
      if (total_steps <= 0) return base;
      return base * 0.5 *
             (1.0 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total_steps)));
  }
  return base;
}

}  // namespace grl
