#include "host/train/sage_config.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "host/core/error.h"
#include "host/ops/backend.h"

namespace grl {

void validate(const SageTrainConfig& c) {
  check_device(c.device);
  if (c.epochs < 1) throw ConfigError("{epochs} must be at least 1");
  if (c.batch_size <= 0) throw ConfigError("{batch_size} must be positive");
  if (!(c.dropout >= 0 && c.dropout < 1)) throw ConfigError("{dropout} must be in [0, 1)");
  if (!(c.input_dropout >= 0 && c.input_dropout < 1) && c.input_dropout != kAutoInputDropout)
    throw ConfigError("{input_dropout} must be in [0, 1)");
  if (c.patience < 0) throw ConfigError("{patience} must be >= 0 (0 = train every epoch)");
  if (c.inference == InferenceMode::kFull) {
    SageArch arch;
    arch.aggregator = c.aggregator;
    const std::string why = full_inference_unsupported(arch);
    if (!why.empty()) throw ConfigError("{inference} full: " + why + "; use {inference} sampled");
  }
  if (!(c.lr > 0) || !std::isfinite(c.lr)) throw ConfigError("{lr} must be a finite number > 0");
  if (!(c.weight_decay >= 0) || !std::isfinite(c.weight_decay))
    throw ConfigError("{weight_decay} must be a finite number >= 0");
  if (c.optimizer == OptimizerKind::kSgd && !(c.momentum >= 0 && c.momentum < 1))
    throw ConfigError("{momentum} must be in [0, 1)");
  if (!(c.feature_cache_gb >= 0) || !std::isfinite(c.feature_cache_gb))
    throw ConfigError("{feature_cache_gb} must be a finite number >= 0");
  if (!(c.clip_grad_norm >= 0) || !std::isfinite(c.clip_grad_norm))
    throw ConfigError("{clip_grad_norm} must be a finite number >= 0 (0 = off)");
  if (c.hidden <= 0) throw ConfigError("{hidden} must be positive");
  if (c.aggregator == SageAggregator::kLstm && c.lstm_hidden <= 0)
    throw ConfigError("{lstm_hidden} must be positive");
  if (c.fanouts.empty() || c.fanouts.size() > static_cast<size_t>(kMaxHops))
    throw ConfigError("{fanouts}: between 1 and " + std::to_string(kMaxHops) +
                      " fanouts (layers) are supported, got " + std::to_string(c.fanouts.size()));
  for (int f : c.fanouts)
    if (f < 1 || f > kMaxFanout)
      throw ConfigError("{fanouts}: fanout " + std::to_string(f) + " out of range [1, " +
                        std::to_string(kMaxFanout) + "]");
  if (c.prefetch < 0) throw ConfigError("{prefetch} must be >= 0");
  if (c.lr_schedule.step_epochs < 1) throw ConfigError("{lr_step_epochs} must be at least 1");
  if (!(c.lr_schedule.gamma > 0 && c.lr_schedule.gamma <= 1))
    throw ConfigError("{lr_gamma} must be in (0, 1]");
  if (c.host_gather == HostGather::kCpu && c.feature_cache_gb > 0)
    throw ConfigError(
        "{feature_cache_gb} needs {host_gather} zero-copy (the GPU gather serves cached rows; "
        "the cpu gather copies every row from host memory)");
}

void validate(const SageUnsupConfig& c) {
  validate(c.train);
  if (!c.train.split.empty())
    throw ConfigError(
        "{split} does not apply to unsupervised training: every node's walks are trained on "
        "(labels, if any, only score the final embeddings)");
  if (c.train.patience > 0)
    throw ConfigError(
        "{patience} stops on the validation F1, which unsupervised training does not compute");
  if (c.dim <= 0) throw ConfigError("{dim} must be positive");
  if (c.negatives < 1) throw ConfigError("{negatives} must be at least 1");
  if (c.walk_length < 2) throw ConfigError("{walk_length} must be at least 2");
  if (c.walks_per_node < 1) throw ConfigError("{walks_per_node} must be at least 1");
}

SageArch sage_arch(const SageTrainConfig& c, int64_t in_dim, int64_t outputs) {
  SageArch a;
  a.aggregator = c.aggregator;
  a.in_dim = in_dim;
  a.hidden = c.hidden;
  a.lstm_hidden = c.lstm_hidden;
  a.num_classes = outputs;
  a.normalize = c.normalize;
  a.fanouts = c.fanouts;
  return a;
}

float input_dropout_of(const SageTrainConfig& c, bool supervised) {
  if (c.input_dropout != kAutoInputDropout) return c.input_dropout;
  return supervised && c.aggregator == SageAggregator::kMean ? 0.5f : 0.0f;
}

bool row_normalizes(const SageTrainConfig& c, const Graph& g, bool supervised) {
  return c.feature_norm == FeatureNorm::kRow ||
         (c.feature_norm == FeatureNorm::kAuto && g.features.bag_of_words && supervised &&
          c.aggregator == SageAggregator::kMean);
}

const Graph& prepared_features(bool row_normalize, const Graph& g, Graph& storage) {
  if (!row_normalize) return g;
  storage = with_row_normalized_features(g);
  return storage;
}

Comm& comm_of(const SageTrainConfig& c) { return c.comm ? *c.comm : Comm::self(); }

EngineOptions engine_options(const SageTrainConfig& c) {
  EngineOptions o;
  o.comm = &comm_of(c);
  // Data parallel: a rank trains at most its share of a batch.
  o.max_batch = (c.batch_size + o.comm->size() - 1) / o.comm->size();
  o.training = true;
  o.dropout = c.dropout;
  o.input_dropout = input_dropout_of(c, true);
  o.replace = c.replace;
  o.seed = c.seed;
  o.optimizer = c.optimizer;
  o.lr = c.lr;
  o.weight_decay = c.weight_decay;
  o.momentum = c.optimizer == OptimizerKind::kSgd ? c.momentum : 0.0f;
  o.clip_grad_norm = c.clip_grad_norm;
  o.graph_placement = c.graph_placement;
  o.feature_placement = c.feature_placement;
  o.prefetch = c.prefetch;
  o.feature_cache_gb = c.feature_cache_gb;
  o.host_gather = c.host_gather;
  return o;
}

EngineOptions engine_options(const SageUnsupConfig& c) {
  EngineOptions o = engine_options(c.train);
  // batch_size counts positive pairs; a step's seeds are their distinct nodes and negatives.
  o.max_pairs = (c.train.batch_size + o.comm->size() - 1) / o.comm->size();
  o.max_negatives = c.negatives;
  o.max_batch = 2 * o.max_pairs + c.negatives;
  o.prefetch = 0;  // each step samples its own pairs' nodes just before it: one slot
  o.input_dropout = input_dropout_of(c.train, false);
  return o;
}

BackendOptions backend_options(const SageTrainConfig& c) {
  BackendOptions b;
  b.tf32 = c.tf32;
  return b;
}

std::string config_json(const SageTrainConfig& c) {
  const nlohmann::json j = {{"aggregator", aggregator_name(c.aggregator)},
                            {"fanouts", c.fanouts},
                            {"hidden", c.hidden},
                            {"lstm_hidden", c.lstm_hidden},
                            {"batch_size", c.batch_size},
                            {"epochs", c.epochs},
                            {"lr", c.lr},
                            {"dropout", c.dropout},
                            {"weight_decay", c.weight_decay},
                            {"optimizer", optimizer_name(c.optimizer)},
                            {"clip_grad_norm", c.clip_grad_norm},
                            {"split", c.split},
                            {"seed", c.seed}};
  nlohmann::json out = j;  // fields added later appear when set, so older models read the same
  if (input_dropout_of(c, true) > 0) out["input_dropout"] = input_dropout_of(c, true);
  if (c.patience > 0) out["patience"] = c.patience;
  return out.dump();
}

std::string config_json(const SageUnsupConfig& u) {
  const SageTrainConfig& c = u.train;
  const nlohmann::json j = {{"unsupervised", true},
                            {"aggregator", aggregator_name(c.aggregator)},
                            {"fanouts", c.fanouts},
                            {"hidden", c.hidden},
                            {"dim", u.dim},
                            {"negatives", u.negatives},
                            {"walk_length", u.walk_length},
                            {"walks_per_node", u.walks_per_node},
                            {"batch_size", c.batch_size},
                            {"epochs", c.epochs},
                            {"lr", c.lr},
                            {"dropout", c.dropout},
                            {"weight_decay", c.weight_decay},
                            {"optimizer", optimizer_name(c.optimizer)},
                            {"seed", c.seed}};
  nlohmann::json out = j;
  if (input_dropout_of(c, false) > 0) out["input_dropout"] = input_dropout_of(c, false);
  return out.dump();
}

}  // namespace grl
