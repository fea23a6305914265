// Segmented aggregation over sampled neighbourhoods (GraphSAGE's AGG), fused with the gather:
// neighbour rows are read straight from the source matrix (the feature table through a row map,
// or the previous layer's output), never materialised as an [edges x dim] matrix.
//
//   mean  out[i] = (1 / cnt_i) * sum_{j < cnt_i} src[r(nbr_ij)]        (0 when cnt_i = 0)
//   max   out[i][f] = max_{j < cnt_i} src[r(nbr_ij)][f], argslot[i * dim + f] = the first j
//   attaining
//         it (ties go to the lowest slot; NaN wins only in slot 0); cnt_i = 0 gives 0 and 255.
//   r(x) = row_map ? row_map[x] : x
//
// Backward (deterministic, no atomics): the block is transposed by a stable radix sort of
// (source, edge) pairs, then each source row sums its edges' gradients in edge order:
//   mean  grad_src[u] = sum_{(i,j): nbr_ij = u} grad_out[i] / cnt_i
//   max   grad_src[u][f] = sum_{(i,j): nbr_ij = u, argslot[i][f] = j} grad_out[i][f]
// The CPU reference sums in the same order.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/views.h"
#include "kernels/sampling.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

enum class AggregateKind : int { kMean = 0, kMax = 1 };

// Rows [row_begin, row_end) of the destinations take their neighbours from one hop's ELL:
// row i's neighbours are nbr[(i - row_begin) * fanout + j] for j < cnt[i - row_begin].
struct BlockSegment {
  int32_t row_begin = 0, row_end = 0;
  int32_t fanout = 0;
  const int32_t* nbr = nullptr;
  const int32_t* cnt = nullptr;
};

// One GNN layer's message-flow graph: destinations [0, num_dst) are a prefix of the sources
// [0, num_src); the segments cover the destinations in order.
struct BlockView {
  int32_t num_dst = 0;
  int32_t num_src = 0;
  int32_t num_segments = 0;
  BlockSegment seg[kMaxHops];
  // Slots of all segments (rows x fanout), valid or not.
  int64_t num_slots() const {
    int64_t e = 0;
    for (int s = 0; s < num_segments; ++s)
      e += int64_t{seg[s].row_end - seg[s].row_begin} * seg[s].fanout;
    return e;
  }
};

// The segment holding destination row i (segments are few: a linear scan). Shared by the
// kernels and the CPU references.
GRL_HD const BlockSegment& block_segment_of(const BlockView& b, int32_t i) {
  int s = 0;
  while (s + 1 < b.num_segments && i >= b.seg[s].row_end) ++s;
  return b.seg[s];
}

// Which implementation to launch: the first simple version (one thread per output element)
// is kept beside the tuned one (a warp per row, 16-byte loads) so every speed-up is measured.
enum class KernelVariant : int { kSimple = 0, kTuned = 1 };

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
void launch_aggregate_forward(AggregateKind kind, MatrixView<const float> src,
                              const int32_t* row_map, const BlockView& block, MatrixView<float> out,
                              uint8_t* argslot, KernelVariant variant, cudaStream_t stream);

// Scratch for the backward transpose of blocks with up to `max_slots` slots and `max_src`
// sources.
size_t aggregate_backward_scratch_bytes(int64_t max_slots, int64_t max_src);
void launch_aggregate_backward(AggregateKind kind, const BlockView& block,
                               MatrixView<const float> grad_out, const uint8_t* argslot,
                               MatrixView<float> grad_src, void* scratch, size_t scratch_bytes,
                               cudaStream_t stream);

// The block transposed by source (used by the backward passes of aggregate and lstm): edges of
// source u are codes[offsets[u] .. offsets[u + 1]), each (row << 8) | slot, in (row, slot)
// order. Both arrays live in `scratch` (aggregate_backward_scratch_bytes). The block must have
// at least one slot.
struct BlockTranspose {
  const int64_t* offsets = nullptr;
  const uint32_t* codes = nullptr;
};
BlockTranspose launch_block_transpose(const BlockView& block, void* scratch, size_t scratch_bytes,
                                      cudaStream_t stream);

// out[i] = table[rows[i]] for i < out.rows (vectorised when widths allow). With `num_rows`
// (device memory, e.g. the sampler's hop counts, written by an earlier kernel of the stream),
// out.rows is only a bound and the rows gathered are i < min(*num_rows, out.rows): the gather
// can be queued before the host knows the count.
void launch_gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                        cudaStream_t stream, const int32_t* num_rows = nullptr);

// The gather through a feature cache: out[i] = cache[s] where s = cache_slot[rows[i]] >= 0,
// else table[rows[i]] (the table may be pinned host memory, read zero-copy; the cache holds
// the hottest rows in device memory). hits[0] += the rows served from the cache (one shared-
// memory count per block, one global atomic per block). `num_rows` as in launch_gather_rows.
void launch_gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                               const int32_t* cache_slot, const int32_t* rows,
                               MatrixView<float> out, unsigned long long* hits, cudaStream_t stream,
                               const int32_t* num_rows = nullptr);
#endif

}  // namespace grl
