#include "host/reference/sgns_ref.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "host/core/error.h"
#include "kernels/sgns_draw.h"

// The serial trainer is the CPU backend's skip-gram: on x86-64 it is compiled three times, for
// AVX-512, AVX2 and the baseline, and the loader picks what the CPU runs. No fused multiply-adds
// (CMakeLists.txt compiles this file with -ffp-contract=off): the same operations in the same
// order, so every clone gives the same embeddings bit for bit.
#if defined(__x86_64__) && defined(__GNUC__)
#define GRL_SGNS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GRL_SGNS_CLONES
#endif

namespace grl::ref {

namespace {

// v . out in a fixed order that the compiler can vectorise: 32 running sums (element k goes to
// sum k mod 32, four vector registers), combined pairwise. The sums are independent chains: one
// sum in element order was a chain of dim dependent adds, and eight sums still one chain of
// dim / 8 vector adds, which the trainer waited on at every target.
// (Both helpers are inlined into every ISA clone of sgns below.)
[[gnu::always_inline]] inline float dot(const float* a, const float* b, int64_t n) {
  float s[32] = {};
  int64_t k = 0;
  for (; k + 32 <= n; k += 32)
    for (int j = 0; j < 32; ++j) s[j] += a[k + j] * b[k + j];
  for (int j = 0; k < n; ++k, ++j) s[j] += a[k] * b[k];
  for (int w = 16; w >= 1; w /= 2)
    for (int j = 0; j < w; ++j) s[j] += s[j + w];
  return s[0];
}

// The loss, -sum log p over the targets (p the probability the model gives the target's
// label), kept as a running product of the p and folded into the sum before it can underflow:
// one multiply per target instead of a logarithm, which was a tenth of the trainer's time.
struct LossSum {
  double sum = 0, product = 1;
  void add(float p) {
    product *= p;
    if (product < 1e-200) {
      sum -= std::log(product);
      product = 1;
    }
  }
  double value() const { return sum - std::log(product); }
};

// One target's gradient scale g = lr (label - sigmoid(v . out)); adds the target's loss.
[[gnu::always_inline]] inline float target_gradient(const float* v, const float* out, int64_t dim,
                                                    float label, float lr, LossSum& loss) {
  const float f = dot(v, out, dim);
  const float sig = 1.0f / (1.0f + std::exp(-f));
  loss.add(label > 0 ? std::max(sig, 1e-30f) : std::max(1.0f - sig, 1e-30f));
  return lr * (label - sig);
}

// Asks for a row's cache lines ahead of its use (the rows of a pair's targets are scattered
// over the table, and each is read and written once per target).
[[gnu::always_inline]] inline void prefetch_row(const float* row, int64_t dim) {
  for (int64_t k = 0; k < dim; k += 16) __builtin_prefetch(row + k, 1, 3);
}

}  // namespace

GRL_SGNS_CLONES void sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& s,
                          AliasView all, AliasView typed, MatrixView<float> syn0,
                          MatrixView<float> syn1, SgnsStats* stats) {
  const int64_t dim = syn0.cols;
  std::vector<float> v(dim), v0(dim), e(dim);
  // Shared negatives: the centre's draws, their private rows and the rows as read.
  const int K = s.share_negatives ? s.negatives : 0;
  std::vector<NodeId> shared(K);
  std::vector<float> neg(static_cast<size_t>(K * dim)), neg0(neg.size());
  unsigned long long pairs = 0;
  LossSum loss;
  std::vector<NodeId> targets(static_cast<size_t>(s.negatives) + 1);
  for (int64_t w = 0; w < num_walks; ++w) {
    const int32_t* walk = walks.data + w * s.length;
    const uint32_t id = static_cast<uint32_t>(s.first_walk + w);
    const float lr = sgns_detail::learning_rate(s, id);
    // Subsampling and windows: drawn once per chunk when given (every block pass reads them),
    // else here.
    const uint8_t* drawn = s.position_draws ? s.position_draws + w * s.length : nullptr;
    auto kept_at = [&](int j) __attribute__((always_inline)) {
      return drawn ? (drawn[j] & sgns_detail::kPositionKept) != 0
                   : sgns_detail::kept(s, id, j, walk[j]);
    };
    for (int i = 0; i < s.length; ++i) {
      const NodeId c = walk[i];
      if (c < 0) break;  // the walk ended early
      if (!sgns_detail::in_centre_range(s, c)) continue;
      if (!kept_at(i)) continue;
      const int b =
          drawn ? drawn[i] & sgns_detail::kPositionWindow : sgns_detail::window_of(s, id, i);
      for (int64_t k = 0; k < dim; ++k) v0[k] = v[k] = syn0.at(c - s.centre_begin, k);
      // Shared negatives: each draw group's rows are read when its first context trains and
      // their change goes back when the group (or the window) ends.
      int group = -1;
      auto flush_shared = [&] {
        for (int q = 0; q < K && group >= 0; ++q) {
          float* row = syn1.row(shared[q] - s.context_begin);
          for (int64_t k = 0; k < dim; ++k) row[k] += neg[q * dim + k] - neg0[q * dim + k];
        }
      };
      sgns_detail::for_each_context_of(
          s, walk, i, b, kept_at, [&](int j, int slot) __attribute__((always_inline)) {
            const NodeId u = walk[j];
            if (!sgns_detail::in_context_range(s, u)) return;
            ++pairs;
            if (K && sgns_detail::shared_group(s, slot) != group) {
              flush_shared();
              group = sgns_detail::shared_group(s, slot);
              for (int q = 0; q < K; ++q) {
                shared[q] = sgns_detail::shared_negative(s, all, id, i, group, q);
                const float* row = syn1.row(shared[q] - s.context_begin);
                std::copy(row, row + dim, neg.begin() + q * dim);
                std::copy(row, row + dim, neg0.begin() + q * dim);
              }
            }
            // The targets first (the draws are keyed, so their order is free; one Philox call
            // gives two negatives), their rows fetched while the first ones train.
            targets[0] = u;
            prefetch_row(syn1.row(u - s.context_begin), dim);
            if (K) {
              for (int n = 1; n <= s.negatives; ++n) targets[n] = shared[n - 1];
            } else {
              for (int h = 0; 2 * h < s.negatives; ++h) {
                const Philox4 r = sgns_detail::negative_draws(s, id, i, slot, h);
                for (int q = 0; q < 2 && 2 * h + q < s.negatives; ++q) {
                  const NodeId t =
                      sgns_detail::negative_from(s, all, typed, r.v[2 * q], r.v[2 * q + 1], u);
                  targets[2 * h + q + 1] = t;
                  prefetch_row(syn1.row(t - s.context_begin), dim);
                }
              }
            }
            for (int64_t k = 0; k < dim; ++k) e[k] = 0.0f;
            for (int n = 0; n <= s.negatives; ++n) {
              const NodeId t = targets[n];
              if (n > 0 && t == u) continue;
              const float label = n > 0 ? 0.0f : 1.0f;
              float* out = n > 0 && K ? neg.data() + (n - 1) * dim : syn1.row(t - s.context_begin);
              const float g = target_gradient(v.data(), out, dim, label, lr, loss);
              for (int64_t k = 0; k < dim; ++k) {
                e[k] += g * out[k];
                out[k] += g * v[k];
              }
            }
            for (int64_t k = 0; k < dim; ++k) v[k] += e[k];
          });
      flush_shared();
      float* in = syn0.row(c - s.centre_begin);
      for (int64_t k = 0; k < dim; ++k) in[k] += v[k] - v0[k];
    }
  }
  if (stats) {
    stats->pairs += pairs;
    stats->loss += loss.value();
  }
}

