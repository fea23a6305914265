// Random walks for skip-gram embeddings: first-order (DeepWalk, uniform or weighted),
// second-order (node2vec, by rejection sampling: memory stays O(edges)), and meta-path guided
// (metapath2vec) on heterogeneous graphs.
//
// Walk w starts at starts[(start_offset + w) % num_starts] and has `length` nodes: walks[w * length
// + t] (t = 0 is the start). With shuffle_starts, start position r = start_offset + w takes
// starts[random_permute(r % num_starts, num_starts, philox(seed, kStartOrder, pass, pass >> 32,
// 0))], pass = r / num_starts: every pass visits each start once, in its own random order (as
// DeepWalk shuffles the nodes before each pass), so walks trained side by side start far apart. A
// walk that reaches a node with no (suitable) neighbour ends early; its remaining positions are -1
// and it is counted in *ended_early.
//
// Randomness, identical on CPU and GPU: step t of walk (first_walk + w) uses
//   uniform / meta-path:  word 0 of philox(seed, kWalk, walk, t, 0)  ->  uniform neighbour
//   node2vec trial k:     philox(seed, kWalk, walk, t, k): word 0 proposes a neighbour x of the
//                         current node, word 1 gives y = M * unit in [0, M), M = max(1/p, 1, 1/q);
//                         x is accepted when y < alpha: 1/p if x is the previous node, 1 if x is
//                         a neighbour of the previous node (binary search in its sorted row),
//                         1/q otherwise. Trial 0..kMaxTrials-1; the last proposal is taken after
//                         kMaxTrials rejections. The first step is uniform.
// On a weighted view (CsrView::alias set) every neighbour draw follows the edge weights
// (kernels/weighted_draw.h): word 0 picks a slot of the row's alias table and word 1 (node2vec:
// word 2) tosses its coin, so node2vec proposes x with probability w(cur, x) / W and accepts it
// with alpha / M: its transitions are proportional to w * alpha, as in the paper. A row whose
// weights are all zero ends the walk.
// A meta-path walk at step t (t >= 1) moves along relation rel[(t - 1) % cycle]: rows of that
// relation's CSR are local to its source type (row = node - src_begin).
#pragma once
#include <cstdint>

#include "kernels/common/variant.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

constexpr int kMaxMetapathSteps = 16;
constexpr int kNode2vecMaxTrials = 64;

struct MetapathStep {
  CsrView csr;           // the relation: rows = nodes of src type (local), indices = global ids
  NodeId src_begin = 0;  // global id of the relation's first source node
};

struct WalkSpec {
  enum Kind : int { kUniform = 0, kNode2vec = 1, kMetapath = 2 } kind = kUniform;
  int length = 80;
  uint64_t seed = 0;
  uint64_t first_walk = 0;      // global index of walk 0 of this chunk (keys the draws)
  uint64_t start_offset = 0;    // walk w starts at starts[(start_offset + w) % starts.size]
  bool shuffle_starts = false;  // ... or at that position of a per-pass random order (above)
  // Optional 32-bit copy of the homogeneous graph's offsets (num_edges < 2^32), read by the
  // uniform and node2vec steps instead of the 64-bit ones: half the bytes, so more of the array
  // stays in L2 (8.4M nodes: 34 MB instead of 67 MB), and a row's pair straddles two sectors
  // one time in eight instead of four. Same walks either way.
  const uint32_t* offsets32 = nullptr;
  float p = 1.0f, q = 1.0f;  // node2vec
  int cycle = 0;             // meta-path: relations per cycle
  MetapathStep steps[kMaxMetapathSteps];
};

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
// One thread per walk. `graph` is the homogeneous CSR (uniform, node2vec; unused for meta-path).
// simple stores each step as it is drawn; tuned stores 8 steps at a time as one 32-byte sector
// (needs length % 4 == 0 and 16-byte aligned `walks`, else it runs the simple loop). Same walks.
void launch_random_walks(CsrView graph, const WalkSpec& spec, Span<const NodeId> starts,
                         int64_t num_walks, int32_t* walks, unsigned long long* ended_early,
                         KernelVariant variant, cudaStream_t stream);
// counts[v] += occurrences of v in walks[0, n) (-1 entries skipped).
void launch_count_nodes(Span<const int32_t> walks, int64_t* counts, cudaStream_t stream);
#endif

}  // namespace grl
