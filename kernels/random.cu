// Philox fills. One thread per 4 outputs (one generator call): 16 bytes written per call.
// Bytes moved: 4 per output, written once; compute-light (10 Philox rounds per 4 outputs).
#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/random.h"

namespace grl {

namespace {

__global__ void philox_fill_kernel(Span<uint32_t> out, uint64_t seed, RandomPurpose purpose) {
  for (int64_t q = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; q * 4 < out.size;
       q += int64_t{gridDim.x} * blockDim.x) {
    Philox4 r = philox(seed, purpose, static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), 0);
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (q * 4 + k < out.size) out[q * 4 + k] = r.v[k];
  }
}

__global__ void uniform_fill_kernel(Span<float> out, float lo, float hi, uint64_t seed,
                                    RandomPurpose purpose) {
  for (int64_t q = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; q * 4 < out.size;
       q += int64_t{gridDim.x} * blockDim.x) {
    Philox4 r = philox(seed, purpose, static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), 0);
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (q * 4 + k < out.size) out[q * 4 + k] = random_uniform(r.v[k], lo, hi);
  }
}

int grid_for(int64_t quads, int block) {
  int64_t g = (quads + block - 1) / block;
  return static_cast<int>(g < 65536 ? (g < 1 ? 1 : g) : 65536);
}

}  // namespace

void launch_philox_fill(Span<uint32_t> out, uint64_t seed, RandomPurpose purpose,
                        cudaStream_t stream) {
  if (out.size == 0) return;
  constexpr int kBlock = 256;
  GRL_LAUNCH(grid_for((out.size + 3) / 4, kBlock), kBlock, stream, philox_fill_kernel)
  (out, seed, purpose);
  GRL_LAUNCH_CHECK("philox_fill_kernel");
}

void launch_uniform_fill(Span<float> out, float lo, float hi, uint64_t seed, RandomPurpose purpose,
                         cudaStream_t stream) {
  if (out.size == 0) return;
  constexpr int kBlock = 256;
  GRL_LAUNCH(grid_for((out.size + 3) / 4, kBlock), kBlock, stream, uniform_fill_kernel)
  (out, lo, hi, seed, purpose);
  GRL_LAUNCH_CHECK("uniform_fill_kernel");
}

}  // namespace grl
