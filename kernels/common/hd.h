// GRL_HD marks functions compiled for both host and device; plain C++ when nvcc is not used.
// GRL_HD_INLINED also forces inlining on the host, for the few helpers whose callers are
// compiled once per instruction set (target_clones) and must take them along.
#pragma once
#if defined(__CUDACC__)
#define GRL_HD __host__ __device__ __forceinline__
#define GRL_HD_INLINED GRL_HD
#else
#define GRL_HD inline
#define GRL_HD_INLINED inline __attribute__((always_inline))
#endif
