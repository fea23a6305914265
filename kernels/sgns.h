// Skip-gram with negative sampling over a chunk of walks (word2vec semantics).
//
// For centre position i of walk w (node c = walks[w][i] >= 0): the window shrinks at random
// per centre, b = 1 + random_below(philox(seed, kWindow, walk, i, 0)[0], window), and each
// context j in [i - b, i + b], j != i, u = walks[w][j] >= 0, is one positive pair. The pair
// trains against target u (label 1) and `negatives` targets n (label 0) drawn from an alias
// table (unigram^0.75 of node occurrences in the walks) with
//   philox(seed, kNegative, walk, i * 64 + (j - i + b), k / 2): words 2(k%2), 2(k%2)+1;
// a negative equal to u is skipped (as word2vec does). For each target t:
//   f = v . syn1[t],  g = lr * (label - sigmoid(f)),  e += g * syn1[t],  syn1[t] += g * v
// and after each context v += e (v = the centre's input vector, kept on chip across its
// window; the delta is added to syn0[c] once at the end). lr decays linearly with the walk:
// lr = lr0 * max(1 - walk / total_walks, 1e-4), walk = first_walk + w.
// metapath2vec++ (typed_negatives): negatives come from the context's node type only, drawn
// from that type's own table (entries [type_begin[t], type_begin[t+1]) of `typed`).
// Subsampling of frequent nodes (word2vec's `sample`): with keep != null, position j of walk w
// is kept when random_unit(philox(seed, kSubsample, walk, j, 0)[0]) < keep[node]; discarded
// positions are removed before windows are formed (a centre's b contexts on each side are the b
// nearest kept positions), and discarded centres train nothing.
//
// Row partitions (GraphVite's, for tables larger than device memory): the spec restricts training
// to centres c in [centre_begin, centre_end) and contexts u in [context_begin, context_end)
// (an end of -1 means up to the number of nodes: no restriction). A pair (c, u) outside the two
// ranges is skipped; centres outside the centre range are skipped before any work. syn0 then
// holds only the centre block's rows (row c - centre_begin) and syn1 only the context block's
// (row t - context_begin). Negatives for context u are drawn from [context_begin, context_end)
// intersected with u's type range (typed_negatives) or with [0, n): entries [lo, hi) of the
// alias table, which the caller builds per such segment. Windows, subsampling and every Philox
// key are unchanged, so the passes over all (centre block, context block) pairs train exactly the
// pairs of one unrestricted pass (in another order); stats count only the pairs trained.
//
// Shared negatives (share_negatives; untyped only, negatives <= kMaxSharedNegatives): the K
// negatives are drawn once per draw group of the centre's context slots, slot j in group
// g = j / shared_span (shared_span 0: one group, the whole window), n_k from philox(seed,
// kNegative, walk, i * 64 + 63, (g << 8) | k / 2) (slot 63: no context slot reaches it), from
// the context range's table, and serve every context of the group. Their rows are read into
// private copies when the group's first context trains; the group's updates to a negative go to
// its copy (each draw its own, even when two draws name one node), and each copy's change is
// added to syn1 once when the group ends. A negative equal to the context is skipped for that
// pair. Bytes per pair fall from (K + 1) rows to about 1 + K / min(span, 2b) rows (the
// FULL-W2V / BlazingText idea); the quality effect is measured in tests/cpu/skipgram_test.cpp
// and the README.
//
// Variants: simple = one warp visits every centre in order (deterministic; equals the CPU
// reference up to float rounding: the oracle in tests); tuned = a warp per centre, all centres
// in parallel, lock-free (Hogwild) updates of the two tables, as word2vec's threads do.
// atomic_updates: syn1[t] += g v becomes an atomic add of g v instead of a store of the value
// read plus g v, so warps updating the same (hub) row at once lose no update; same arithmetic,
// so the simple variant's results are unchanged. Both variants read the tables through L2 only
// (ld.cg: L1 is not coherent across SMs, sgns.cu); l1_reads restores plain loads, to measure.
#pragma once
#include <cstdint>

#include "kernels/common/variant.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

constexpr int kMaxSgnsDim = 512;
constexpr int kMaxSgnsWindow = 31;
constexpr int kMaxNodeTypes = 16;
constexpr int kMaxSharedNegatives = 8;

// Walker's alias table over node ids [0, n): draw i uniformly, keep it with probability
// prob[i], else take alias[i].
struct AliasView {
  const float* prob = nullptr;
  const int32_t* alias = nullptr;
  NodeId n = 0;
};

struct SgnsSpec {
  int length = 80;  // walk length (row stride of walks)
  int window = 5;
  int negatives = 5;
  float lr0 = 0.025f;
  uint64_t seed = 0;
  uint64_t first_walk = 0;
  uint64_t total_walks = 1;
  bool typed_negatives = false;
  const float* keep = nullptr;  // per-node keep probability (backend memory); null: keep all
  bool atomic_updates = false;
  bool share_negatives = false;  // one set of negatives per centre (above)
  int shared_span = 0;           // shared negatives: context slots per draw (0 = the whole window)
  // CUDA: read the tables through L1 (plain loads, stale across SMs: sgns.cu) instead of L2
  // only; kept to measure the difference, not for use.
  bool l1_reads = false;
  int num_types = 0;
  NodeId type_begin[kMaxNodeTypes + 1] = {};
  // Row partitions (see above): the node ids trained as centres and as contexts; -1 = all.
  NodeId centre_begin = 0, centre_end = -1;
  NodeId context_begin = 0, context_end = -1;
  // Optional, host memory, read by the CPU trainer only: each position's subsampling and window
  // draws for these walks, one byte per position (sgns_detail::position_draw), drawn once per
  // chunk instead of again in each of its block passes. Null: drawn where needed (the kernels
  // always draw; the draws are the same).
  const uint8_t* position_draws = nullptr;
};

// Sums the chunk adds to: positive pairs trained, and the loss over all targets.
struct SgnsStats {
  unsigned long long pairs = 0;
  double loss = 0;
};

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
void launch_sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& spec, AliasView all,
                 AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats,
                 KernelVariant variant, cudaStream_t stream);
// Warps of the tuned kernel resident at once on the current device (centres in flight): the
// concurrency that ref::sgns_lockstep's `warps` models.
int64_t sgns_resident_warps(int64_t dim, bool share_negatives);
#endif

}  // namespace grl
