// The prefetch ring: minibatches sampled on the sample lane ahead of the compute that reads
// them. Each slot holds one batch's seeds, sample (kernels/sampling.h), labels when training,
// and, with host-resident features, its first-layer feature rows brought into backend memory.
//
// Ordering, with no host synchronisation on the compute lane: a slot's `sampled` event orders
// its compute after its sample; its `consumed` event orders the slot's next sample after that
// compute. Hop counts come back through pinned memory, so the host waits only for the sample.
// On the CPU backend every call runs at once in program order, so prefetching changes nothing.
//
//   ring.enqueue(seeds, epoch, labels)   up to depth() + 1 batches ahead (seeds are copied)
//   RingSlot& s = ring.activate()        the oldest: its hop counts are on the host now
//   ... compute reads s ...
//   ring.release()                       the slot may be sampled into again after it
#pragma once
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/pipeline/graph_store.h"
#include "host/pipeline/matrix_buffer.h"

namespace grl {

struct RingSlot {
  Buffer<NodeId> seeds, nodes, seeds_staging;
  Buffer<int32_t> hop_end, seed_local, cnt, nbr, labels, hop_staging, labels_staging;
  MatrixBuffer targets;  // multi-label: 0/1 rows
  Buffer<float> targets_staging;
  Buffer<char> scratch;
  // Host-resident features: the batch's first-layer rows, brought into backend memory on the
  // sample lane. The CPU gather reads the sampled nodes back through pinned memory and stages
  // the rows in pinned memory; `staged` marks its copy done.
  MatrixBuffer feat;
  Buffer<NodeId> nodes_staging;
  Buffer<float> feat_staging;
  int staged = -1;
  bool host_staged = false;  // the CPU gather of this slot's batch is done and its copy queued
  int sampled = -1, consumed = -1;
  bool consumed_recorded = false;
  int64_t batch = 0;
};

// What a slot stages besides the sample: nothing, single-label ids, or multi-label 0/1 rows.
enum class RingLabels : int { kNone = 0, kSingle = 1, kMulti = 2 };

class PrefetchRing {
 public:
  // `slots` batches in flight (1: no prefetching); sampling keyed by (seed, epoch), with or
  // without replacement. Adds the backend memory it allocates to `bytes`.
  PrefetchRing(Backend& backend, const Graph& graph, const SampleLayout& layout, int slots,
               RingLabels labels, int64_t num_classes, uint64_t seed, bool replace, size_t& bytes);
  PrefetchRing(const PrefetchRing&) = delete;
  PrefetchRing& operator=(const PrefetchRing&) = delete;

  // Where the sampler reads the graph and the features come from; with host-resident features
  // each slot also gets rows x cols of first-layer rows (and the CPU gather's staging).
  void attach(GraphStore& store, int64_t rows, int64_t cols, size_t& bytes);

  int depth() const { return static_cast<int>(slots_.size()) - 1; }
  bool idle() const { return queue_.empty(); }
  // The oldest enqueued batch is empty (nothing to learn): drop it without computing.
  bool front_is_empty() const { return !queue_.empty() && slots_[queue_.front()].batch == 0; }
  void drop_front();

  // Samples a batch into the next free slot, on the sample lane; with_labels also stages its
  // labels. Returns at once on the GPU.
  void enqueue(std::span<const NodeId> seeds, uint32_t epoch, bool with_labels);
  // Makes the oldest enqueued batch current: the host reads its hop counts (waiting for its
  // sample only) and the compute lane is ordered after the sample (and its feature rows).
  RingSlot& activate();
  // The current batch's compute is queued: its slot may be sampled into again after it.
  void release();

  RingSlot& current() const { return *cur_; }
  // The current batch's hop counts (hop_end[0] = seeds, hop_end[K] = first-layer sources).
  const int32_t* hop_end() const { return hop_end_host_.data(); }
  // The first layer's source rows of the current batch (host-resident features only).
  MatrixView<const float> feature_rows(int64_t rows) const { return cur_->feat.cview(rows); }

 private:
  void stage_labels(RingSlot& s, std::span<const NodeId> seeds);
  void stage_features_cpu(RingSlot& s);

  Backend& be_;
  const Graph& graph_;
  SampleLayout layout_;
  RingLabels labels_;
  uint64_t seed_;
  bool replace_;
  GraphStore* store_ = nullptr;
  int K_ = 0;
  std::vector<RingSlot> slots_;
  std::deque<int> queue_;  // enqueued and not yet trained, oldest first
  int next_slot_ = 0;
  RingSlot* cur_ = nullptr;  // the batch being computed
  std::vector<int32_t> hop_end_host_;
};

}  // namespace grl
