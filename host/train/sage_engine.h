// The GraphSAGE computation on one backend, step by step: a batch is sampled into the prefetch
// ring (host/pipeline/prefetch_ring.h), its layers run forward and backward (sage_layers.h),
// the loss in between, then the optimiser step (optimizer.h); the graph and features sit where
// the GraphStore placed them. Written once against the Backend interface. Every buffer is
// allocated in the constructor from upper bounds (SampleLayout); nothing is allocated per step.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "host/dist/comm.h"
#include "host/dist/nccl.h"
#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/pipeline/placement.h"
#include "host/train/optimizer.h"
#include "host/train/sage_full.h"
#include "host/train/sage_model.h"

namespace grl {

struct EngineOptions {
  int64_t max_batch = 512;
  bool training = true;        // allocate gradients and optimiser state
  float dropout = 0.0f;        // on hidden layers, training only
  float input_dropout = 0.0f;  // on the first layer's input features, training only
  bool replace = false;        // neighbour sampling with replacement
  uint64_t seed = 0;           // sampling and dropout draws
  OptimizerKind optimizer = OptimizerKind::kAdam;
  // Topology and features: GPU memory or pinned host memory (host/pipeline/placement.h).
  Placement graph_placement = Placement::kAuto, feature_placement = Placement::kAuto;
  // With features in host memory: keep this many GiB of the hottest rows in backend memory
  // (zero-copy gather only), and how each minibatch's rows reach the GPU.
  double feature_cache_gb = 0.0;
  HostGather host_gather = HostGather::kZeroCopy;
  // Minibatches sampled ahead of the one being trained (training engines; 0 = none).
  int prefetch = 2;
  float lr = 0.01f, weight_decay = 0.0f, momentum = 0.0f;
  float clip_grad_norm = 0.0f;  // > 0: clip the gradient to this global L2 norm before each step
  // Unsupervised training (arch.unsupervised): the most positive pairs and shared negatives per
  // step; max_batch bounds the distinct seeds they name (at most 2 max_pairs + max_negatives).
  int64_t max_pairs = 0, max_negatives = 0;
  // Data-parallel training (host/dist/comm.h): every rank trains its share of each global
  // batch; the gradients are summed over the ranks before each optimiser step, so the
  // parameters stay identical on every rank. Null: this process alone.
  Comm* comm = nullptr;
  // GPU ranks: how the device all-reduce is opened (null: DeviceComm::open; tests give a
  // stand-in that records what it is asked to sum).
  DeviceCommOpener open_device_comm;
};

class SageEngine {
 public:
  SageEngine(Backend& backend, const Graph& graph, const SageArch& arch, const EngineOptions& opt);
  ~SageEngine();

  // The memory an engine with these options would allocate for its own buffers (everything but
  // the graph and features), measured by running the constructor's sizing on a
  // MeasuringBackend: backend memory and pinned host memory.
  struct Footprint {
    int64_t backend_bytes = 0, host_mapped_bytes = 0;
  };
  static Footprint footprint(Backend& backend, const Graph& graph, const SageArch& arch,
                             const EngineOptions& opt);
  // Throws ConfigError, before anything is allocated, when that footprint exceeds the memory
  // free now (host memory on the CPU backend, GPU memory on the GPU), with what is needed, what
  // is free and the options that shrink it.
  static void check_fits(Backend& backend, const Graph& graph, const SageArch& arch,
                         const EngineOptions& opt);
  SageEngine(const SageEngine&) = delete;
  SageEngine& operator=(const SageEngine&) = delete;

  void load_params(const std::vector<float>& params);
  // The learning rate of the following optimiser steps (schedules call this before each step).
  void set_learning_rate(float lr);
  void store_params(std::vector<float>& params) const;

