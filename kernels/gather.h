// Row gather: a minibatch's feature rows (or any rows of a table) copied into a dense matrix,
// optionally through a cache of hot rows in device memory.
//
//   gather         out[i] = table[rows[i]]                                  i < n
//   gather cached  out[i] = cache[s] if s = cache_slot[rows[i]] >= 0, else table[rows[i]];
//                  hits[0] += the rows served from the cache
//   n = out.rows, or min(*num_rows, out.rows) with `num_rows` (device memory, e.g. the
//   sampler's hop counts written by an earlier kernel of the stream): the gather can be queued
//   before the host knows the count.
//
// Layout: row-major matrices with strides (MatrixView); the table may be pinned host memory
// read zero-copy over the host link (features larger than the GPU), the cache and the output
// are device memory.
// Thread mapping: a group of G lanes (8, 16 or 32, the smallest covering the row's float4
// count) per output row, lanes over float4 columns (scalar columns when a pointer, stride or
// width is not 16-byte aligned); grid-stride over rows. The cached variant counts hits in
// shared memory, one global atomic per block.
// Bytes it must move per row: 2 * cols * 4 (read + write) + 4 (the row id) [+ 4 (its cache
// slot)].
#pragma once
#include <cstdint>

#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
void launch_gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                        const int32_t* num_rows, cudaStream_t stream);

void launch_gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                               const int32_t* cache_slot, const int32_t* rows,
                               MatrixView<float> out, unsigned long long* hits,
                               const int32_t* num_rows, cudaStream_t stream);
#endif

}  // namespace grl
