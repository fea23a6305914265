#include "host/train/optimizer.h"

#include <cmath>
#include <utility>

#include "host/core/error.h"

namespace grl {

const char* optimizer_name(OptimizerKind k) { return k == OptimizerKind::kSgd ? "sgd" : "adam"; }

OptimizerKind parse_optimizer(const std::string& s) {
  if (s == "adam") return OptimizerKind::kAdam;
  if (s == "sgd") return OptimizerKind::kSgd;
  throw UsageError("unknown optimizer '" + s + "' (expected adam or sgd)");
}

Optimizer::Optimizer(Backend& be, int64_t num_params, const OptimizerConfig& c, size_t& bytes)
    : be_(be), config_(c), num_params_(num_params) {
  auto alloc = [&](size_t n, const char* what) {
    bytes += n * sizeof(float);
    return Buffer<float>(be, n, what);
  };
  grads_ = alloc(num_params, "gradients");
  grads_.zero();
  m1_ = alloc(num_params, "optimiser state");
  m1_.zero();
  if (c.kind == OptimizerKind::kAdam) {
    m2_ = alloc(num_params, "optimiser state");
    m2_.zero();
  }
  if (c.clip_grad_norm > 0.0f) {
    grad_sumsq_ = alloc(1, "gradient norm");
    grad_norm_acc_ = alloc(1, "gradient norm total");
    grad_norm_acc_.zero();
    norm_partials_ = alloc(sum_squares_partials(num_params), "gradient norm partials");
  }
}

void Optimizer::step(Span<float> w) {
  ++steps_;
  Span<const float> g = grad_span();
  // The clip scale is applied inside the optimiser, which reads the norm on the device.
  const bool clip = config_.clip_grad_norm > 0.0f;
  if (clip) {
    be_.sum_squares(g, grad_sumsq_.data(), norm_partials_.data(), grad_norm_acc_.data());
    ++norm_steps_;
  }
  const float* sumsq = clip ? grad_sumsq_.data() : nullptr;
  if (config_.kind == OptimizerKind::kAdam) {
    AdamParams a;
    a.lr = config_.lr;
    a.weight_decay = config_.weight_decay;
    a.grad_sumsq = sumsq;
    a.max_norm = config_.clip_grad_norm;
    a.bias_correction1 = 1.0f - static_cast<float>(std::pow(0.9, static_cast<double>(steps_)));
    a.bias_correction2 = 1.0f - static_cast<float>(std::pow(0.999, static_cast<double>(steps_)));
    be_.adam(w, g, m1_.span(), m2_.span(), a);
  } else {
    SgdParams p{config_.lr, config_.momentum, config_.weight_decay, sumsq, config_.clip_grad_norm};
    be_.sgd(w, g, m1_.span(), p);
  }
  be_.mark("optimizer");
}

double Optimizer::take_mean_grad_norm() {
  if (norm_steps_ == 0) return 0.0;
  float v = 0.0f;
  grad_norm_acc_.download(&v, 1);
  grad_norm_acc_.zero();
  return v / static_cast<double>(std::exchange(norm_steps_, 0));
}

}  // namespace grl
