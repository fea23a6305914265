// Row gather, plain and through a cache of hot rows (semantics, mapping and bytes in gather.h).
#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/common/rows.cuh"
#include "kernels/gather.h"

namespace grl {

namespace {

constexpr int kBlock = 256;

using rowops::ld4;

template <int G>
__global__ void gather_rows_kernel(MatrixView<const float> table, const int32_t* rows,
                                   MatrixView<float> out, bool vec, const int32_t* num_rows) {
  const int lane = threadIdx.x % G;
  const int64_t group = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / G;
  const int64_t groups = int64_t{gridDim.x} * blockDim.x / G;
  const int64_t n = num_rows ? min(static_cast<int64_t>(*num_rows), out.rows) : out.rows;
  for (int64_t i = group; i < n; i += groups) {
    const float* in = table.row(rows[i]);
    float* o = out.row(i);
    if (vec) {
      for (int64_t v = lane; v < out.cols / 4; v += G)
        reinterpret_cast<float4*>(o)[v] = ld4(in + 4 * v);
    } else {
      for (int64_t f = lane; f < out.cols; f += G) o[f] = __ldg(in + f);
    }
  }
}

// As gather_rows_kernel, each row from the cache when it holds it.
template <int G>
__global__ void gather_rows_cached_kernel(MatrixView<const float> table,
                                          MatrixView<const float> cache, const int32_t* slot_of,
                                          const int32_t* rows, MatrixView<float> out, bool vec,
                                          unsigned long long* hits, const int32_t* num_rows) {
  __shared__ unsigned int block_hits;
  if (threadIdx.x == 0) block_hits = 0;
  __syncthreads();
  const int lane = threadIdx.x % G;
  const int64_t group = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / G;
  const int64_t groups = int64_t{gridDim.x} * blockDim.x / G;
  const int64_t n = num_rows ? min(static_cast<int64_t>(*num_rows), out.rows) : out.rows;
  for (int64_t i = group; i < n; i += groups) {
    const int32_t v = rows[i];
    const int32_t s = slot_of[v];
    if (s >= 0 && lane == 0) atomicAdd(&block_hits, 1u);
    const float* in = s >= 0 ? cache.row(s) : table.row(v);
    float* o = out.row(i);
    if (vec) {
      for (int64_t c = lane; c < out.cols / 4; c += G)
        reinterpret_cast<float4*>(o)[c] = *reinterpret_cast<const float4*>(in + 4 * c);
    } else {
      for (int64_t f = lane; f < out.cols; f += G) o[f] = in[f];
    }
  }
  __syncthreads();
  if (threadIdx.x == 0 && block_hits) atomicAdd(hits, static_cast<unsigned long long>(block_hits));
}

}  // namespace

void launch_gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                        const int32_t* num_rows, cudaStream_t stream) {
  if (out.rows == 0 || out.cols == 0) return;
  const bool vec = rowops::vec4_ok(table.data, table.stride, table.cols) &&
                   rowops::vec4_ok(out.data, out.stride, out.cols);
  const int lanes = rowops::group_lanes(vec ? out.cols / 4 : out.cols);
  const unsigned grid = rowops::grid_for(out.rows, lanes, kBlock);
  if (lanes == 8) {
    GRL_LAUNCH(grid, kBlock, stream, gather_rows_kernel<8>)(table, rows, out, vec, num_rows);
  } else if (lanes == 16) {
    GRL_LAUNCH(grid, kBlock, stream, gather_rows_kernel<16>)(table, rows, out, vec, num_rows);
  } else {
    GRL_LAUNCH(grid, kBlock, stream, gather_rows_kernel<32>)(table, rows, out, vec, num_rows);
  }
  GRL_LAUNCH_CHECK("gather_rows_kernel");
}

void launch_gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                               const int32_t* cache_slot, const int32_t* rows,
                               MatrixView<float> out, unsigned long long* hits,
                               const int32_t* num_rows, cudaStream_t stream) {
  if (out.rows == 0 || out.cols == 0) return;
  const bool vec = rowops::vec4_ok(table.data, table.stride, table.cols) &&
                   rowops::vec4_ok(cache.data, cache.stride, cache.cols) &&
                   rowops::vec4_ok(out.data, out.stride, out.cols);
  const int lanes = rowops::group_lanes(vec ? out.cols / 4 : out.cols);
  const unsigned grid = rowops::grid_for(out.rows, lanes, kBlock);
  if (lanes == 8) {
    GRL_LAUNCH(grid, kBlock, stream, gather_rows_cached_kernel<8>)
    (table, cache, cache_slot, rows, out, vec, hits, num_rows);
  } else if (lanes == 16) {
    GRL_LAUNCH(grid, kBlock, stream, gather_rows_cached_kernel<16>)
    (table, cache, cache_slot, rows, out, vec, hits, num_rows);
  } else {
    GRL_LAUNCH(grid, kBlock, stream, gather_rows_cached_kernel<32>)
    (table, cache, cache_slot, rows, out, vec, hits, num_rows);
  }
  GRL_LAUNCH_CHECK("gather_rows_cached_kernel");
}

}  // namespace grl
