// GRL_HD marks functions compiled for both host and device; plain C++ when nvcc is not used.
#pragma once
#if defined(__CUDACC__)
#define GRL_HD __host__ __device__ __forceinline__
#else
#define GRL_HD inline
#endif