namespace {

// One warp of sgns_lockstep: its centre, the contexts it trains and where it is in them.
struct ModelWarp {
  bool active = false;
  const int32_t* walk = nullptr;
  uint32_t id = 0;
  int i = 0;
  float lr = 0;
  std::vector<std::pair<int, int>> contexts;  // (position, slot), in training order
  size_t ci = 0;                              // current context
  int n = 0;                                  // current target: 0 = the context, k = negative k
  std::vector<float> v, v0, e;
  // This step's write: the target node (-1: none), its gradient scale and, for a store, the
  // row's new value (an atomic add writes row + g v, the reference's own expression).
  NodeId target = -1;
  float g = 0;
  std::vector<float> write;
};

// Moves w to its next target (the current one if valid), passing context ends (v += e).
// Returns the target and its label, or -1 when the window is done.
NodeId next_target(const SgnsSpec& s, const AliasView& all, const AliasView& typed, ModelWarp& w,
                   float& label) {
  while (w.ci < w.contexts.size()) {
    const auto [j, slot] = w.contexts[w.ci];
    const NodeId u = w.walk[j];
    if (w.n > s.negatives) {
      for (size_t k = 0; k < w.v.size(); ++k) w.v[k] += w.e[k];
      std::fill(w.e.begin(), w.e.end(), 0.0f);
      ++w.ci;
      w.n = 0;
      continue;
    }
    if (w.n == 0) {
      label = 1.0f;
      return u;
    }
    const NodeId t = sgns_detail::negative(s, all, typed, w.id, w.i, slot, w.n - 1, u);
    if (t != u) {
      label = 0.0f;
      return t;
    }
    ++w.n;
  }
  return -1;
}

// One SM's L1 in sgns_lockstep: the last `capacity` rows read, least recently used evicted.
// Keys: row * 2 + table (0 = syn0, 1 = syn1), below num_keys. Slots form an intrusive LRU list;
// keys find their slot through a dense array when `dense`, else a hash map (large graphs).
class ModelL1 {
 public:
  ModelL1(int capacity, int64_t dim, int64_t num_keys, bool dense)
      : dim_(dim),
        data_(static_cast<size_t>(capacity) * dim),
        key_(capacity, -1),
        prev_(capacity),
        next_(capacity),
        dense_(dense ? num_keys : 0, -1) {
    for (int i = 0; i < capacity; ++i) prev_[i] = i - 1, next_[i] = i + 1 < capacity ? i + 1 : -1;
    head_ = 0, tail_ = capacity - 1;
    if (!dense) sparse_.reserve(2 * static_cast<size_t>(capacity));
  }
  // The row as this SM sees it: its cached copy, or (on a miss) the table's, now cached.
  const float* read(int64_t key, const float* row) {
    int slot = slot_of(key);
    if (slot < 0) {
      slot = tail_;  // the least recently used slot (or a free one: key -1)
      if (key_[slot] >= 0) set_slot(key_[slot], -1);
      key_[slot] = key;
      set_slot(key, slot);
      std::copy(row, row + dim_, data_.begin() + slot * dim_);
    }
    to_front(slot);
    return data_.data() + slot * dim_;
  }
  void drop(int64_t key) {
    const int slot = slot_of(key);
    if (slot < 0) return;
    set_slot(key, -1);
    key_[slot] = -1;
    unlink(slot);  // a free slot goes to the back, to be used first
    prev_[slot] = tail_, next_[slot] = -1;
    if (tail_ >= 0) next_[tail_] = slot;
    tail_ = slot;
    if (head_ < 0) head_ = slot;
  }

