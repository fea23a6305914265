// Supervised GraphSAGE training: minibatches of training seeds, per-epoch validation, the best
// model (by validation micro-F1) kept and optionally saved, test metrics at the end.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/train/lr_schedule.h"
#include "host/train/metrics.h"
#include "host/train/placement.h"
#include "host/train/sage_model.h"
#include "host/train/stage_report.h"

namespace grl {

struct SageTrainConfig {
  SageAggregator aggregator = SageAggregator::kMean;
  std::vector<int> fanouts = {25, 10};
  int64_t hidden = 256;
  int64_t lstm_hidden = 128;  // lstm aggregator only
  bool normalize = false;
  int64_t batch_size = 512;
  int epochs = 30;
  float lr = 0.01f;
  LrSchedule lr_schedule;  // constant by default
  float dropout = 0.5f;
  float weight_decay = 5e-4f;
  std::string optimizer = "adam";
  float momentum = 0.9f;        // sgd only
  float clip_grad_norm = 0.0f;  // > 0: clip gradients to this global L2 norm; 0: off
  bool replace = false;
  std::string split;  // "" (the dataset's own, else random:0.6,0.2,0.2) or "random:a,b,c"
  std::string device = "auto";
  bool tf32 = false;
  Placement graph_placement = Placement::kAuto, feature_placement = Placement::kAuto;
  int prefetch = 2;               // minibatches sampled ahead of the one being trained
  double feature_cache_gb = 0.0;  // host-resident features: GiB of hot rows kept on the GPU
  HostGather host_gather = HostGather::kZeroCopy;  // host-resident features: how rows move
  uint64_t seed = 0;
  std::string save_path;             // best model, saved atomically whenever validation improves
  bool progress = true;              // progress bar on a terminal, periodic lines otherwise
  std::string feature_encoder_json;  // recorded in the model (see SageModel)
  int64_t base_feature_dim = 0;
  std::function<void(const std::string&)> log;  // where progress lines go (default: stderr)
};

struct EpochRecord {
  int epoch = 0;
  double loss = 0;
  double grad_norm = 0;  // mean pre-clip global gradient norm; 0 unless clipping is on
  ClassMetrics valid;
  double seconds = 0;
  double seeds_per_second = 0;
};

struct SageTrainResult {
  SageModel model;  // the best model
  ClassMetrics test, valid;
  int best_epoch = 0;
  int epochs = 0;
  double train_seconds = 0;
  double seeds_per_second = 0;
  std::string device;
  std::vector<EpochRecord> history;
  Split split;
  StageReport stages;                     // per-step stage times of the training steps
  int64_t engine_bytes = 0;               // backend memory the engine held
  int64_t device_memory_used_bytes = -1;  // GPU memory in use at the end of training (-1: cpu)
  std::string placement;                  // where the graph and features were placed
  double feature_cache_hit_rate = -1;     // training steps' feature rows served by the cache
};

// Resolves the split a configuration asks for on a graph.
Split resolve_split(const Graph& graph, const std::string& spec, uint64_t seed);

SageTrainResult train_sage(const Graph& graph, const SageTrainConfig& config);

// Forward pass of a trained model over `nodes` of `graph` (which may contain nodes never seen
// in training): logits (n x classes) or, with hidden, the last hidden layer (n x width).
std::vector<float> sage_forward(Backend& backend, const Graph& graph, const SageModel& model,
                                std::span<const NodeId> nodes, bool hidden, int64_t batch_size,
                                uint64_t seed);

// Metrics of logits against the graph's labels for `nodes`.
ClassMetrics score_logits(const Graph& graph, std::span<const NodeId> nodes,
                          const std::vector<float>& logits, int64_t num_classes);

}  // namespace grl
