// The optimiser of GraphSAGE training: Adam (Kingma & Ba, with decoupled bias correction as
// PyTorch's) or SGD with momentum, over one flat parameter vector in backend memory, with an
// optional global-norm gradient clip applied inside the update (the norm never leaves the
// device). Owns the gradient buffer the backward pass writes and the optimiser state.
#pragma once
#include <cstdint>
#include <string>

#include "host/ops/backend.h"

namespace grl {

enum class OptimizerKind : int { kAdam = 0, kSgd = 1 };
const char* optimizer_name(OptimizerKind k);
OptimizerKind parse_optimizer(const std::string& s);  // throws UsageError

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::kAdam;
  float lr = 0.01f, weight_decay = 0.0f;
  float momentum = 0.0f;        // SGD
  float clip_grad_norm = 0.0f;  // > 0: clip to this global L2 norm before each step
};

class Optimizer {
 public:
  // Allocates gradients (zeroed: the alignment gaps between tensors are never written by a
  // step) and state for `num_params` parameters; adds the backend memory to `bytes`.
  Optimizer(Backend& backend, int64_t num_params, const OptimizerConfig& config, size_t& bytes);
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  float* grads() const { return grads_.data(); }
  Span<const float> grad_span() const { return {grads_.data(), num_params_}; }
  void set_learning_rate(float lr) { config_.lr = lr; }
  // One update of `params` from the gradients (clipped first when clipping is on).
  void step(Span<float> params);
  // Mean pre-clip global gradient norm over the steps since the last call (one small
  // download); 0 when clipping is off.
  double take_mean_grad_norm();

 private:
  Backend& be_;
  OptimizerConfig config_;
  int64_t num_params_ = 0;
  uint64_t steps_ = 0;
  Buffer<float> grads_, m1_, m2_;
  // Clipping: the squared global norm of this step's gradient, the sum of norms since
  // take_mean_grad_norm, and the reduction's partials.
  Buffer<float> grad_sumsq_, grad_norm_acc_, norm_partials_;
  int64_t norm_steps_ = 0;
};

}  // namespace grl
