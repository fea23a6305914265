// Row-access helpers shared by the kernels that read and write whole matrix rows (aggregate,
// gather): 16-byte loads through the read-only path, and the lane-group shape for a row width.
#pragma once
#include <cstdint>

#include "kernels/common/views.h"

namespace grl::rowops {

__device__ __forceinline__ float4 ld4(const float* p) {
  return __ldg(reinterpret_cast<const float4*>(p));
}

// float4 access is legal for a matrix whose base, stride and width are all multiples of 4 floats.
inline bool vec4_ok(const void* p, int64_t stride, int64_t cols) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0 && stride % 4 == 0 && cols % 4 == 0;
}

// Lanes per row: the smallest of 8, 16, 32 covering `width` columns (float4 or scalar).
inline int group_lanes(int64_t width) { return width <= 8 ? 8 : (width <= 16 ? 16 : 32); }

// Blocks of `block` threads for `groups` groups of `lanes` lanes, at least 1 and at most 2^20
// (the kernels grid-stride beyond it).
inline unsigned grid_for(int64_t groups, int lanes, int block) {
  const int64_t threads = groups * lanes;
  const int64_t blocks = (threads + block - 1) / block;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > (1 << 20) ? (1 << 20) : blocks));
}

}  // namespace grl::rowops
