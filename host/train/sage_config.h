// The GraphSAGE trainers' configuration (supervised, and unsupervised on top of it): validated
// once, before any data is loaded, and turned into what the engine, the backend and the model
// file need by one function each, so no field is copied by hand in two places.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/ops/backend.h"
#include "host/pipeline/placement.h"
#include "host/train/lr_schedule.h"
#include "host/train/optimizer.h"
#include "host/train/sage_engine.h"
#include "host/train/sage_model.h"

namespace grl {

// How the trainers prepare node features: kAuto row-normalises bag-of-words features (a loader
// that knows its format says so: Features::bag_of_words) for the mean aggregator in supervised
// training, where it was measured to help, and leaves them as loaded otherwise (on Cora it cost
// the pool aggregator 0.02 accuracy: README).
enum class FeatureNorm { kAuto, kNone, kRow };
// SageTrainConfig::input_dropout's default: 0.5 for the mean aggregator in supervised
// training (PyG's recipe, measured on Cora: README), else 0.
constexpr float kAutoInputDropout = -1.0f;

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
  float input_dropout = kAutoInputDropout;  // on the input features (training only)
  int patience = 0;  // stop after this many epochs without a better validation; 0 = off
  // How validation and test infer (sage_full.h): sampled with the training fanouts by default.
  InferenceMode inference = InferenceMode::kSampled;
  FeatureNorm feature_norm = FeatureNorm::kAuto;
  float weight_decay = 5e-4f;
  OptimizerKind optimizer = OptimizerKind::kAdam;
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
  // The ranks that train together, data parallel (host/dist/comm.h): each takes its share of
  // every batch; only rank 0 logs and saves. Null: this process alone (Comm::self()); the
  // command line passes Comm::world() for the commands the ranks share.
  Comm* comm = nullptr;
};

struct SageUnsupConfig {
  // Architecture, optimiser, epochs, seed, device, save_path (saved after every epoch), progress
  // and log as for supervised training; batch_size counts positive pairs; split is not used.
  SageTrainConfig train;
  int64_t dim = 128;       // embedding width (the last layer's outputs)
  int negatives = 20;      // Q, shared by the pairs of a batch
  int walk_length = 5;     // nodes per walk, the start included
  int walks_per_node = 2;  // per epoch
  // Labelled graphs: score the final embeddings with embedding_eval's logistic regression
  // (half of at most kUnsupEvalMaxNodes labelled nodes for training, the rest for testing).
  bool evaluate = true;
};

// What a run does with the automatic settings: its input dropout, whether it row-normalises g's
// features, and the graph it trains on (g itself, or `storage` holding g with row-normalised
// features).
float input_dropout_of(const SageTrainConfig& config, bool supervised);
bool row_normalizes(const SageTrainConfig& config, const Graph& g, bool supervised);
const Graph& prepared_features(bool row_normalize, const Graph& g, Graph& storage);

// The ranks a configuration trains on: config.comm, else this process alone.
Comm& comm_of(const SageTrainConfig& config);

// Throw ConfigError (host/core/error.h) naming the offending fields.
void validate(const SageTrainConfig& config);
void validate(const SageUnsupConfig& config);

// The model's architecture for a graph with `in_dim` features and `outputs` outputs (classes,
// or the unsupervised embedding width).
SageArch sage_arch(const SageTrainConfig& config, int64_t in_dim, int64_t outputs);
// The training engine's options, supervised and unsupervised.
EngineOptions engine_options(const SageTrainConfig& config);
EngineOptions engine_options(const SageUnsupConfig& config);
BackendOptions backend_options(const SageTrainConfig& config);
// The configuration as the model file records it (SageModel::config_json).
std::string config_json(const SageTrainConfig& config);
std::string config_json(const SageUnsupConfig& config);

}  // namespace grl
