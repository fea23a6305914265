#include "host/pipeline/prefetch_ring.h"

#include <algorithm>
#include <cstring>

#include "host/core/error.h"
#include "host/pipeline/lane_scope.h"

namespace grl {

namespace {

template <class T>
Buffer<T> alloc(Backend& be, size_t n, const char* what, size_t& bytes) {
  bytes += n * sizeof(T);
  return Buffer<T>(be, n, what);
}

}  // namespace

PrefetchRing::PrefetchRing(Backend& be, const Graph& g, const SampleLayout& L, int nslots,
                           RingLabels labels, int64_t num_classes, uint64_t seed, bool replace,
                           size_t& bytes)
    : be_(be), graph_(g), layout_(L), labels_(labels), seed_(seed), replace_(replace) {
  K_ = L.num_hops;
  const size_t sb = be.sample_scratch_bytes(L);
  slots_.resize(nslots);
  for (RingSlot& S : slots_) {
    S.seeds = alloc<NodeId>(be, L.max_seeds, "batch seeds", bytes);
    S.nodes = alloc<NodeId>(be, std::max<int64_t>(L.max_nodes, 1), "sampled nodes", bytes);
    S.hop_end = alloc<int32_t>(be, K_ + 1, "hop counts", bytes);
    S.seed_local = alloc<int32_t>(be, L.max_seeds, "seed ids", bytes);
    S.cnt = alloc<int32_t>(be, std::max<int64_t>(L.total_rows, 1), "neighbour counts", bytes);
    S.nbr = alloc<int32_t>(be, std::max<int64_t>(L.total_slots, 1), "neighbour lists", bytes);
    if (sb) S.scratch = alloc<char>(be, sb, "sampling scratch", bytes);
    S.seeds_staging = Buffer<NodeId>(be, L.max_seeds, "seed staging", Residence::kHostMapped);
    S.hop_staging = Buffer<int32_t>(be, K_ + 1, "hop count staging", Residence::kHostMapped);
    if (labels == RingLabels::kMulti) {
      S.targets = MatrixBuffer(be, L.max_seeds, num_classes, "targets", bytes);
      S.targets_staging =
          Buffer<float>(be, S.targets.buf.size(), "target staging", Residence::kHostMapped);
    } else if (labels == RingLabels::kSingle) {
      S.labels = alloc<int32_t>(be, L.max_seeds, "labels", bytes);
      S.labels_staging = Buffer<int32_t>(be, L.max_seeds, "label staging", Residence::kHostMapped);
    }
    S.sampled = be.new_event();
    S.consumed = be.new_event();
  }
  hop_end_host_.assign(K_ + 1, 0);
}

void PrefetchRing::attach(GraphStore& store, int64_t rows, int64_t cols, size_t& bytes) {
  store_ = &store;
  if (!store.features_remote()) return;
  for (RingSlot& S : slots_) {
    S.feat = MatrixBuffer(be_, rows, cols, "gathered input features", bytes);
    if (!store.cpu_gather()) continue;
    S.nodes_staging = Buffer<NodeId>(be_, rows, "sampled node staging", Residence::kHostMapped);
    S.feat_staging =
        Buffer<float>(be_, S.feat.buf.size(), "feature staging", Residence::kHostMapped);
    std::memset(S.feat_staging.data(), 0, S.feat.buf.size() * sizeof(float));  // the padding
    S.staged = be_.new_event();
  }
}

void PrefetchRing::drop_front() {
  cur_ = &slots_[queue_.front()];
  queue_.pop_front();
}

void PrefetchRing::enqueue(std::span<const NodeId> s, uint32_t epoch, bool with_labels) {
  if (static_cast<int64_t>(s.size()) > layout_.max_seeds)
    throw Error("batch larger than the engine's bound");
  if (queue_.size() >= slots_.size())
    throw Error("prefetch queue full: train an enqueued batch first");
  const bool remote = store_->features_remote(), cpu_gather = store_->cpu_gather();
  // The CPU gather of the next batch to train goes first, so that its copy is queued on the
  // sample lane ahead of this new sample (which waits for an older batch's compute).
  if (cpu_gather && !queue_.empty() && !slots_[queue_.front()].host_staged)
    stage_features_cpu(slots_[queue_.front()]);
  const int k = next_slot_;  // advanced only once the batch is queued (below)
  RingSlot& S = slots_[k];
  S.host_staged = false;
  S.batch = static_cast<int64_t>(s.size());
  // Host staging: the slot's previous batch was activated (its `sampled` event waited for by
  // the host), so the copies out of these buffers are complete.
  std::copy(s.begin(), s.end(), S.seeds_staging.data());
  if (with_labels) stage_labels(S, s);
  LaneScope sample_lane(be_, Backend::kLaneSample);
  be_.mark("sample-lane idle");
  if (S.consumed_recorded) be_.wait_event(S.consumed);  // its previous batch's compute is done
  be_.mark("sample-lane waits for compute");
  S.seeds.upload(S.seeds_staging.data(), s.size());
  if (with_labels) {
    if (labels_ == RingLabels::kMulti)
      S.targets.buf.upload(S.targets_staging.data(),
                           static_cast<size_t>(S.batch) * S.targets.stride);
    else
      S.labels.upload(S.labels_staging.data(), s.size());
  }
  SampleParams p{seed_, epoch, replace_};
  SampleOutput out{S.nodes.data(), S.hop_end.data(), S.seed_local.data(), S.cnt.data(),
                   S.nbr.data()};
  be_.sample_neighbors(store_->csr(), Span<const NodeId>{S.seeds.data(), S.batch}, layout_, p, out,
                       S.scratch.data());
  be_.download_async(S.hop_staging.data(), S.hop_end.data(), (K_ + 1) * sizeof(int32_t));
  be_.mark("sample");
  if (remote) {
    // The first layer's rows, ahead of the compute: gathered here, sized on the device by the
    // sample's hop count; or, for the CPU gather, the node ids go back to the host (a bound's
    // worth: the count is not known yet) and activate() gathers and copies.
    const int64_t bound = S.feat.cap;
    const int32_t* count = S.hop_end.data() + K_;
    if (cpu_gather) {
      be_.download_async(S.nodes_staging.data(), S.nodes.data(), bound * sizeof(NodeId));
    } else {
      store_->gather_rows(S.nodes.data(), S.feat.view(bound), count);
      be_.mark("transfer");
    }
  }
  be_.record_event(S.sampled);
  queue_.push_back(k);
  next_slot_ = (next_slot_ + 1) % static_cast<int>(slots_.size());
}

RingSlot& PrefetchRing::activate() {
  if (queue_.empty()) throw Error("no enqueued batch to train");
  RingSlot& S = slots_[queue_.front()];
  queue_.pop_front();
  be_.host_wait_event(S.sampled);
  std::memcpy(hop_end_host_.data(), S.hop_staging.data(), (K_ + 1) * sizeof(int32_t));
  cur_ = &S;
  if (hop_end_host_[0] != static_cast<int32_t>(S.batch)) {
    release();
    throw Error("batch seeds must be distinct");
  }
  if (store_->cpu_gather()) {
    if (!S.host_staged) stage_features_cpu(S);
    be_.wait_event(S.staged);
  } else {
    store_->count_cache_lookups(hop_end_host_[K_]);
  }
  be_.wait_event(S.sampled);
  be_.mark("wait");
  return S;
}

void PrefetchRing::release() {
  be_.record_event(cur_->consumed);
  cur_->consumed_recorded = true;
}

void PrefetchRing::stage_labels(RingSlot& S, std::span<const NodeId> s) {
  const int64_t B = static_cast<int64_t>(s.size());
  const Labels& lab = graph_.labels;
  if (labels_ == RingLabels::kSingle) {
    int32_t* out = S.labels_staging.data();
    for (int64_t i = 0; i < B; ++i) out[i] = lab.multi_label ? -1 : lab.single[s[i]];
  } else if (labels_ == RingLabels::kMulti) {
    const int64_t st = S.targets.stride;
    float* out = S.targets_staging.data();
    std::fill(out, out + B * st, 0.0f);
    for (int64_t i = 0; i < B; ++i)
      for (int64_t k = lab.multi_offsets[s[i]]; k < lab.multi_offsets[s[i] + 1]; ++k)
        out[i * st + lab.multi_classes[k]] = 1.0f;
  }
}

// The CPU gather of a queued batch (the next to train: from enqueue, else from activate):
// once its sample is done, host threads copy its rows from the graph's feature table into the
// slot's pinned staging, and one copy on the sample lane moves them to the slot's rows. The
// previous copy out of this staging is complete: it was queued on the sample lane before this
// batch's sample, whose event the host has waited for. The copy into `feat` follows the slot's
// previous compute on that lane (enqueue waited for `consumed`).
void PrefetchRing::stage_features_cpu(RingSlot& S) {
  be_.host_wait_event(S.sampled);
  const int64_t n_src = S.hop_staging.data()[K_], st = S.feat.stride;
  store_->cpu_gather_rows(S.nodes_staging.data(), n_src, S.feat_staging.data(), st);
  LaneScope sample_lane(be_, Backend::kLaneSample);
  be_.mark("sample-lane idle");
  S.feat.buf.upload(S.feat_staging.data(), static_cast<size_t>(n_src * st));
  be_.mark("transfer");
  be_.record_event(S.staged);
  S.host_staged = true;
}

}  // namespace grl
