// CPU reference of kernels/aggregate.h (same arguments; no stream, no scratch).
#pragma once
#include "kernels/aggregate.h"

namespace grl::ref {

void aggregate_forward(AggregateKind kind, MatrixView<const float> src, const int32_t* row_map,
                       const BlockView& block, MatrixView<float> out, uint8_t* argslot);
void aggregate_backward(AggregateKind kind, const BlockView& block,
                        MatrixView<const float> grad_out, const uint8_t* argslot,
                        MatrixView<float> grad_src);
void gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                 const int32_t* num_rows = nullptr);
void gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                        const int32_t* cache_slot, const int32_t* rows, MatrixView<float> out,
                        unsigned long long* hits, const int32_t* num_rows = nullptr);

// The block of GNN layer `layer` (1 = input layer) of `num_layers`, from a sample's host-side
// hop_end counts and its (host or device) cnt/nbr arrays.
BlockView make_block(const SampleLayout& layout, const int32_t* hop_end, const int32_t* cnt,
                     const int32_t* nbr, int layer, int num_layers);

}  // namespace grl::ref
