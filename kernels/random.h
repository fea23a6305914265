// Philox fill: out[i] = word (i % 4) of philox(seed, purpose, i / 4, 0, 0). The device twin of
// host/reference/random_ref.h; used to prove the generator is bit-identical on CPU and GPU, and to
// fill buffers with reproducible random data (benchmarks, initialisation).
#pragma once
#include "kernels/common/philox.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
void launch_philox_fill(Span<uint32_t> out, uint64_t seed, RandomPurpose purpose,
                        cudaStream_t stream);

// out[i] = lo + (hi - lo) * random_unit(word i): uniform floats, identical to the CPU twin.
void launch_uniform_fill(Span<float> out, float lo, float hi, uint64_t seed, RandomPurpose purpose,
                         cudaStream_t stream);
#endif

}  // namespace grl
