// CPU reference of kernels/gather.h (same arguments; no stream).
#pragma once
#include "kernels/gather.h"

namespace grl::ref {

void gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                 const int32_t* num_rows = nullptr);
void gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                        const int32_t* cache_slot, const int32_t* rows, MatrixView<float> out,
                        unsigned long long* hits, const int32_t* num_rows = nullptr);

}  // namespace grl::ref
