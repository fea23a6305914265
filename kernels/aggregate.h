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

#include "kernels/common/block.h"
#include "kernels/common/variant.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

enum class AggregateKind : int { kMean = 0, kMax = 1 };

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
#endif

}  // namespace grl
