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
#include "host/train/metrics.h"
#include "host/train/sage_config.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_model.h"
#include "host/train/stage_report.h"

namespace grl {

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
  bool features_host_resident = false;    // features in host memory, rows moved per batch
  int threads_used = 1;                   // host threads that worked in the training loop
  bool full_inference = false;            // validation and test ran full-neighbourhood inference
  // Data parallel (host/dist/comm.h): the ranks that trained, and over the training steps this
  // rank's gradient all-reduce payload and the time it spent in them (0 on one rank).
  int ranks = 1;
  int64_t steps = 0, allreduce_bytes = 0;
  double allreduce_seconds = 0;
  std::string allreduce;  // how the gradients were summed (SageEngine::allreduce_path)
};

// Resolves the split a configuration asks for on a graph.
Split resolve_split(const Graph& graph, const std::string& spec, uint64_t seed);

SageTrainResult train_sage(const Graph& graph, const SageTrainConfig& config);

// Forward pass of a trained model over `nodes` of `graph` (which may contain nodes never seen
// in training): logits (n x classes) or, with hidden, the last hidden layer (n x width).
// `mode`: full neighbourhoods or sampled ones (batch_size and seed apply to sampled only);
// `choice`, when given, says which ran and why. `comm` (several ranks): each rank computes a
// contiguous run of the batches one process would, every rank returns every output (the
// one-process result).
std::vector<float> sage_forward(Backend& backend, const Graph& graph, const SageModel& model,
                                std::span<const NodeId> nodes, bool hidden, int64_t batch_size,
                                uint64_t seed, InferenceMode mode = InferenceMode::kSampled,
                                SageEngine::InferenceChoice* choice = nullptr,
                                Comm* comm = nullptr);

// Metrics of logits against the graph's labels for `nodes`.
ClassMetrics score_logits(const Graph& graph, std::span<const NodeId> nodes,
                          const std::vector<float>& logits, int64_t num_classes);

}  // namespace grl