  // One optimiser step on a batch of distinct labelled seeds.
  void train_step(std::span<const NodeId> seeds, uint32_t epoch, uint64_t step);
  // The same, pipelined: enqueue_batch samples a batch on the sample lane (up to
  // prefetch_depth() + 1 may be enqueued; `seeds` is copied); train_enqueued trains the oldest
  // enqueued batch. On the GPU the next batches' sampling overlaps this one's compute, and the
  // host never waits for the compute lane. train_step = enqueue_batch + train_enqueued.
  // Data parallel: `seeds` is this rank's share of a global batch of `loss_rows` seeds (the
  // loss is their mean: the default -1 means seeds.size()); a rank whose share is empty still
  // steps, with the other ranks' gradients.
  void enqueue_batch(std::span<const NodeId> seeds, uint32_t epoch, int64_t loss_rows = -1);
  void train_enqueued(uint64_t step);
  int prefetch_depth() const;
  // Data parallel: how the gradients are summed ("MPI on host memory", "NCCL 2.x.y on device
  // memory", ...), once the first step has run; "" before, or on one rank.
  const std::string& allreduce_path() const;
  // The gradient of the batch's mean loss with respect to the flat parameter vector (the
  // layout of SageModel), without a step; returns the mean loss. For gradient checks: build
  // the engine with dropout 0 so repeated calls with the same keys see the same function.
  double compute_gradients(std::span<const NodeId> seeds, uint32_t epoch, uint64_t step,
                           std::vector<float>& grads);
  // One optimiser step of the unsupervised loss (arch.unsupervised; kernels/dense.h,
  // unsup_loss) on the L2-normalised outputs of distinct `seeds`: positive pairs (pair_u[i],
  // pair_v[i]) and negatives shared by every pair, all given as indices into `seeds`.
  // Data parallel: these are this rank's pairs of a global batch of `loss_pairs` pairs (-1:
  // pair_u.size()); a rank without pairs still steps.
  void train_step_unsupervised(std::span<const NodeId> seeds, std::span<const int32_t> pair_u,
                               std::span<const int32_t> pair_v, std::span<const int32_t> negatives,
                               uint32_t epoch, uint64_t step, int64_t loss_pairs = -1);
  // Forward only (no dropout), neighbourhoods sampled with `epoch_key`. Fills `logits`
  // (B x num_classes; for an unsupervised model the L2-normalised embeddings) and, if asked,
  // `hidden` (B x the last hidden width; the logits when the model has one layer).
  void infer(std::span<const NodeId> seeds, uint32_t epoch_key, std::vector<float>* logits,
             std::vector<float>* hidden);
  // Which inference `mode` resolves to here: full-neighbourhood (sage_full.h) or sampled, and
  // why (one line). auto takes full unless the aggregator has no full form, the graph's edge
  // weights drew the training neighbourhoods, the features sit in host memory, or the full
  // pass's memory is not free; kFull throws ConfigError where full cannot run at all.
  struct InferenceChoice {
    bool full = false;
    std::string why;
  };
  InferenceChoice choose_inference(InferenceMode mode);
  // Full-neighbourhood inference of distinct `nodes` with the engine's parameters, graph and
  // features: the logits (unsupervised: the normalised embedding), or the last hidden layer.
  // The pass's buffers are allocated at the first call and kept.
  // comm (several ranks, every one calling): the hidden layers are computed in shares.
  void infer_full(std::span<const NodeId> nodes, bool hidden, std::vector<float>& out,
                  Comm* comm = nullptr);
  // Sum of per-seed training losses since the last call (one small download).
  double take_loss_sum();
  // Mean pre-clip global gradient norm over the steps since the last call (one small download);
  // 0 when clipping is off (the norm is then not computed).
  double take_mean_grad_norm();
  int64_t hidden_width() const;
  const SampleLayout& layout() const { return layout_; }
  // The graph's adjacency in backend memory (random walks on the same backend use it).
  CsrView graph_view() const;
  // Bytes of backend memory this engine holds (pinned host memory not included).
  size_t memory_bytes() const { return bytes_; }
  // Feature cache: rows looked up and rows served by the cache since the last call (zeros
  // without a cache; one small download).
  std::pair<int64_t, int64_t> take_feature_cache_stats();
  // Host-clock stage times since the last call, ms in total (the CPU gather of host-resident
  // features: "cpu gather"); the trainer adds them to the backend's take_stage_times().
  std::vector<std::pair<std::string, double>> take_host_stage_times();
  // Nodes (sources of the first layer) of the last batch computed: its feature rows read.
  int64_t last_batch_nodes() const;
  // Where the graph and the features were placed, and why (one line).
  const std::string& placement() const { return placement_; }
  // Whether the features sit in host memory, each batch's rows moved to backend memory (on the
  // GPU: too large for it, or asked for; on the CPU: only when asked for, to test the path).
  bool features_host_resident() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SampleLayout layout_;
  size_t bytes_ = 0;
  std::string placement_;
};

}  // namespace grl