 private:
  int slot_of(int64_t key) const {
    if (!dense_.empty()) return dense_[key];
    auto it = sparse_.find(key);
    return it == sparse_.end() ? -1 : it->second;
  }
  void set_slot(int64_t key, int slot) {
    if (!dense_.empty())
      dense_[key] = slot;
    else if (slot < 0)
      sparse_.erase(key);
    else
      sparse_[key] = slot;
  }
  void unlink(int slot) {
    if (prev_[slot] >= 0)
      next_[prev_[slot]] = next_[slot];
    else
      head_ = next_[slot];
    if (next_[slot] >= 0)
      prev_[next_[slot]] = prev_[slot];
    else
      tail_ = prev_[slot];
  }
  void to_front(int slot) {
    if (head_ == slot) return;
    unlink(slot);
    prev_[slot] = -1, next_[slot] = head_;
    if (head_ >= 0) prev_[head_] = slot;
    head_ = slot;
    if (tail_ < 0) tail_ = slot;
  }
  int64_t dim_;
  std::vector<float> data_;
  std::vector<int64_t> key_;
  std::vector<int> prev_, next_;
  int head_ = -1, tail_ = -1;
  std::vector<int> dense_;  // slot of each key, -1 when not cached
  std::unordered_map<int64_t, int> sparse_;
};

// An H100 / H200 SM at full occupancy. The tuned kernel holds fewer (20 at dim 128 since its
// batched loads; 24 before), so --model-warps 8448 is an upper bound on its concurrency.
constexpr int kModelWarpsPerSm = 64;

}  // namespace

