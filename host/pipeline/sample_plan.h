// The sample plan of a GraphSAGE minibatch, shared by both backends and by the tests: the
// bounds every per-step buffer is sized from (SampleLayout), the per-layer blocks a sample is
// read through, and the index transpose of an unsupervised batch. Plain host code: the CPU
// backend, the CUDA path and the CPU references' tests all build their inputs with it.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/common/block.h"
#include "kernels/sampling.h"

namespace grl {

// Bounds for batches of up to `max_seeds` seeds on a graph of `num_nodes` nodes (kernels/
// sampling.h's layout). Throws UsageError for fanouts outside [1, kMaxFanout], more than
// kMaxHops of them, or a batch whose sample would overflow the sampler's 24-bit local ids.
SampleLayout make_sample_layout(int64_t max_seeds, const std::vector<int>& fanouts,
                                int64_t num_nodes);

// The block of GNN layer `layer` (1 = input layer) of `num_layers`, from a sample's host-side
// hop_end counts and its (host or device) cnt/nbr arrays.
BlockView make_block(const SampleLayout& layout, const int32_t* hop_end, const int32_t* cnt,
                     const int32_t* nbr, int layer, int num_layers);

// The transpose UnsupPairsView carries for the kernel: ref_offsets (rows + 1) and refs
// (2P + Q) of the pairs (u_i, v_i) and negatives over `rows` rows, built on the host by a
// counting sort. Throws grl::Error when an index is outside [0, rows).
void build_unsup_refs(int64_t rows, const int32_t* u, const int32_t* v, int64_t num_pairs,
                      const int32_t* neg, int64_t num_negs, int32_t* ref_offsets, int32_t* refs);

}  // namespace grl
