// CPU reference of kernels/segment_reduce.h (same arguments; no stream; the plan is not read:
// the reference reduces each row whole, in the same chunk order).
#pragma once
#include "kernels/segment_reduce.h"

namespace grl::ref {

void segment_reduce(AggregateKind kind, MatrixView<const float> src, CsrView graph,
                    const int32_t* rows, int64_t num_rows, const SegmentPlan& plan,
                    MatrixView<float> out);

}  // namespace grl::ref
