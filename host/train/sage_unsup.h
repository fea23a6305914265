// Unsupervised GraphSAGE (Hamilton et al. 2017, section 3.2, eq. 1). The model's last layer
// outputs a `dim`-wide embedding z, L2-normalised, trained so that nodes that co-occur on short
// random walks get similar embeddings and nodes drawn from the degree^0.75 distribution
// dissimilar ones. Per positive pair (u, v):
//   J = -log s(z_u.z_v) - sum_{j < Q} log s(-z_u.z_nj)           s = sigmoid
// as the authors' reference code computes it: Q negatives drawn once per batch and shared by
// all its pairs, J averaged over the batch's pairs.
//
// Each epoch draws fresh walks: walks_per_node uniform walks of walk_length nodes from every
// node (Philox keyed by seed, epoch and walk: the same on CPU and GPU). As in the reference code
// a walk gives the pairs (start, x) for each later node x of it other than the start, so with
// the defaults (2 walks of 5 nodes) a node anchors up to 8 pairs per epoch and 240 over the 30
// default epochs (the reference: 50 walks of 5, one epoch, 200). The pairs are shuffled (Philox
// Fisher-Yates), cut into batches of batch_size pairs, and each batch's seeds are its distinct
// nodes, negatives included. Nodes without neighbours anchor no pair and are never negatives,
// but are embedded like any other.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/train/negative_tables.h"
#include "host/train/sage_trainer.h"

namespace grl {

constexpr int64_t kUnsupEvalMaxNodes = 10000;

struct UnsupEpochRecord {
  int epoch = 0;
  double loss = 0;  // mean per pair
  int64_t pairs = 0;
  double seconds = 0;
  double pairs_per_second = 0;
};

struct SageUnsupResult {
  SageModel model;  // after the last epoch
  std::vector<UnsupEpochRecord> history;
  double loss = 0;  // of the last epoch
  int epochs = 0;
  int64_t pairs = 0;  // trained, all epochs
  double train_seconds = 0, pairs_per_second = 0;
  std::string device;
  int threads_used = 1;    // host threads that worked in the training loop
  bool evaluated = false;  // the graph has labels and evaluate was on
  int64_t eval_nodes = 0;
  double eval_micro_f1 = 0, eval_macro_f1 = 0;
  // Data parallel, as SageTrainResult: ranks, steps, this rank's all-reduce payload and time.
  int ranks = 1;
  int64_t steps = 0, allreduce_bytes = 0;
  double allreduce_seconds = 0;
  std::string allreduce;  // how the gradients were summed (SageEngine::allreduce_path)
};

SageUnsupResult train_sage_unsupervised(const Graph& graph, const SageUnsupConfig& config);

// The closing evaluation of any unsupervised model (for instance the untrained one, as a
// baseline): fills res.evaluated, eval_nodes and the F1 scores when the graph has labels.
void evaluate_unsupervised(Backend& backend, const Graph& graph, const SageModel& model,
                           const SageUnsupConfig& config, SageUnsupResult& res);

// The positive pairs of one epoch, in walk order (before shuffling): u[i] the start of a walk,
// v[i] a later node of it, v[i] != u[i]. `graph` is in `backend` memory (SageEngine::graph_view).
struct WalkPairs {
  std::vector<NodeId> u, v;
};
WalkPairs unsup_walk_pairs(Backend& backend, CsrView graph, int walks_per_node, int walk_length,
                           uint64_t seed, uint32_t epoch);

// In-place Philox Fisher-Yates shuffle of the pairs, keyed by (seed, epoch, position).
void shuffle_pairs(WalkPairs& pairs, uint64_t seed, uint32_t epoch);

// Q negatives of step `step` from an alias table (build_alias_table) over the nodes.
void draw_negatives(const std::vector<float>& prob, const std::vector<int32_t>& alias,
                    uint64_t seed, uint64_t step, int count, std::vector<NodeId>& out);

// A batch in the engine's terms: the distinct nodes of the pairs and negatives in first-
// occurrence order (u's, then v's, then negatives), and every pair and negative as an index
// into them. `local_of` is scratch of num_nodes entries, all -1, and left so.
struct UnsupBatch {
  std::vector<NodeId> seeds;
  std::vector<int32_t> u, v, neg;
};
void make_unsup_batch(std::span<const NodeId> u, std::span<const NodeId> v,
                      std::span<const NodeId> negatives, std::vector<int32_t>& local_of,
                      UnsupBatch& out);

}  // namespace grl