void sgns_lockstep(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& s, AliasView all,
                   AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1,
                   SgnsStats* stats, int warps, int l1_rows) {
  if (s.share_negatives && s.negatives > 0)
    throw Error("sgns_lockstep models per-context negatives only, not shared ones");
  const int64_t dim = syn0.cols;
  std::vector<ModelWarp> ws(static_cast<size_t>(std::max(warps, 1)));
  std::vector<ModelL1> l1;
  if (l1_rows > 0) {
    const int64_t sms = (static_cast<int64_t>(ws.size()) + kModelWarpsPerSm - 1) / kModelWarpsPerSm;
    const int64_t keys =
        2 * std::max<int64_t>(s.centre_begin + syn0.rows, s.context_begin + syn1.rows);
    // Dense key arrays up to 256 MiB in all, else hash maps.
    l1.assign(sms, ModelL1(l1_rows, dim, keys, sms * keys <= (int64_t{64} << 20)));
  }
  auto sm_of = [&](const ModelWarp& w) { return (&w - ws.data()) / kModelWarpsPerSm; };
  // A row as warp w reads it (through its SM's L1 when modelled), and a write's L1 effect.
  auto read = [&](const ModelWarp& w, int table, NodeId row, const float* p) {
    return l1.empty() ? p : l1[sm_of(w)].read(int64_t{row} * 2 + table, p);
  };
  auto wrote = [&](const ModelWarp& w, int table, NodeId row) {
    if (!l1.empty()) l1[sm_of(w)].drop(int64_t{row} * 2 + table);
  };
  for (ModelWarp& w : ws) {
    w.v.resize(dim), w.v0.resize(dim), w.e.resize(dim), w.write.resize(dim);
  }
  const int64_t centres = num_walks * s.length;
  int64_t next = 0;  // the next centre in walk-major order
  unsigned long long pairs = 0;
  LossSum loss;
  float label = 0;
  // Gives warp w the next centre with at least one context to train; false when none is left.
  auto take_centre = [&](ModelWarp& w) {
    for (; next < centres; ++next) {
      const int64_t wk = next / s.length;
      const int i = static_cast<int>(next - wk * s.length);
      const int32_t* walk = walks.data + wk * s.length;
      const uint32_t id = static_cast<uint32_t>(s.first_walk + wk);
      const NodeId c = walk[i];
      if (c < 0 || !sgns_detail::in_centre_range(s, c) || !sgns_detail::kept(s, id, i, c)) continue;
      w.contexts.clear();
      sgns_detail::for_each_context(s, walk, id, i, sgns_detail::window_of(s, id, i),
                                    [&](int j, int slot) {
                                      if (sgns_detail::in_context_range(s, walk[j]))
                                        w.contexts.emplace_back(j, slot);
                                    });
      if (w.contexts.empty()) continue;
      ++next;
      pairs += w.contexts.size();
      w.walk = walk, w.id = id, w.i = i, w.lr = sgns_detail::learning_rate(s, id);
      w.ci = 0, w.n = 0;
      const float* in = read(w, 0, c, syn0.row(c - s.centre_begin));
      std::copy(in, in + dim, w.v.begin());
      std::copy(in, in + dim, w.v0.begin());
      std::fill(w.e.begin(), w.e.end(), 0.0f);
      w.active = true;
      return true;
    }
    return false;
  };
  for (ModelWarp& w : ws) take_centre(w);
  for (;;) {
    bool any = false;
    // Every warp reads its target row and computes its update...
    for (ModelWarp& w : ws) {
      w.target = -1;
      if (!w.active) continue;
      any = true;
      const NodeId t = next_target(s, all, typed, w, label);
      const float* out = read(w, 1, t, syn1.row(t - s.context_begin));
      const float g = target_gradient(w.v.data(), out, dim, label, w.lr, loss);
      for (int64_t k = 0; k < dim; ++k) {
        w.e[k] += g * out[k];
        if (!s.atomic_updates) w.write[k] = out[k] + g * w.v[k];
      }
      w.target = t;
      w.g = g;
      ++w.n;
    }
    if (!any) break;
    // ...then the writes land, in warp order, and finished windows go to syn0.
    for (ModelWarp& w : ws) {
      if (w.target < 0) continue;
      float* row = syn1.row(w.target - s.context_begin);
      for (int64_t k = 0; k < dim; ++k)
        row[k] = s.atomic_updates ? row[k] + w.g * w.v[k] : w.write[k];
      wrote(w, 1, w.target);
      if (next_target(s, all, typed, w, label) >= 0) continue;
      float* in = syn0.row(w.walk[w.i] - s.centre_begin);
      for (int64_t k = 0; k < dim; ++k) in[k] += w.v[k] - w.v0[k];
      wrote(w, 0, w.walk[w.i]);
      w.active = false;
    }
    for (ModelWarp& w : ws)
      if (!w.active) take_centre(w);
  }
  if (stats) {
    stats->pairs += pairs;
    stats->loss += loss.value();
  }
}

}  // namespace grl::ref
