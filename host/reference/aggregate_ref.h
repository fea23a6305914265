// CPU reference of kernels/aggregate.h (same arguments; no stream, no scratch).
#pragma once
#include "kernels/aggregate.h"

namespace grl::ref {

void aggregate_forward(AggregateKind kind, MatrixView<const float> src, const int32_t* row_map,
                       const BlockView& block, MatrixView<float> out, uint8_t* argslot);
void aggregate_backward(AggregateKind kind, const BlockView& block,
                        MatrixView<const float> grad_out, const uint8_t* argslot,
                        MatrixView<float> grad_src);

}  // namespace grl::ref
